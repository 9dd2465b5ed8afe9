/* 100 MB malloc, touch every page, checksum, free, calloc zeroed, realloc; run: no args */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

int main(void)
{
    size_t size = 100u * 1024 * 1024;
    unsigned char *p = malloc(size);
    printf("malloc 100MB: %s\n", p ? "ok" : "NULL");
    if (!p) return 1;
    for (size_t i = 0; i < size; i += 4096) p[i] = (unsigned char)(i / 4096 * 31 + 7);
    p[size - 1] = 0x5a;
    uint32_t sum = 0;
    for (size_t i = 0; i < size; i += 4096) sum = sum * 33 + p[i];
    sum += p[size - 1];
    printf("pages: %zu checksum: %08x\n", size / 4096, sum);
    memset(p, 0xab, size);
    uint64_t total = 0;
    for (size_t i = 0; i < size; i += 997) total += p[i];
    printf("memset sample sum: %llu\n", (unsigned long long)total);
    free(p);
    unsigned *z = calloc(8u * 1024 * 1024, sizeof(unsigned));
    unsigned zs = 0;
    for (size_t i = 0; i < 8u * 1024 * 1024; i += 1024) zs |= z[i];
    printf("calloc 32MB zero: %s\n", zs == 0 ? "yes" : "no");
    z = realloc(z, 64u * 1024 * 1024);
    printf("realloc 64MB: %s\n", z ? "ok" : "NULL");
    free(z);
    /* many small allocations via brk */
    void *ptrs[10000];
    for (int i = 0; i < 10000; i++) { ptrs[i] = malloc(i % 200 + 1); memset(ptrs[i], i, i % 200 + 1); }
    int ok = 1;
    for (int i = 0; i < 10000; i++) {
        unsigned char *q = ptrs[i];
        if (q[i % 200] != (unsigned char)i) ok = 0;
        free(q);
    }
    printf("10000 small allocations intact: %s\n", ok ? "yes" : "no");
    volatile size_t hugesz = 3500u * 1024 * 1024;
    void *huge = malloc(hugesz);
    printf("malloc 3.5GB fails: %s\n", huge == NULL ? "yes" : "no");
    return 0;
}
