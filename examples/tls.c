/* __thread variables: initialised TLS, TLS address differs from global, modification, TLS arrays; run: no args */
#include <stdio.h>
#include <string.h>
#include <errno.h>

__thread int tls_init = 42;
__thread int tls_zero;
__thread char tls_buf[64] = "thread-local string";
__thread long long tls_ll = 0x1122334455667788LL;
int global_init = 42;

static int *addr_of_tls(void) { return &tls_init; }

int main(void)
{
    printf("tls_init: %d\n", tls_init);
    printf("tls_zero: %d\n", tls_zero);
    printf("tls_buf: %s\n", tls_buf);
    printf("tls_ll: %llx\n", tls_ll);
    printf("tls addr differs from global: %s\n", (void *)&tls_init != (void *)&global_init ? "yes" : "no");
    printf("tls addr stable: %s\n", addr_of_tls() == &tls_init ? "yes" : "no");
    printf("tls vars distinct: %s\n", (void *)&tls_init != (void *)&tls_zero ? "yes" : "no");
    tls_init += 58;
    tls_zero = -1;
    strcat(tls_buf, " modified");
    tls_ll ^= 0xffffffffLL;
    printf("tls_init: %d global: %d\n", tls_init, global_init);
    printf("tls_zero: %d\n", tls_zero);
    printf("tls_buf: %s\n", tls_buf);
    printf("tls_ll: %llx\n", tls_ll);
    printf("via pointer: %d\n", *addr_of_tls());
    errno = 1234;
    printf("errno (TLS) roundtrip: %d\n", errno);
    unsigned gs;
    __asm__ volatile("mov %%gs, %0" : "=r"(gs));
    printf("gs selector nonzero: %s rpl3: %s\n", gs ? "yes" : "no", (gs & 3) == 3 ? "yes" : "no");
    void *self;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(self));
    printf("gs:0 points to tcb (nonzero): %s\n", self ? "yes" : "no");
    return 0;
}
