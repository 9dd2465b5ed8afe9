/* signals: SIGSEGV handler siglongjmps out of a read of address 16 (si_addr==16, SEGV_MAPERR) and a write to a read-only page (SEGV_ACCERR); "unhandled" mode writes through NULL and dies of SIGSEGV; run: sig_segv [recover|unhandled] */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile uintptr_t fault_addr;
static volatile int fault_code, fault_signo, fault_count;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    fault_signo = sig;
    fault_code = si->si_code;
    fault_addr = (uintptr_t)si->si_addr;
    fault_count++;
    siglongjmp(env, 1);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *mode = argc > 1 ? argv[1] : "recover";
    if (strcmp(mode, "unhandled") == 0) {
        printf("writing through NULL\n");
        fprintf(stderr, "about to crash\n");
        *(volatile int *)0 = 1;
        printf("still alive?!\n");
        return 0;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);

    volatile int sink = 0;
    if (sigsetjmp(env, 1) == 0) {
        printf("reading address 16\n");
        sink = *(volatile int *)16;
        printf("read did not fault?!\n");
    } else {
        printf("recovered from SIGSEGV: signo ok %s\n", fault_signo == SIGSEGV ? "yes" : "no");
        printf("si_addr == 16: %s\n", fault_addr == 16 ? "yes" : "no");
        printf("si_code == SEGV_MAPERR: %s\n", fault_code == SEGV_MAPERR ? "yes" : "no");
    }

    /* SIGSEGV must not stay blocked after siglongjmp (sigsetjmp saved the mask) */
    sigset_t cur;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    printf("SIGSEGV blocked after recovery: %s\n", sigismember(&cur, SIGSEGV) ? "yes" : "no");

    char *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) { perror("mmap"); return 1; }
    if (sigsetjmp(env, 1) == 0) {
        printf("writing a read-only page\n");
        page[100] = 7;
        printf("write did not fault?!\n");
    } else {
        printf("recovered again: si_addr is page+100: %s\n", fault_addr == (uintptr_t)page + 100 ? "yes" : "no");
        printf("si_code == SEGV_ACCERR: %s\n", fault_code == SEGV_ACCERR ? "yes" : "no");
    }
    /* now make it writable and the same store works */
    mprotect(page, 4096, PROT_READ | PROT_WRITE);
    page[100] = 7;
    printf("after mprotect the store works: %d, faults total %d, sink %d\n", page[100], fault_count, sink);
    return 0;
}
