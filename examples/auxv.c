/* getauxval: AT_PAGESZ, AT_PHENT, AT_PHNUM, AT_ENTRY, AT_HWCAP, AT_RANDOM, AT_EXECFN vs argv[0], ids; run: any args */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <elf.h>

extern char _start[];

int main(int argc, char **argv)
{
    printf("AT_PAGESZ: %lu\n", getauxval(AT_PAGESZ));
    printf("sysconf pagesize: %ld\n", sysconf(_SC_PAGESIZE));
    printf("AT_PHENT: %lu\n", getauxval(AT_PHENT));
    Elf32_Phdr *ph = (Elf32_Phdr *)getauxval(AT_PHDR);
    unsigned long phnum = getauxval(AT_PHNUM);
    printf("AT_PHNUM: %lu\n", phnum);
    int has_load = 0;
    for (unsigned long i = 0; ph && i < phnum; i++) if (ph[i].p_type == PT_LOAD) has_load++;
    printf("AT_PHDR readable, PT_LOAD count: %d\n", has_load);
    printf("AT_ENTRY == _start: %s\n", getauxval(AT_ENTRY) == (unsigned long)_start ? "yes" : "no");
    printf("AT_HWCAP nonzero: %s\n", getauxval(AT_HWCAP) ? "yes" : "no");
    unsigned char *rnd = (unsigned char *)getauxval(AT_RANDOM);
    int nz = 0;
    if (rnd) for (int i = 0; i < 16; i++) nz |= rnd[i];
    printf("AT_RANDOM non-null: %s, 16 bytes not all zero: %s\n", rnd ? "yes" : "no", nz ? "yes" : "no");
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    printf("AT_EXECFN non-null: %s\n", execfn ? "yes" : "no");
    printf("AT_EXECFN equals argv[0]: %s\n", execfn && strcmp(execfn, argv[0]) == 0 ? "yes" : "no");
    printf("AT_UID==getuid: %s AT_EUID==geteuid: %s\n", getauxval(AT_UID) == getuid() ? "yes" : "no",
           getauxval(AT_EUID) == geteuid() ? "yes" : "no");
    printf("AT_GID==getgid: %s AT_EGID==getegid: %s\n", getauxval(AT_GID) == getgid() ? "yes" : "no",
           getauxval(AT_EGID) == getegid() ? "yes" : "no");
    printf("AT_SECURE: %lu\n", getauxval(AT_SECURE));
    printf("AT_CLKTCK: %lu\n", getauxval(AT_CLKTCK));
    const char *plat = (const char *)getauxval(AT_PLATFORM);
    printf("AT_PLATFORM is i686: %s\n", plat && strcmp(plat, "i686") == 0 ? "yes" : "no");
    printf("argc: %d\n", argc);
    /* stack layout: argv[argc] is NULL and environ follows it */
    extern char **environ;
    printf("environ follows argv: %s\n", environ == argv + argc + 1 ? "yes" : "no");
    printf("stack alignment of argv: %s\n", ((unsigned long)argv & 3) == 0 ? "ok" : "bad");
    return 0;
}
