/* file I/O: open/write/lseek/pread/pwrite/read/ftruncate/unlink; run: fileio [DIR] (default cwd) */
#define _LARGEFILE64_SOURCE
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    char path[4096], buf[256];
    snprintf(path, sizeof path, "%s/fileio_test.dat", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { perror("open"); return 1; }
    printf("open: fd>2 %s\n", fd > 2 ? "yes" : "no");
    const char *msg = "Hello, fexlite! 0123456789\n";
    ssize_t n = write(fd, msg, strlen(msg));
    printf("write: %zd\n", n);
    off_t off = lseek(fd, 0, SEEK_CUR);
    printf("lseek cur: %ld\n", (long)off);
    off = lseek(fd, 7, SEEK_SET);
    printf("lseek set: %ld\n", (long)off);
    n = read(fd, buf, 7);
    buf[n > 0 ? n : 0] = 0;
    printf("read after seek: %zd '%s'\n", n, buf);
    n = pread(fd, buf, 5, 0);
    buf[n > 0 ? n : 0] = 0;
    printf("pread: %zd '%s' pos=%ld\n", n, buf, (long)lseek(fd, 0, SEEK_CUR));
    n = pwrite(fd, "HELLO", 5, 0);
    printf("pwrite: %zd pos=%ld\n", n, (long)lseek(fd, 0, SEEK_CUR));
    off = lseek(fd, 0, SEEK_END);
    printf("lseek end: %ld\n", (long)off);
    /* sparse write past end */
    n = pwrite(fd, "X", 1, 100000);
    printf("sparse pwrite: %zd size=%ld\n", n, (long)lseek(fd, 0, SEEK_END));
    n = pread(fd, buf, 4, 500);
    printf("hole read: %zd zeros=%s\n", n, (n == 4 && !buf[0] && !buf[1] && !buf[2] && !buf[3]) ? "yes" : "no");
    printf("ftruncate 10: %d\n", ftruncate(fd, 10));
    printf("size after truncate: %ld\n", (long)lseek(fd, 0, SEEK_END));
    lseek(fd, 0, SEEK_SET);
    n = read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("read all: %zd '%s'\n", n, buf);
    n = read(fd, buf, sizeof buf);
    printf("read at eof: %zd\n", n);
    /* 64-bit offsets through lseek64 */
    off64_t big = lseek64(fd, 0x100000000LL, SEEK_SET);
    printf("lseek64 4GiB: %s\n", big == 0x100000000LL ? "ok" : "fail");
    printf("close: %d\n", close(fd));
    fd = open(path, O_WRONLY | O_APPEND);
    n = write(fd, "++", 2);
    close(fd);
    fd = open(path, O_RDONLY);
    n = read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("after append: %zd '%s'\n", n, buf);
    close(fd);
    printf("unlink: %d\n", unlink(path));
    fd = open(path, O_RDONLY);
    printf("reopen after unlink: %d errno=%s\n", fd, errno == ENOENT ? "ENOENT" : "other");
    return 0;
}
