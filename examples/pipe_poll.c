/* pipe + poll + select + pipe2 within one process (no fork); run: no args */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <poll.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/ioctl.h>

int main(void)
{
    int p[2];
    printf("pipe: %d\n", pipe(p));
    struct pollfd fds[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    int n = poll(fds, 2, 0);
    printf("poll empty: %d rd.revents=%#x wr.revents=%#x\n", n, fds[0].revents, fds[1].revents);
    fds[1].events = 0;
    n = poll(fds, 1, 20);
    printf("poll timeout 20ms: %d\n", n);
    write(p[1], "hello", 5);
    n = poll(fds, 1, 1000);
    printf("poll after write: %d revents=%#x\n", n, fds[0].revents);
    int avail = -1;
    ioctl(p[0], FIONREAD, &avail);
    printf("FIONREAD: %d\n", avail);
    fd_set r, w;
    FD_ZERO(&r); FD_ZERO(&w);
    FD_SET(p[0], &r); FD_SET(p[1], &w);
    struct timeval tv = {1, 0};
    n = select((p[0] > p[1] ? p[0] : p[1]) + 1, &r, &w, NULL, &tv);
    printf("select: %d readable=%d writable=%d\n", n, FD_ISSET(p[0], &r) != 0, FD_ISSET(p[1], &w) != 0);
    char buf[16] = {0};
    n = read(p[0], buf, sizeof buf);
    printf("read: %d [%s]\n", n, buf);
    FD_ZERO(&r); FD_SET(p[0], &r);
    tv.tv_sec = 0; tv.tv_usec = 15000;
    n = select(p[0] + 1, &r, NULL, NULL, &tv);
    printf("select timeout: %d readable=%d tv zeroed=%s\n", n, FD_ISSET(p[0], &r) != 0, tv.tv_sec == 0 && tv.tv_usec == 0 ? "yes" : "no");
    struct timespec ts = {0, 1000000};
    n = pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL);
    printf("pselect timeout: %d\n", n);
    fds[0].revents = 0;
    struct timespec ts2 = {0, 1000000};
    n = ppoll(fds, 1, &ts2, NULL);
    printf("ppoll timeout: %d\n", n);
    close(p[1]);
    n = poll(fds, 1, 1000);
    printf("poll after close writer: %d hup=%s\n", n, fds[0].revents & POLLHUP ? "yes" : "no");
    n = read(p[0], buf, sizeof buf);
    printf("read at eof: %d\n", n);
    close(p[0]);
    int q[2];
    printf("pipe2 nonblock|cloexec: %d\n", pipe2(q, O_NONBLOCK | O_CLOEXEC));
    printf("flags nonblock: %s cloexec: %s\n", fcntl(q[0], F_GETFL) & O_NONBLOCK ? "yes" : "no", fcntl(q[0], F_GETFD) & FD_CLOEXEC ? "yes" : "no");
    n = read(q[0], buf, 1);
    printf("read empty nonblocking: %d %s\n", n, errno == EAGAIN ? "EAGAIN" : "?");
    static char big[1 << 20];
    long total = 0;
    while ((n = write(q[1], big, sizeof big)) > 0) total += n;
    printf("pipe capacity filled: %s (%s)\n", total >= 4096 ? "yes" : "no", errno == EAGAIN ? "EAGAIN" : "?");
    printf("capacity == F_GETPIPE_SZ: %s\n", total == fcntl(q[1], F_GETPIPE_SZ) ? "yes" : "no");
    long drained = 0;
    while ((n = read(q[0], big, sizeof big)) > 0) drained += n;
    printf("drained equals written: %s\n", drained == total ? "yes" : "no");
    close(q[0]);
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    n = write(q[1], "x", 1);
    printf("write to pipe without reader: %d %s\n", n, errno == EPIPE ? "EPIPE" : "?");
    return 0;
}
