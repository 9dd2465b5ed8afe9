/* signals: SA_RESTART: a pipe read() interrupted by SIGALRM keeps waiting and gets the data a forked child writes after 1.5 s; without SA_RESTART read() fails with EINTR; run: sig_restart restart|norestart */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) { (void)sig; alarms++; write(1, "SIGALRM handler\n", 16); }

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int restart = argc > 1 && strcmp(argv[1], "restart") == 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    int fd[2];
    if (pipe(fd) != 0) { perror("pipe"); return 1; }
    printf("mode: %s\n", restart ? "SA_RESTART" : "no SA_RESTART");
    alarm(1);
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    if (pid == 0) {
        close(fd[0]);
        usleep(1500000);
        write(fd[1], "data", 4);
        _exit(0);
    }
    close(fd[1]);
    char buf[16];
    errno = 0;
    ssize_t n = read(fd[0], buf, sizeof buf);
    int e = errno;
    printf("first read returned %zd%s%s, alarms so far %d\n", n, n < 0 ? ", errno " : "",
           n < 0 ? (e == EINTR ? "EINTR" : "other") : "", (int)alarms);
    if (n > 0) printf("data: %.*s\n", (int)n, buf);
    if (n < 0) {
        n = read(fd[0], buf, sizeof buf);
        printf("second read returned %zd: %.*s\n", n, n > 0 ? (int)n : 0, buf);
    }
    n = read(fd[0], buf, sizeof buf);
    printf("then EOF: %s\n", n == 0 ? "yes" : "no");
    int st;
    pid_t w = waitpid(pid, &st, 0);
    printf("child reaped: %s, exited 0: %s\n", w == pid ? "yes" : "no",
           WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "yes" : "no");
    return 0;
}
