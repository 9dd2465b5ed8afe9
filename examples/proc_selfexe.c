/* processes: readlink("/proc/self/exe") equals realpath(argv[0]) in the process and in a forked child; /proc/self/cmdline matches argv; run: proc_selfexe [ARGS] */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void check(const char *who, char **argv, int argc)
{
    char exe[PATH_MAX + 1], real[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, PATH_MAX);
    exe[n > 0 ? n : 0] = 0;
    int same = realpath(argv[0], real) && strcmp(real, exe) == 0;
    printf("%s: /proc/self/exe == realpath(argv[0]): %s\n", who, same ? "yes" : "no");
    char cmd[4096];
    int fd = open("/proc/self/cmdline", O_RDONLY);
    ssize_t m = read(fd, cmd, sizeof cmd);
    close(fd);
    size_t off = 0;
    int ok = m > 0;
    for (int i = 0; i < argc && ok; i++) {
        ok = off < (size_t)m && strcmp(cmd + off, argv[i]) == 0;
        off += strlen(argv[i]) + 1;
    }
    printf("%s: /proc/self/cmdline matches argv: %s\n", who, ok && off == (size_t)m ? "yes" : "no");
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    check("parent", argv, argc);
    pid_t pid = fork();
    if (pid == 0) { check("child", argv, argc); _exit(0); }
    waitpid(pid, NULL, 0);
    return 0;
}
