/* mmap/munmap/mprotect/mremap of anonymous and file mappings, msync and read back with read(); run: mmap_file [DIR] */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
static long r_;
static int e_;
/* evaluate a call before printing: printf argument order is unspecified */
#define R(expr) ((void)(errno = 0, r_ = (long)(expr), e_ = errno))
#include <sys/mman.h>

int main(int argc, char **argv)
{
    if (argc > 1 && chdir(argv[1]) != 0) { perror("chdir"); return 1; }
    size_t len = 16 * 4096;
    unsigned char *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("anon mmap: %s page aligned: %s\n", a != MAP_FAILED ? "ok" : "failed", ((unsigned long)a & 4095) == 0 ? "yes" : "no");
    int zero = 1;
    for (size_t i = 0; i < len; i++) if (a[i]) zero = 0;
    printf("anon zero-filled: %s\n", zero ? "yes" : "no");
    for (size_t i = 0; i < len; i++) a[i] = (unsigned char)(i * 7);
    unsigned sum = 0;
    for (size_t i = 0; i < len; i++) sum = sum * 31 + a[i];
    printf("anon checksum: %08x\n", sum);
    printf("mprotect read-only: %d\n", mprotect(a, 4096, PROT_READ));
    printf("still readable: %d\n", a[100]);
    printf("mprotect rw: %d\n", mprotect(a, 4096, PROT_READ | PROT_WRITE));
    a[0] = 99;
    printf("written after mprotect: %d\n", a[0]);
    unsigned char *b = mremap(a, len, 2 * len, MREMAP_MAYMOVE);
    printf("mremap grow: %s kept data: %s\n", b != MAP_FAILED ? "ok" : "failed", b != MAP_FAILED && b[1] == 7 && b[len - 1] == (unsigned char)((len - 1) * 7) ? "yes" : "no");
    printf("munmap: %d\n", munmap(b, 2 * len));
    R(munmap((char *)b + 1, 4096));
    printf("munmap unaligned: %ld %s\n", r_, e_ == EINVAL ? "EINVAL" : "?");
    errno = 0;
    void *bad = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap len 0: %s %s\n", bad == MAP_FAILED ? "failed" : "ok", errno == EINVAL ? "EINVAL" : "?");
    bad = mmap(NULL, 4096, PROT_READ, MAP_SHARED, 12345, 0);
    printf("mmap bad fd: %s %s\n", bad == MAP_FAILED ? "failed" : "ok", errno == EBADF ? "EBADF" : "?");

    int fd = open("mmap_test.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
    ftruncate(fd, 3 * 4096);
    char *m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("file mmap shared: %s\n", m != MAP_FAILED ? "ok" : "failed");
    strcpy(m, "written through a shared mapping");
    strcpy(m + 4096 * 2 + 100, "third page");
    printf("msync: %d\n", msync(m, 3 * 4096, MS_SYNC));
    char buf[64] = {0};
    pread(fd, buf, 32, 0);
    printf("read back: [%s]\n", buf);
    pread(fd, buf, 10, 2 * 4096 + 100);
    buf[10] = 0;
    printf("read back page 3: [%s]\n", buf);
    pwrite(fd, "WRITTEN", 7, 0);
    printf("write visible in mapping: %.7s\n", m);
    munmap(m, 3 * 4096);
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 4096 * 2);
    printf("private mapping at offset: [%s]\n", p + 100);
    strcpy(p + 100, "private change");
    pread(fd, buf, 10, 2 * 4096 + 100);
    buf[10] = 0;
    printf("file unchanged by private write: [%s]\n", buf);
    munmap(p, 4096);
    char *fixed = mmap((void *)0x30000000, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED at 0x30000000: %s\n", fixed == (void *)0x30000000 ? "yes" : "no");
    fixed[8191] = 1;
    char *hint = mmap((void *)0x30000000, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("MAP_FIXED_NOREPLACE over mapping: %s %s\n", hint == MAP_FAILED ? "failed" : "ok", errno == EEXIST ? "EEXIST" : "?");
    munmap(fixed, 8192);
    unsigned char vec[4];
    char *q = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    q[0] = 1; q[2 * 4096] = 1;
    R(mincore(q, 4 * 4096, vec));
    printf("mincore: %ld resident pages 0,2: %d %d\n", r_, vec[0] & 1, vec[2] & 1);
    printf("madvise dontneed: %d\n", madvise(q, 4 * 4096, MADV_DONTNEED));
    printf("zero after dontneed: %s\n", q[0] == 0 && q[2 * 4096] == 0 ? "yes" : "no");
    munmap(q, 4 * 4096);
    /* above 3 GiB an i386 process on a 64-bit kernel gets addresses < 4 GiB */
    void *top = mmap(NULL, 1 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("1 MiB mapping ok: %s\n", top != MAP_FAILED ? "yes" : "no");
    close(fd);
    unlink("mmap_test.dat");
    return 0;
}
