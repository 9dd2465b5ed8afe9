/* argv/envp echo: prints argc, every argv element and the sorted environment; run: argv_env ARGS... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;
static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv, char **envp)
{
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++) printf("argv[%d]=[%s] len=%zu\n", i, argv[i], strlen(argv[i]));
    printf("argv[argc] is NULL: %s\n", argv[argc] == NULL ? "yes" : "no");
    printf("envp == environ: %s\n", envp == environ ? "yes" : "no");
    int n = 0;
    while (envp[n]) n++;
    char **copy = malloc((n + 1) * sizeof *copy);
    memcpy(copy, envp, n * sizeof *copy);
    qsort(copy, n, sizeof *copy, cmp);
    printf("envc=%d\n", n);
    for (int i = 0; i < n; i++) printf("env: %s\n", copy[i]);
    const char *sel[] = {"HOME", "PATH", "TZ", "LC_ALL", "FOO", "EMPTY"};
    for (unsigned i = 0; i < sizeof sel / sizeof sel[0]; i++) {
        const char *v = getenv(sel[i]);
        printf("getenv(%s)=%s%s%s\n", sel[i], v ? "[" : "", v ? v : "(unset)", v ? "]" : "");
    }
    return 0;
}
