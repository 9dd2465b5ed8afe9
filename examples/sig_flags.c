/* signals: SA_RESETHAND (handler once, then default: the second raise kills with SIGUSR1) and SA_NODEFER vs default (nested delivery order); run: sig_flags resethand|nodefer|defer */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char ev[64];
static volatile int nev, depth, maxdepth, calls;

static void nest(int sig)
{
    (void)sig;
    int me = ++calls;
    depth++;
    if (depth > maxdepth) maxdepth = depth;
    ev[nev++] = 'E';
    ev[nev++] = '0' + me;
    if (me == 1) raise(SIGUSR1);
    ev[nev++] = 'L';
    ev[nev++] = '0' + me;
    depth--;
}

static volatile int reset_hits;
static void once(int sig) { (void)sig; reset_hits++; write(1, "resethand handler ran\n", 22); }

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *mode = argc > 1 ? argv[1] : "nodefer";
    struct sigaction sa, q;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    if (strcmp(mode, "resethand") == 0) {
        sa.sa_handler = once;
        sa.sa_flags = SA_RESETHAND;
        sigaction(SIGUSR1, &sa, NULL);
        raise(SIGUSR1);
        sigaction(SIGUSR1, NULL, &q);
        printf("after first raise: hits %d, disposition is SIG_DFL: %s\n", reset_hits,
               q.sa_handler == SIG_DFL ? "yes" : "no");
        fprintf(stderr, "raising again: the default action kills\n");
        raise(SIGUSR1);
        printf("survived the second raise?!\n");
        return 0;
    }
    sa.sa_handler = nest;
    sa.sa_flags = strcmp(mode, "nodefer") == 0 ? SA_NODEFER : 0;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    ev[nev] = 0;
    printf("%s: calls %d, max depth %d, events %s\n", mode, calls, maxdepth, ev);
    sigset_t cur;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    printf("SIGUSR1 blocked afterwards: %s\n", sigismember(&cur, SIGUSR1) ? "yes" : "no");
    return 0;
}
