/* processes: fork + waitpid exit statuses (3 children, exit/_exit codes 0/42/255 reaped in reverse order), getppid in the child (a wrong one changes the code), WNOHANG, wait() with no children -> ECHILD; run: proc_fork_wait */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t me = getpid();
    pid_t kids[3];
    int codes[3] = {0, 42, 255};
    for (int i = 0; i < 3; i++) {
        kids[i] = fork();
        if (kids[i] < 0) { perror("fork"); return 1; }
        if (kids[i] == 0) {
            int code = getppid() == me ? codes[i] : 100 + i;
            usleep(50000 * (3 - i));
            if (i == 1) exit(code);
            _exit(code);
        }
    }
    printf("parent: forked 3, pids distinct and not ours: %s\n",
           kids[0] != kids[1] && kids[1] != kids[2] && kids[0] != me ? "yes" : "no");
    for (int i = 2; i >= 0; i--) {
        int st = 0;
        pid_t w = waitpid(kids[i], &st, 0);
        printf("waitpid child %d: matched %s, WIFEXITED %s, status %d\n", i, w == kids[i] ? "yes" : "no",
               WIFEXITED(st) ? "yes" : "no", WEXITSTATUS(st));
    }
    errno = 0;
    pid_t w = wait(NULL);
    printf("wait with no children: %d, ECHILD: %s\n", (int)w, errno == ECHILD ? "yes" : "no");
    pid_t k = fork();
    if (k == 0) { usleep(1000000); _exit(1); }
    int st;
    printf("WNOHANG while the child runs: %d\n", (int)waitpid(k, &st, WNOHANG));
    pid_t w2 = waitpid(k, &st, 0);
    printf("then blocking wait matched: %s, status %d\n", w2 == k ? "yes" : "no", WEXITSTATUS(st));
    return 0;
}
