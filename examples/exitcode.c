/* exit codes: exits with status atoi(argv[1]) (via exit, _exit or return by argv[2]); run: exitcode N [exit|_exit|return|abort] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int code = argc > 1 ? atoi(argv[1]) : 0;
    const char *how = argc > 2 ? argv[2] : "exit";
    printf("exiting with %d via %s\n", code, how);
    if (strcmp(how, "_exit") == 0) { fflush(stdout); _exit(code); }
    if (strcmp(how, "abort") == 0) { fflush(stdout); abort(); }
    if (strcmp(how, "return") == 0) return code;
    exit(code);
}
