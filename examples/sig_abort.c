/* signals: abort() with no handler: the process dies of SIGABRT (and a SIGABRT handler that returns does not stop it); run: sig_abort [plain|handler] */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void h(int sig) { (void)sig; write(1, "SIGABRT handler ran, returning\n", 31); }

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strcmp(argv[1], "handler") == 0) signal(SIGABRT, h);
    printf("calling abort\n");
    fprintf(stderr, "stderr before abort\n");
    abort();
}
