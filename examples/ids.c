/* process ids: getpid==syscall(SYS_getpid), gettid==getpid, getppid, uid/gid/groups, sessions; run: no args */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/types.h>

int main(void)
{
    pid_t pid = getpid();
    printf("getpid > 0: %s\n", pid > 0 ? "yes" : "no");
    printf("getpid == syscall(SYS_getpid): %s\n", pid == syscall(SYS_getpid) ? "yes" : "no");
    printf("gettid == getpid: %s\n", gettid() == pid ? "yes" : "no");
    printf("syscall(SYS_gettid) == getpid: %s\n", syscall(SYS_gettid) == pid ? "yes" : "no");
    pid_t pp = getppid();
    printf("getppid > 0 and != pid: %s\n", pp > 0 && pp != pid ? "yes" : "no");
    printf("getpgrp > 0: %s\n", getpgrp() > 0 ? "yes" : "no");
    printf("getsid(0) > 0: %s\n", getsid(0) > 0 ? "yes" : "no");
    printf("getpgid(0)==getpgrp: %s\n", getpgid(0) == getpgrp() ? "yes" : "no");
    printf("uid=%d euid=%d gid=%d egid=%d\n", (int)getuid(), (int)geteuid(), (int)getgid(), (int)getegid());
    printf("uid32 syscall agrees: %s\n", syscall(SYS_getuid32) == getuid() ? "yes" : "no");
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    printf("getresuid consistent: %s\n", r == getuid() && e == geteuid() ? "yes" : "no");
    gid_t groups[64];
    int ng = getgroups(64, groups);
    printf("getgroups >= 0: %s\n", ng >= 0 ? "yes" : "no");
    printf("getgroups(0) count agrees: %s\n", getgroups(0, NULL) == ng ? "yes" : "no");
    pid_t tid2 = syscall(SYS_set_tid_address, (int *)0);
    printf("set_tid_address returns tid: %s\n", tid2 == pid ? "yes" : "no");
    return 0;
}
