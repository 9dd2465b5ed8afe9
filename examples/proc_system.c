/* processes: system() runs /bin/sh -c (the host's sh): output, exit status, a pipeline, system(NULL); run: proc_system */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("system(NULL) says a shell exists: %s\n", system(NULL) ? "yes" : "no");
    int st = system("echo from system; exit 3");
    printf("status: exited %s, code %d\n", WIFEXITED(st) ? "yes" : "no", WEXITSTATUS(st));
    st = system("echo $((6 * 7)) | /bin/busybox tr 0-9 a-j");
    printf("pipeline status %d\n", WEXITSTATUS(st));
    st = system("kill -TERM $$");
    printf("shell killed itself: signalled %s, signal is SIGTERM: %s\n", WIFSIGNALED(st) ? "yes" : "no",
           WIFSIGNALED(st) && WTERMSIG(st) == 15 ? "yes" : "no");
    return 0;
}
