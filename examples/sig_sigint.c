/* signals: SIGINT sent from outside while blocked in read() on stdin; prints "ready" first; with a handler it prints and exits 3, without it dies of SIGINT; run: sig_sigint handler|default (stdin kept open) */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_int(int sig)
{
    (void)sig;
    write(1, "got SIGINT in handler\n", 22);
    _exit(3);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "handler") == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_int;
        sigaction(SIGINT, &sa, NULL);
    }
    write(1, "ready\n", 6);
    char buf[64];
    ssize_t n = read(0, buf, sizeof buf);
    printf("read returned %zd (the signal should have ended us)\n", n);
    return 0;
}
