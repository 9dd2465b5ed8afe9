/* getrandom: bytes not all zero, two calls differ, GRND_NONBLOCK, large request; run: no args */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <errno.h>
static long r_;
static int e_;
/* evaluate a call before printing: printf argument order is unspecified */
#define R(expr) ((void)(errno = 0, r_ = (long)(expr), e_ = errno))

int main(void)
{
    unsigned char a[64], b[64];
    memset(a, 0, sizeof a); memset(b, 0, sizeof b);
    ssize_t n1 = getrandom(a, sizeof a, 0);
    ssize_t n2 = getrandom(b, sizeof b, GRND_NONBLOCK);
    printf("first: %zd second: %zd\n", n1, n2);
    int nz = 0;
    for (int i = 0; i < 64; i++) nz |= a[i];
    printf("not all zero: %s\n", nz ? "yes" : "no");
    printf("two calls differ: %s\n", memcmp(a, b, sizeof a) ? "yes" : "no");
    static unsigned char big[1 << 20];
    size_t got = 0;
    while (got < sizeof big) {
        ssize_t n = getrandom(big + got, sizeof big - got, 0);
        if (n <= 0) { printf("error %d\n", errno); return 1; }
        got += n;
    }
    unsigned counts[256] = {0};
    for (size_t i = 0; i < sizeof big; i++) counts[big[i]]++;
    unsigned mn = ~0u, mx = 0;
    for (int i = 0; i < 256; i++) { if (counts[i] < mn) mn = counts[i]; if (counts[i] > mx) mx = counts[i]; }
    printf("1 MiB roughly uniform: %s\n", mn > 3500 && mx < 4700 ? "yes" : "no");
    printf("zero-length: %zd\n", getrandom(a, 0, 0));
    R(getrandom(a, 4, 0x4000));
    printf("bad flags: %ld %s\n", r_, e_ == EINVAL ? "EINVAL" : "?");
    return 0;
}
