/* uname: sysname, machine (as this kernel reports it to an i386 process), release format; run: no args */
#include <stdio.h>
#include <string.h>
#include <ctype.h>
#include <sys/utsname.h>

int main(void)
{
    struct utsname u;
    printf("uname: %d\n", uname(&u));
    printf("sysname: %s\n", u.sysname);
    printf("machine: %s\n", u.machine);
    printf("release starts with digit: %s\n", isdigit((unsigned char)u.release[0]) ? "yes" : "no");
    printf("nodename non-empty: %s\n", u.nodename[0] ? "yes" : "no");
    printf("version non-empty: %s\n", u.version[0] ? "yes" : "no");
    int maj = 0, min = 0;
    sscanf(u.release, "%d.%d", &maj, &min);
    printf("kernel >= 3.2: %s\n", maj > 3 || (maj == 3 && min >= 2) ? "yes" : "no");
    return 0;
}
