/* signals: sigtimedwait on a blocked SIGUSR2 sent by kill() (si_code SI_USER, si_pid), sigwaitinfo, and a timeout (EAGAIN) when nothing is pending; run: sig_timedwait */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile int handler_ran;
static void h(int sig) { (void)sig; handler_ran++; }

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGUSR2, h);  /* a handler exists, but a blocked signal is taken by sigtimedwait */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    kill(getpid(), SIGUSR2);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    struct timespec ts = {5, 0};
    int r = sigtimedwait(&set, &si, &ts);
    printf("sigtimedwait returned SIGUSR2: %s\n", r == SIGUSR2 ? "yes" : "no");
    printf("si_signo == SIGUSR2: %s\n", si.si_signo == SIGUSR2 ? "yes" : "no");
    printf("si_code == SI_USER: %s\n", si.si_code == SI_USER ? "yes" : "no");
    printf("si_pid == getpid(): %s\n", si.si_pid == getpid() ? "yes" : "no");
    printf("handler ran: %d\n", handler_ran);

    ts.tv_sec = 0;
    ts.tv_nsec = 100 * 1000 * 1000;
    errno = 0;
    r = sigtimedwait(&set, &si, &ts);
    printf("nothing pending: returned %d errno EAGAIN: %s\n", r, errno == EAGAIN ? "yes" : "no");

    union sigval v = {.sival_int = 1234};
    sigqueue(getpid(), SIGUSR2, v);
    memset(&si, 0, sizeof si);
    r = sigwaitinfo(&set, &si);
    printf("sigqueue + sigwaitinfo: %s, si_code == SI_QUEUE: %s, value %d\n", r == SIGUSR2 ? "yes" : "no",
           si.si_code == SI_QUEUE ? "yes" : "no", si.si_value.sival_int);
    int sig = 0;
    raise(SIGUSR2);
    r = sigwait(&set, &sig);
    printf("raise + sigwait: r=%d sig is SIGUSR2: %s, handler ran: %d\n", r, sig == SIGUSR2 ? "yes" : "no", handler_ran);
    return 0;
}
