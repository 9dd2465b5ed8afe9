/* signals: SIGCHLD handler (SA_SIGINFO) on child exit; SIGCHLD blocked, then sigsuspend until it arrives: si_code CLD_EXITED, si_status, si_pid==child; run: sig_sigchld */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static volatile int code, status;
static volatile pid_t from;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    got++;
    code = si->si_code;
    status = si->si_status;
    from = si->si_pid;
    write(1, "SIGCHLD handler\n", 16);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);

    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &old);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(200000);
        _exit(5);
    }
    printf("forked, waiting in sigsuspend\n");
    while (!got) sigsuspend(&old);
    printf("got SIGCHLD %d time(s)\n", (int)got);
    printf("si_code == CLD_EXITED: %s\n", code == CLD_EXITED ? "yes" : "no");
    printf("si_status: %d\n", status);
    printf("si_pid == child: %s\n", from == pid ? "yes" : "no");
    sigset_t cur;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    printf("SIGCHLD blocked again after sigsuspend: %s\n", sigismember(&cur, SIGCHLD) ? "yes" : "no");
    int st;
    printf("waitpid == child: %s\n", waitpid(pid, &st, 0) == pid ? "yes" : "no");
    printf("exit status: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

    /* SIGCHLD ignored by default: a child's exit does not disturb sleep */
    signal(SIGCHLD, SIG_DFL);
    sigprocmask(SIG_SETMASK, &old, NULL);
    pid = fork();
    if (pid == 0) _exit(9);
    waitpid(pid, &st, 0);
    printf("second child status %d, handler count still %d\n", WEXITSTATUS(st), (int)got);
    return 0;
}
