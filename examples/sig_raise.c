/* signals: plain handler on raise(SIGUSR1) (writes from the handler), then an SA_SIGINFO handler: si_signo, si_code==SI_TKILL, si_pid==getpid(), si_uid; run: sig_raise */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t plain_hits, info_hits;
static volatile int got_signo, got_code, got_pid_ok, got_uid_ok, got_sig_arg;

static void say(const char *s) { write(1, s, strlen(s)); }

static void plain(int sig)
{
    plain_hits++;
    say(sig == SIGUSR1 ? "in plain handler: SIGUSR1\n" : "in plain handler: other\n");
}

static void info(int sig, siginfo_t *si, void *uc)
{
    info_hits++;
    got_sig_arg = sig;
    got_signo = si->si_signo;
    got_code = si->si_code;
    got_pid_ok = si->si_pid == getpid();
    got_uid_ok = si->si_uid == getuid();
    say("in siginfo handler\n");
    (void)uc;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = plain;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) != 0) { perror("sigaction"); return 1; }
    printf("before raise\n");
    int r = raise(SIGUSR1);
    printf("raise returned %d, plain handler ran %d time(s)\n", r, (int)plain_hits);

    /* signal() too */
    signal(SIGUSR2, plain);
    raise(SIGUSR2);
    printf("after SIGUSR2 via signal(): plain hits %d\n", (int)plain_hits);

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = info;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    struct sigaction old;
    if (sigaction(SIGUSR1, &sa, &old) != 0) { perror("sigaction"); return 1; }
    printf("old handler was plain: %s\n", old.sa_handler == plain ? "yes" : "no");
    raise(SIGUSR1);
    printf("siginfo handler ran %d time(s)\n", (int)info_hits);
    printf("sig argument == SIGUSR1: %s\n", got_sig_arg == SIGUSR1 ? "yes" : "no");
    printf("si_signo == SIGUSR1: %s (%d)\n", got_signo == SIGUSR1 ? "yes" : "no", got_signo);
    printf("si_code == SI_TKILL: %s\n", got_code == SI_TKILL ? "yes" : "no");
    printf("si_code == SI_USER: %s\n", got_code == SI_USER ? "yes" : "no");
    printf("si_pid == getpid(): %s\n", got_pid_ok ? "yes" : "no");
    printf("si_uid == getuid(): %s\n", got_uid_ok ? "yes" : "no");

    /* kill() to self gives SI_USER */
    kill(getpid(), SIGUSR1);
    printf("after kill(getpid()): hits %d, si_code == SI_USER: %s, si_pid ok: %s\n",
           (int)info_hits, got_code == SI_USER ? "yes" : "no", got_pid_ok ? "yes" : "no");

    /* SIG_IGN: raise does nothing */
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    printf("ignored SIGUSR1 survived\n");
    return 0;
}
