/* processes: fork + execl /bin/busybox echo, execvp by PATH name, a failed exec (ENOENT), and re-exec of argv[0] (an i386 ELF) with new argv and env; run: proc_fork_exec */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int wait_for(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid) return -1000;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strcmp(argv[1], "reexec") == 0) {
        printf("re-executed: argc %d, argv[2]=%s, FOO=%s, PATH set: %s\n", argc, argc > 2 ? argv[2] : "-",
               getenv("FOO") ? getenv("FOO") : "(unset)", getenv("PATH") ? "yes" : "no");
        return 11;
    }
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/busybox", "busybox", "echo", "from child", (char *)NULL);
        _exit(127);
    }
    printf("busybox echo child exited %d\n", wait_for(pid));

    pid = fork();
    if (pid == 0) {
        char *av[] = {"busybox", "printf", "%s-%s\\n", "via", "execv", NULL};
        execv("/bin/busybox", av);
        _exit(127);
    }
    printf("execv child exited %d\n", wait_for(pid));

    pid = fork();
    if (pid == 0) {
        execl("/nonexistent/prog", "prog", (char *)NULL);
        printf("exec failed, ENOENT: %s\n", errno == ENOENT ? "yes" : "no");
        _exit(99);
    }
    printf("failed-exec child exited %d\n", wait_for(pid));

    pid = fork();
    if (pid == 0) {
        char *av[] = {argv[0], "reexec", "second", NULL};
        char *env[] = {"FOO=bar", NULL};
        execve(argv[0], av, env);
        _exit(127);
    }
    printf("re-exec child exited %d\n", wait_for(pid));
    return 0;
}
