/* errno values: ENOENT, EEXIST, EBADF (bad fd, write to read-only fd), EFAULT (bad pointer), ENOTDIR, EISDIR, EINVAL, ESPIPE, ENAMETOOLONG; run: errnos [DIR] */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static void show(const char *what, long rc)
{
    int e = errno;
    printf("%-32s rc=%ld errno=%d (%s)\n", what, rc, rc < 0 ? e : 0, rc < 0 ? strerror(e) : "-");
    errno = 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && chdir(argv[1]) != 0) { perror("chdir"); return 1; }
    int pfd[2];
    show("open missing", open("no/such/file", O_RDONLY));
    show("mkdir .", mkdir(".", 0755));
    mkdir("errdir", 0755);
    show("mkdir existing", mkdir("errdir", 0755));
    char c;
    show("read bad fd", read(999, &c, 1));
    show("close bad fd", close(-1));
    int fd = open("errfile", O_CREAT | O_TRUNC | O_WRONLY, 0644);
    write(fd, "data", 4);
    close(fd);
    fd = open("errfile", O_RDONLY);
    show("write read-only fd", write(fd, "x", 1));
    void *volatile bad = (void *)1;
    show("read into bad pointer", read(fd, bad, 4));
    show("write from bad pointer", write(1, bad, 4));
    show("open bad path pointer", syscall(SYS_open, bad, O_RDONLY));
    show("stat bad struct pointer", syscall(SYS_stat64, "errfile", bad));
    close(fd);
    fd = open("errfile", O_WRONLY);
    show("read write-only fd", read(fd, &c, 1));
    close(fd);
    show("open file as dir", open("errfile/x", O_RDONLY));
    show("open dir for write", open("errdir", O_WRONLY));
    show("rmdir file", rmdir("errfile"));
    show("unlink dir", unlink("errdir"));
    show("lseek bad whence", lseek(0 + open("errfile", O_RDONLY), 0, 12345));
    pipe(pfd);
    show("lseek pipe", lseek(pfd[0], 0, SEEK_SET));
    char longname[5000];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    show("open very long name", open(longname, O_RDONLY));
    show("unknown syscall 1000", syscall(1000));
    show("open O_CREAT|O_EXCL existing", open("errfile", O_CREAT | O_EXCL | O_WRONLY, 0644));
    show("dup2 bad fd", dup2(12345, 3));
    show("chdir to file", chdir("errfile"));
    unlink("errfile");
    rmdir("errdir");
    show("unlink missing", unlink("errfile"));
    return 0;
}
