/* signals: sigaltstack + SA_ONSTACK: a handler's local lives inside the alternate stack, SS_ONSTACK seen inside, normal handler stays on the main stack; run: sig_altstack */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *alt_base;
static size_t alt_size;
static volatile int on_alt, flags_onstack, on_alt_plain, hits;

static void handler(int sig)
{
    volatile char local = 0;
    uintptr_t a = (uintptr_t)&local;
    int inside = a >= (uintptr_t)alt_base && a < (uintptr_t)alt_base + alt_size;
    stack_t cur;
    sigaltstack(NULL, &cur);
    if (sig == SIGUSR1) {
        on_alt = inside;
        flags_onstack = (cur.ss_flags & SS_ONSTACK) != 0;
    } else {
        on_alt_plain = inside;
    }
    hits++;
    (void)local;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    alt_size = 64 * 1024;
    alt_base = malloc(alt_size);
    stack_t ss = {.ss_sp = alt_base, .ss_size = alt_size, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) { perror("sigaltstack"); return 1; }
    stack_t q;
    sigaltstack(NULL, &q);
    printf("query: sp matches %s, size matches %s, disabled %s, onstack %s\n",
           q.ss_sp == alt_base ? "yes" : "no", q.ss_size == alt_size ? "yes" : "no",
           q.ss_flags & SS_DISABLE ? "yes" : "no", q.ss_flags & SS_ONSTACK ? "yes" : "no");

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_flags = 0;
    sigaction(SIGUSR2, &sa, NULL);

    raise(SIGUSR1);
    printf("SA_ONSTACK handler local inside the alt stack: %s\n", on_alt ? "yes" : "no");
    printf("SS_ONSTACK reported inside the handler: %s\n", flags_onstack ? "yes" : "no");
    raise(SIGUSR2);
    printf("plain handler local inside the alt stack: %s\n", on_alt_plain ? "yes" : "no");
    sigaltstack(NULL, &q);
    printf("after return: onstack %s, hits %d\n", q.ss_flags & SS_ONSTACK ? "yes" : "no", hits);

    stack_t dis = {.ss_flags = SS_DISABLE};
    sigaltstack(&dis, NULL);
    raise(SIGUSR1);
    printf("after SS_DISABLE, SA_ONSTACK handler on the alt stack: %s\n", on_alt ? "yes" : "no");
    return 0;
}
