/* processes: execve of a "#!/bin/busybox sh" script (in a fork child and then in place), argv and env passed on; run: proc_exec_script SCRIPT */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) { fprintf(stderr, "usage: proc_exec_script SCRIPT\n"); return 2; }
    char *env[] = {"GREETING=hello from env", "PATH=/usr/bin:/bin", NULL};
    char *av[] = {argv[1], "first arg", "second", NULL};
    pid_t pid = fork();
    if (pid == 0) {
        execve(argv[1], av, env);
        perror("execve");
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("script child: exited %s, status %d\n", WIFEXITED(st) ? "yes" : "no", WEXITSTATUS(st));
    printf("now exec-ing the script in place\n");
    char *av2[] = {argv[1], "in-place", NULL};
    execve(argv[1], av2, env);
    perror("execve");
    return 127;
}
