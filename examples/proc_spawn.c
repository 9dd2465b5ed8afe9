/* processes: posix_spawn of /bin/busybox with file actions (stdout to a pipe), posix_spawnp, and vfork+execve; run: proc_spawn */
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t pid;
    int st;
    char *av1[] = {"busybox", "echo", "spawned", "directly", NULL};
    int r = posix_spawn(&pid, "/bin/busybox", NULL, NULL, av1, environ);
    waitpid(pid, &st, 0);  /* print only after the child is done: output order is fixed */
    printf("posix_spawn rc %d, child status %d\n", r, WEXITSTATUS(st));

    int fd[2];
    pipe(fd);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    char *av2[] = {"busybox", "sh", "-c", "echo captured; exit 4", NULL};
    r = posix_spawnp(&pid, "busybox", &fa, NULL, av2, environ);
    close(fd[1]);
    char buf[64];
    ssize_t n = read(fd[0], buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    waitpid(pid, &st, 0);
    printf("posix_spawnp rc %d, captured through the pipe: [%s], status %d\n", r, strtok(buf, "\n"), WEXITSTATUS(st));

    pid = vfork();
    if (pid == 0) {
        char *av3[] = {"busybox", "echo", "after vfork", NULL};
        execve("/bin/busybox", av3, environ);
        _exit(127);
    }
    waitpid(pid, &st, 0);
    printf("vfork child status %d\n", WEXITSTATUS(st));
    return 0;
}
