/* time: clock_gettime monotonic, gettimeofday vs time, nanosleep >= 10 ms, localtime/gmtime/strftime of fixed timestamps; run with TZ=UTC, no args */
#include <stdio.h>
#include <time.h>
#include <sys/time.h>
#include <stdlib.h>

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void)
{
    struct timespec a, b, r;
    clock_gettime(CLOCK_MONOTONIC, &a);
    volatile unsigned x = 0;
    for (int i = 0; i < 100000; i++) x += i;
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("monotonic non-decreasing: %s\n", ns(b) >= ns(a) ? "yes" : "no");
    printf("nsec field in range: %s\n", b.tv_nsec >= 0 && b.tv_nsec < 1000000000 ? "yes" : "no");
    printf("clock_getres monotonic ok: %s\n", clock_getres(CLOCK_MONOTONIC, &r) == 0 && ns(r) > 0 && ns(r) <= 10000000 ? "yes" : "no");
    struct timeval tv;
    gettimeofday(&tv, NULL);
    time_t t = time(NULL);
    long long d = (long long)t - tv.tv_sec;
    printf("gettimeofday vs time within 2s: %s\n", d >= -2 && d <= 2 ? "yes" : "no");
    printf("usec in range: %s\n", tv.tv_usec >= 0 && tv.tv_usec < 1000000 ? "yes" : "no");
    printf("time is after 2020: %s\n", t > 1577836800 ? "yes" : "no");
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    d = (long long)rt.tv_sec - t;
    printf("realtime vs time within 2s: %s\n", d >= -2 && d <= 2 ? "yes" : "no");
    struct timespec req = {0, 10 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &a);
    int rc = nanosleep(&req, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("nanosleep rc: %d\n", rc);
    printf("slept >= 10ms: %s\n", ns(b) - ns(a) >= 10000000LL ? "yes" : "no");
    printf("slept < 5s: %s\n", ns(b) - ns(a) < 5000000000LL ? "yes" : "no");
    clock_gettime(CLOCK_MONOTONIC, &a);
    req.tv_nsec = 5 * 1000 * 1000;
    clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("clock_nanosleep >= 5ms: %s\n", ns(b) - ns(a) >= 5000000LL ? "yes" : "no");
    struct timespec cpu;
    printf("process cputime ok: %s\n", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu) == 0 ? "yes" : "no");
    printf("TZ=%s\n", getenv("TZ") ? getenv("TZ") : "(unset)");
    time_t fixed[] = {0, 86399, 951782400, 1234567890, 2147483647};
    for (unsigned i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        struct tm *tm = localtime(&fixed[i]);
        char buf[128];
        strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %a %j %Z", tm);
        printf("localtime(%ld) = %s yday=%d wday=%d\n", (long)fixed[i], buf, tm->tm_yday, tm->tm_wday);
        struct tm g = *gmtime(&fixed[i]);
        printf("  mktime roundtrip: %s\n", timegm(&g) == fixed[i] ? "yes" : "no");
    }
    return 0;
}
