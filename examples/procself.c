/* /proc/self as an i386 process sees it: cmdline is argv, auxv has AT_PAGESZ, maps has the [stack] that holds a local, pthread_getattr_np finds the main stack; run: procself [ARGS...] */
#define _GNU_SOURCE
#include <elf.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char buf[4096];
    FILE *f = fopen("/proc/self/cmdline", "r");
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    size_t want = 0;
    for (int i = 0; i < argc; i++)
        want += strlen(argv[i]) + 1;
    int same = n == want;
    for (size_t off = 0, i = 0; same && i < (size_t)argc; off += strlen(argv[i]) + 1, i++)
        same = strcmp(buf + off, argv[i]) == 0;
    printf("cmdline is argv: %s\n", same ? "yes" : "no");

    f = fopen("/proc/self/auxv", "r");
    Elf32_auxv_t aux;
    long pagesz = 0;
    while (fread(&aux, sizeof aux, 1, f) == 1 && aux.a_type != AT_NULL)
        if (aux.a_type == AT_PAGESZ)
            pagesz = aux.a_un.a_val;
    fclose(f);
    printf("auxv AT_PAGESZ: %ld\n", pagesz);

    int local = 0;
    unsigned long lo, hi, here = (unsigned long)&local;
    int in_stack = 0;
    f = fopen("/proc/self/maps", "r");
    while (fgets(buf, sizeof buf, f))
        if (sscanf(buf, "%lx-%lx", &lo, &hi) == 2 && strstr(buf, "[stack]") && lo <= here && here < hi)
            in_stack = 1;
    fclose(f);
    printf("maps [stack] holds a local: %s\n", in_stack ? "yes" : "no");

    pthread_attr_t a;
    void *st;
    size_t sz;
    pthread_getattr_np(pthread_self(), &a);
    pthread_attr_getstack(&a, &st, &sz);
    printf("pthread_getattr_np stack holds a local: %s\n",
           (char *)&local >= (char *)st && (char *)&local < (char *)st + sz ? "yes" : "no");
    printf("open /proc/self/maps for writing fails: %s\n", fopen("/proc/self/maps", "w") ? "no" : "yes");
    return 0;
}
