/* signals: integer division by zero and INT_MIN/-1 raise SIGFPE (si_code FPE_INTDIV); the handler siglongjmps out; si_addr is the faulting instruction; run: sig_fpe [handled|unhandled] */
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static sigjmp_buf env;
static volatile int code, signo, hits;
static void *addr;

static void on_fpe(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    signo = sig;
    code = si->si_code;
    addr = si->si_addr;
    hits++;
    siglongjmp(env, 1);
}

extern char div_insn[];
__attribute__((noinline, noclone)) static int divide(int a, int b)
{
    int q;
    __asm__ volatile("cltd\n.globl div_insn\ndiv_insn: idivl %2" : "=a"(q) : "a"(a), "r"(b) : "edx", "cc");
    return q;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    volatile int zero = 0, minus1 = -1, big = INT_MIN;
    if (argc > 1 && strcmp(argv[1], "unhandled") == 0) {
        printf("dividing by zero without a handler\n");
        printf("%d\n", divide(1, zero));
        return 0;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fpe;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGFPE, &sa, NULL);
    printf("10/3 = %d\n", divide(10, 3));
    if (sigsetjmp(env, 1) == 0) {
        printf("1/0 = %d (no fault?!)\n", divide(1, zero));
    } else {
        printf("SIGFPE caught: %s, si_code == FPE_INTDIV: %s, si_addr is the idiv: %s\n",
               signo == SIGFPE ? "yes" : "no", code == FPE_INTDIV ? "yes" : "no",
               addr == (void *)div_insn ? "yes" : "no");
    }
    if (sigsetjmp(env, 1) == 0) {
        printf("INT_MIN/-1 = %d (no fault?!)\n", divide(big, minus1));
    } else {
        printf("overflow SIGFPE caught: %s, si_code == FPE_INTDIV: %s\n", signo == SIGFPE ? "yes" : "no",
               code == FPE_INTDIV ? "yes" : "no");
    }
    printf("handler hits: %d, 100/7 = %d\n", hits, divide(100, 7));
    return 0;
}
