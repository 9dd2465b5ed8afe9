/* string functions over large unaligned buffers (glibc ifunc SSE2/AVX paths): memcpy/memmove/memset/strlen/memchr/strchr/memcmp/strcmp/strstr; run: no args */
#define _GNU_SOURCE
#include <stdio.h>
#include <wchar.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#define N (1 << 20)
static unsigned char src[N + 64], dst[N + 64], ref[N + 64];

static uint32_t crc(const unsigned char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

int main(void)
{
    uint32_t seed = 1;
    for (size_t i = 0; i < sizeof src; i++) { seed = seed * 1664525u + 1013904223u; src[i] = seed >> 24; }
    int bad = 0;
    size_t lens[] = {0, 1, 3, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 255, 256, 1000, 4095, 4096, 4097, 65537, N - 64};
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++)
        for (size_t so = 0; so < 8; so++)
            for (size_t d0 = 0; d0 < 8; d0 += 3) {
                size_t n = lens[li];
                memset(dst, 0xee, n + 32);
                memcpy(dst + d0, src + so, n);
                for (size_t i = 0; i < n; i++) if (dst[d0 + i] != src[so + i]) { bad++; break; }
                if (dst[d0 + n] != 0xee) bad++;
            }
    printf("memcpy unaligned mismatches: %d\n", bad);
    /* overlapping memmove both directions compared with a byte loop */
    bad = 0;
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++)
        for (int shift = -9; shift <= 9; shift += 3) {
            size_t n = lens[li] > N - 100 ? N - 100 : lens[li];
            memcpy(dst, src, n + 40);
            memcpy(ref, src, n + 40);
            size_t from = 20, to = 20 + shift;
            memmove(dst + to, dst + from, n);
            if (to < from) for (size_t i = 0; i < n; i++) ref[to + i] = ref[from + i];
            else for (size_t i = n; i-- > 0;) ref[to + i] = ref[from + i];
            if (memcmp(dst, ref, n + 40) != 0) bad++;
        }
    printf("memmove overlap mismatches: %d\n", bad);
    memset(dst + 3, 'x', N - 100);
    dst[N - 97 + 3] = 0;
    dst[N - 100 + 3] = 0;
    printf("strlen long unaligned: %zu\n", strlen((char *)dst + 3));
    bad = 0;
    for (int off = 0; off < 64; off++) {
        memset(dst, 'a', 5000);
        dst[off + 3000] = 0;
        if (strlen((char *)dst + off) != 3000) bad++;
        if (memchr(dst + off, 0, 5000 - off) != dst + off + 3000) bad++;
        dst[off + 2000] = 'Z';
        if (strchr((char *)dst + off, 'Z') != (char *)dst + off + 2000) bad++;
        if (strrchr((char *)dst + off, 'a') != (char *)dst + off + 2999) bad++;
        if (rawmemchr(dst + off, 'Z') != dst + off + 2000) bad++;
    }
    printf("strlen/memchr/strchr/strrchr offsets mismatches: %d\n", bad);
    memcpy(dst, src, N);
    printf("memcmp equal: %d\n", memcmp(dst + 5, src + 5, N - 10));
    dst[N / 2] ^= 1;
    int c = memcmp(dst + 1, src + 1, N - 10);
    printf("memcmp differ sign matches: %s\n", (c > 0) == (dst[N / 2] > src[N / 2]) && c != 0 ? "yes" : "no");
    memset(dst, 'b', 100000); dst[100000] = 0;
    memset(ref, 'b', 100000); ref[100000] = 0; ref[77777] = 'c';
    printf("strcmp: %d %d\n", strcmp((char *)dst, (char *)dst) == 0, strcmp((char *)dst + 1, (char *)ref + 1) < 0);
    strcpy((char *)ref + 100, "needle-in-the-haystack");
    printf("strstr: %ld\n", (long)((unsigned char *)strstr((char *)ref + 1, "needle-in") - ref));
    printf("memrchr: %ld\n", (long)((unsigned char *)memrchr(ref, 'c', 100000) - ref));
    memset(dst + 1, 0x5c, N - 1);
    printf("memset checksum: %08x\n", crc(dst + 1, N - 1));
    printf("src checksum: %08x\n", crc(src, N));
    char *dup = strdup("strdup works");
    printf("%s, strncmp=%d, strcasecmp=%d\n", dup, strncmp(dup, "strdup wo!", 9), strcasecmp("HeLLo", "hello"));
    free(dup);
    wchar_t w[] = L"wide string";
    printf("wcslen: %zu\n", wcslen(w));
    return 0;
}
