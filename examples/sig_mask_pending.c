/* signals: sigprocmask blocks SIGUSR1, raise while blocked, sigpending shows it, delivered on unblock; standard signal raised twice is delivered once, a real-time one twice; full sa_mask orders USR1 before USR2; run: sig_mask_pending */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int usr1, usr2, rt;
static char order[64];
static volatile int norder;

static void h(int sig)
{
    if (sig == SIGUSR1) { usr1++; order[norder++] = '1'; write(1, "handler: SIGUSR1\n", 17); }
    else if (sig == SIGUSR2) { usr2++; order[norder++] = '2'; write(1, "handler: SIGUSR2\n", 17); }
    else { rt++; order[norder++] = 'R'; write(1, "handler: SIGRTMIN+1\n", 20); }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sigfillset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGRTMIN + 1, &sa, NULL);

    sigset_t block, old, pend;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    printf("SIGUSR1 blocked before: %s\n", sigismember(&old, SIGUSR1) ? "yes" : "no");
    raise(SIGUSR1);
    printf("raised SIGUSR1 while blocked, handler ran: %d\n", usr1);
    sigpending(&pend);
    printf("sigpending has SIGUSR1: %s, SIGUSR2: %s\n", sigismember(&pend, SIGUSR1) ? "yes" : "no",
           sigismember(&pend, SIGUSR2) ? "yes" : "no");
    printf("unblocking\n");
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("after unblock, handler ran: %d\n", usr1);
    sigpending(&pend);
    printf("still pending: %s\n", sigismember(&pend, SIGUSR1) ? "yes" : "no");

    /* two standard signals and a doubly queued real-time signal */
    sigaddset(&block, SIGUSR2);
    sigaddset(&block, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    norder = 0;
    raise(SIGUSR2);
    raise(SIGUSR1);
    raise(SIGUSR1);
    raise(SIGRTMIN + 1);
    raise(SIGRTMIN + 1);
    printf("raised USR2, USR1 x2, RTMIN+1 x2 while blocked; handlers so far: %d\n", norder);
    sigpending(&pend);
    printf("pending USR1 %s USR2 %s RTMIN+1 %s\n", sigismember(&pend, SIGUSR1) ? "yes" : "no",
           sigismember(&pend, SIGUSR2) ? "yes" : "no", sigismember(&pend, SIGRTMIN + 1) ? "yes" : "no");
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    order[norder] = 0;
    printf("delivery order: %s (usr1 %d usr2 %d rt %d)\n", order, usr1, usr2, rt);
    return 0;
}
