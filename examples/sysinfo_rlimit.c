/* sysinfo/getrlimit/setrlimit/prlimit/getrusage: prints only stable facts; run: no args */
#define _GNU_SOURCE
#include <stdio.h>
#include <errno.h>
static long r_;
static int e_;
/* evaluate a call before printing: printf argument order is unspecified */
#define R(expr) ((void)(errno = 0, r_ = (long)(expr), e_ = errno))
#include <unistd.h>
#include <sys/sysinfo.h>
#include <sys/resource.h>

int main(void)
{
    struct sysinfo si;
    printf("sysinfo: %d\n", sysinfo(&si));
    printf("mem_unit > 0: %s\n", si.mem_unit > 0 ? "yes" : "no");
    printf("totalram > 0: %s\n", si.totalram > 0 ? "yes" : "no");
    printf("freeram <= totalram: %s\n", si.freeram <= si.totalram ? "yes" : "no");
    printf("uptime > 0: %s\n", si.uptime > 0 ? "yes" : "no");
    printf("procs > 0: %s\n", si.procs > 0 ? "yes" : "no");
    struct rlimit rl;
    printf("getrlimit NOFILE: %d\n", getrlimit(RLIMIT_NOFILE, &rl));
    printf("NOFILE cur <= max: %s cur > 0: %s\n", rl.rlim_cur <= rl.rlim_max ? "yes" : "no", rl.rlim_cur > 0 ? "yes" : "no");
    printf("sysconf OPEN_MAX == NOFILE cur: %s\n", sysconf(_SC_OPEN_MAX) == (long)rl.rlim_cur ? "yes" : "no");
    struct rlimit st;
    getrlimit(RLIMIT_STACK, &st);
    printf("STACK cur > 0: %s\n", st.rlim_cur > 0 ? "yes" : "no");
    rl.rlim_cur = 64;
    printf("setrlimit NOFILE 64: %d\n", setrlimit(RLIMIT_NOFILE, &rl));
    getrlimit(RLIMIT_NOFILE, &rl);
    printf("NOFILE now: %lu\n", (unsigned long)rl.rlim_cur);
    struct rlimit64 old64;
    R(prlimit64(0, RLIMIT_NOFILE, NULL, &old64));
    printf("prlimit64 read: %ld cur=%llu\n", r_, (unsigned long long)old64.rlim_cur);
    rl.rlim_cur = rl.rlim_max + 1;
    R(setrlimit(RLIMIT_NOFILE, &rl));
    printf("setrlimit cur > max: %ld %s\n", r_, e_ == EINVAL ? "EINVAL" : "?");
    struct rusage ru;
    R(getrusage(RUSAGE_SELF, &ru));
    printf("getrusage: %ld maxrss > 0: %s\n", r_, ru.ru_maxrss > 0 ? "yes" : "no");
    printf("nprocs > 0: %s\n", get_nprocs() > 0 ? "yes" : "no");
    printf("CLK_TCK: %ld\n", sysconf(_SC_CLK_TCK));
    return 0;
}
