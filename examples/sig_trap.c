/* signals: int3 -> SIGTRAP (handler returns, execution continues after int3; saved EIP), ud2/__builtin_trap -> SIGILL (ILL_ILLOPN, si_addr) with a handler that siglongjmps; run: sig_trap [handled|trap-unhandled|ill-unhandled] */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static sigjmp_buf env;
static volatile int t_signo, t_code, t_hits, i_signo, i_code, i_hits, eip_ok_trap, eip_ok_ill;
static void *i_addr;
extern char after_int3[], ud2_insn[];

static void on_trap(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    t_signo = sig;
    t_code = si->si_code;
    t_hits++;
    eip_ok_trap = uc->uc_mcontext.gregs[REG_EIP] == (greg_t)after_int3;
}

static void on_ill(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    i_signo = sig;
    i_code = si->si_code;
    i_addr = si->si_addr;
    i_hits++;
    eip_ok_ill = uc->uc_mcontext.gregs[REG_EIP] == (greg_t)ud2_insn;
    siglongjmp(env, 1);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *mode = argc > 1 ? argv[1] : "handled";
    if (strcmp(mode, "trap-unhandled") == 0) {
        printf("int3 without a handler\n");
        __asm__ volatile("int3");
        return 0;
    }
    if (strcmp(mode, "ill-unhandled") == 0) {
        printf("__builtin_trap without a handler\n");
        __builtin_trap();
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_flags = SA_SIGINFO;
    sa.sa_sigaction = on_trap;
    sigaction(SIGTRAP, &sa, NULL);
    sa.sa_sigaction = on_ill;
    sigaction(SIGILL, &sa, NULL);

    printf("executing int3\n");
    __asm__ volatile("int3\n.globl after_int3\nafter_int3: nop");
    printf("continued after int3: SIGTRAP %s, si_code == SI_KERNEL: %s, saved EIP after int3: %s, hits %d\n",
           t_signo == SIGTRAP ? "yes" : "no", t_code == SI_KERNEL ? "yes" : "no", eip_ok_trap ? "yes" : "no", t_hits);

    if (sigsetjmp(env, 1) == 0) {
        printf("executing ud2\n");
        __asm__ volatile(".globl ud2_insn\nud2_insn: ud2");
        printf("ud2 returned?!\n");
    } else {
        printf("SIGILL: %s, si_code == ILL_ILLOPN: %s, si_addr is the ud2: %s, saved EIP is the ud2: %s\n",
               i_signo == SIGILL ? "yes" : "no", i_code == ILL_ILLOPN ? "yes" : "no",
               i_addr == (void *)ud2_insn ? "yes" : "no", eip_ok_ill ? "yes" : "no");
    }
    if (sigsetjmp(env, 1) == 0) {
        printf("executing __builtin_trap\n");
        __builtin_trap();
    } else {
        printf("__builtin_trap gave SIGILL: %s, ILL_ILLOPN: %s, ill hits %d\n",
               i_signo == SIGILL ? "yes" : "no", i_code == ILL_ILLOPN ? "yes" : "no", i_hits);
    }
    return 0;
}
