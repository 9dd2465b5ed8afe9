/* processes: wait status of children killed by SIGTERM (default action) and SIGKILL, and of a child whose SIGTERM handler exits 9; run: proc_sigterm */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_term(int sig) { (void)sig; write(1, "child: SIGTERM handler, exiting 9\n", 34); _exit(9); }

static void report(const char *what, int st)
{
    printf("%s: WIFEXITED %s, WIFSIGNALED %s", what, WIFEXITED(st) ? "yes" : "no", WIFSIGNALED(st) ? "yes" : "no");
    if (WIFSIGNALED(st)) printf(", WTERMSIG %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
    if (WIFEXITED(st)) printf(", status %d", WEXITSTATUS(st));
    printf("\n");
}

static pid_t start(int with_handler)
{
    int fd[2];
    pipe(fd);
    pid_t pid = fork();
    if (pid == 0) {
        if (with_handler) signal(SIGTERM, on_term);
        close(fd[0]);
        write(fd[1], "r", 1);  /* ready */
        for (;;) pause();
    }
    close(fd[1]);
    char c;
    read(fd[0], &c, 1);
    close(fd[0]);
    return pid;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int st;
    pid_t pid = start(0);
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
    report("default SIGTERM", st);
    pid = start(0);
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    report("SIGKILL", st);
    pid = start(1);
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
    report("handled SIGTERM", st);
    return 0;
}
