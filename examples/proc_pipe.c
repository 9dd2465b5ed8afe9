/* processes: two pipes between parent and forked child: parent sends 200 numbers, child replies with the sum and count, EOF seen on both sides, 64 KiB through a pipe; run: proc_pipe */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int down[2], up[2];
    pipe(down);
    pipe(up);
    pid_t pid = fork();
    if (pid == 0) {
        close(down[1]);
        close(up[0]);
        FILE *in = fdopen(down[0], "r");
        long sum = 0, n = 0, v;
        while (fscanf(in, "%ld", &v) == 1) { sum += v; n++; }
        char msg[32] = {0};  /* fixed size: the parent reads exactly 32 bytes */
        snprintf(msg, sizeof msg, "count=%ld sum=%ld", n, sum);
        write(up[1], msg, sizeof msg);
        /* then a big block */
        static char big[65536];
        for (int i = 0; i < (int)sizeof big; i++) big[i] = (char)(i * 13);
        write(up[1], big, sizeof big);
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    FILE *out = fdopen(down[1], "w");
    for (int i = 1; i <= 200; i++) fprintf(out, "%d\n", i * 3);
    fclose(out);
    char msg[33] = {0};
    ssize_t got = 0, r;
    while (got < 32 && (r = read(up[0], msg + got, 32 - got)) > 0) got += r;
    printf("reply (%zd bytes): %s\n", got, msg);
    static char big[65536 + 16];
    size_t total = 0;
    ssize_t n;
    unsigned sum = 0;
    while ((n = read(up[0], big + total, sizeof big - total)) > 0) total += n;
    for (size_t i = 0; i < total; i++) sum = sum * 31 + (unsigned char)big[i];
    printf("big block: %zu bytes, checksum %08x, EOF after: %s\n", total, sum, n == 0 ? "yes" : "no");
    int st;
    waitpid(pid, &st, 0);
    printf("child status %d\n", WEXITSTATUS(st));
    return 0;
}
