/* dup/dup2/dup3/fcntl: FD_CLOEXEC, O_NONBLOCK get/set, O_APPEND, F_DUPFD, shared offsets; run: fcntl_dup [DIR] */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <errno.h>
static long r_;
static int e_;
/* evaluate a call before printing: printf argument order is unspecified */
#define R(expr) ((void)(errno = 0, r_ = (long)(expr), e_ = errno))
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc > 1 && chdir(argv[1]) != 0) { perror("chdir"); return 1; }
    int fd = open("fcntl_test.dat", O_RDWR | O_CREAT | O_TRUNC, 0600);
    printf("lowest free fd is 3: %s\n", fd == 3 ? "yes" : "no");
    int fl = fcntl(fd, F_GETFL);
    printf("F_GETFL accmode O_RDWR: %s append: %s nonblock: %s\n", (fl & O_ACCMODE) == O_RDWR ? "yes" : "no",
           fl & O_APPEND ? "yes" : "no", fl & O_NONBLOCK ? "yes" : "no");
    printf("F_GETFD: %d\n", fcntl(fd, F_GETFD));
    printf("F_SETFD cloexec: %d\n", fcntl(fd, F_SETFD, FD_CLOEXEC));
    printf("F_GETFD: %d\n", fcntl(fd, F_GETFD));
    int d = dup(fd);
    printf("dup gives 4: %s cloexec not inherited: %s\n", d == 4 ? "yes" : "no", fcntl(d, F_GETFD) == 0 ? "yes" : "no");
    write(fd, "abcdef", 6);
    printf("shared offset after write via fd: %ld\n", (long)lseek(d, 0, SEEK_CUR));
    printf("dup2 to 10: %d\n", dup2(fd, 10));
    printf("dup2 same fd: %d\n", dup2(10, 10));
    R(dup3(fd, 11, O_CLOEXEC));
    printf("dup3 cloexec to 11: %ld flags=%d\n", r_, fcntl(11, F_GETFD));
    R(dup3(11, 11, 0));
    printf("dup3 same fd: %ld %s\n", r_, e_ == EINVAL ? "EINVAL" : "?");
    printf("F_DUPFD min 20: %d\n", fcntl(fd, F_DUPFD, 20));
    R(fcntl(fd, F_DUPFD_CLOEXEC, 20));
    printf("F_DUPFD_CLOEXEC min 20: %ld cloexec=%d\n", r_, fcntl(21, F_GETFD));
    printf("F_SETFL append|nonblock: %d\n", fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK));
    fl = fcntl(d, F_GETFL);
    printf("status flags shared with dup: append=%s nonblock=%s\n", fl & O_APPEND ? "yes" : "no", fl & O_NONBLOCK ? "yes" : "no");
    lseek(fd, 0, SEEK_SET);
    write(fd, "XYZ", 3);
    char buf[32] = {0};
    pread(fd, buf, sizeof buf - 1, 0);
    printf("O_APPEND write went to end: [%s]\n", buf);
    fcntl(fd, F_SETFL, 0);
    lseek(fd, 0, SEEK_SET);
    write(fd, "Q", 1);
    pread(fd, buf, sizeof buf - 1, 0);
    printf("after clearing O_APPEND: [%s]\n", buf);
    fcntl(fd, F_SETFL, O_RDONLY);
    printf("F_SETFL ignores O_RDONLY change: accmode still rdwr: %s\n", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR ? "yes" : "no");
    int p[2];
    pipe(p);
    fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
    R(read(p[0], buf, 1));
    printf("nonblocking empty pipe read: %ld %s\n", r_, e_ == EAGAIN ? "EAGAIN" : "?");
    printf("close 10: %d\n", close(10));
    R(close(10));
    printf("close again: %ld %s\n", r_, e_ == EBADF ? "EBADF" : "?");
    R(fcntl(77, F_GETFD));
    printf("fcntl bad fd: %ld %s\n", r_, e_ == EBADF ? "EBADF" : "?");
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 4};
    printf("F_SETLK: %d\n", fcntl(fd, F_SETLK, &lk));
    lk.l_type = F_RDLCK;
    R(fcntl(fd, F_GETLK, &lk));
    printf("F_GETLK (own lock invisible): %ld type_unlck=%s\n", r_, lk.l_type == F_UNLCK ? "yes" : "no");
    struct flock64 lk64 = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0x100000000LL, .l_len = 10};
    printf("F_SETLK64 above 4GiB: %d\n", fcntl(fd, F_SETLK64, &lk64));
    struct flock ofd = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 4};
    int fd2 = open("fcntl_test.dat", O_RDWR);
    R(fcntl(fd2, F_OFD_SETLK, &ofd));
    printf("OFD lock conflicts with process lock from same process: %s\n",
           r_ == -1 && (e_ == EAGAIN || e_ == EACCES) ? "yes" : "no");
    unlink("fcntl_test.dat");
    return 0;
}
