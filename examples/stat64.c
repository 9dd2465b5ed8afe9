/* stat64 fields: st_size, st_mode, st_nlink, S_ISDIR/S_ISLNK via lstat, st_blocks, fstat vs stat; run: stat64 [DIR] */
#define _FILE_OFFSET_BITS 64
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
static long r_;
static int e_;
/* evaluate a call before printing: printf argument order is unspecified */
#define R(expr) ((void)(errno = 0, r_ = (long)(expr), e_ = errno))
#include <sys/stat.h>

int main(int argc, char **argv)
{
    if (argc > 1 && chdir(argv[1]) != 0) { perror("chdir"); return 1; }
    struct stat st, st2, lst;
    int fd = open("st_file", O_CREAT | O_TRUNC | O_RDWR, 0640);
    fchmod(fd, 0640);
    static char block[65536];
    memset(block, 'a', sizeof block);
    write(fd, block, sizeof block);
    fsync(fd);
    printf("fstat: %d\n", fstat(fd, &st));
    printf("stat: %d\n", stat("st_file", &st2));
    printf("size: %lld\n", (long long)st.st_size);
    printf("mode: %o\n", (unsigned)st.st_mode);
    printf("S_ISREG: %d\n", S_ISREG(st.st_mode));
    printf("nlink: %u\n", (unsigned)st.st_nlink);
    printf("blocks >= 128: %s\n", st.st_blocks >= 128 ? "yes" : "no");
    printf("blksize > 0: %s\n", st.st_blksize > 0 ? "yes" : "no");
    printf("fstat==stat ino/dev/size/mode/nlink/blocks: %s\n",
           st.st_ino == st2.st_ino && st.st_dev == st2.st_dev && st.st_size == st2.st_size &&
           st.st_mode == st2.st_mode && st.st_nlink == st2.st_nlink && st.st_blocks == st2.st_blocks ? "yes" : "no");
    printf("uid==getuid: %s gid==getgid: %s\n", st.st_uid == getuid() ? "yes" : "no", st.st_gid == getgid() ? "yes" : "no");
    printf("mtime after 2020: %s\n", st.st_mtime > 1577836800 ? "yes" : "no");
    printf("mtime nsec in range: %s\n", st.st_mtim.tv_nsec >= 0 && st.st_mtim.tv_nsec < 1000000000 ? "yes" : "no");
    printf("ino nonzero: %s\n", st.st_ino ? "yes" : "no");
    printf("link: %d\n", link("st_file", "st_hard"));
    stat("st_file", &st2);
    printf("nlink after link: %u\n", (unsigned)st2.st_nlink);
    printf("symlink: %d\n", symlink("st_file", "st_sym"));
    printf("lstat: %d\n", lstat("st_sym", &lst));
    printf("lstat S_ISLNK: %d size: %lld\n", S_ISLNK(lst.st_mode), (long long)lst.st_size);
    printf("stat through link S_ISREG: %d\n", stat("st_sym", &st2) == 0 && S_ISREG(st2.st_mode));
    mkdir("st_dir", 0751);
    stat("st_dir", &st2);
    printf("dir S_ISDIR: %d mode: %o nlink: %u\n", S_ISDIR(st2.st_mode), (unsigned)(st2.st_mode & 07777), (unsigned)st2.st_nlink);
    /* a big sparse file: size above 2 GiB needs the 64-bit st_size */
    int fd2 = open("st_big", O_CREAT | O_TRUNC | O_RDWR, 0600);
    ftruncate(fd2, 5LL * 1024 * 1024 * 1024 + 3);
    fstat(fd2, &st2);
    printf("sparse size: %lld blocks small: %s\n", (long long)st2.st_size, st2.st_blocks < 64 ? "yes" : "no");
    close(fd2);
    R(stat("st_missing", &st2));
    printf("stat missing: %ld %s\n", r_, e_ == ENOENT ? "ENOENT" : "?");
    R(fstatat(AT_FDCWD, "st_file", &st2, 0));
    printf("fstatat: %ld size %lld\n", r_, (long long)st2.st_size);
    printf("fstatat nofollow islnk: %d\n", fstatat(AT_FDCWD, "st_sym", &st2, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st2.st_mode));
    char dev_ok = stat("/dev/null", &st2) == 0 && S_ISCHR(st2.st_mode);
    printf("/dev/null chr: %s rdev major 1 minor 3: %s\n", dev_ok ? "yes" : "no",
           (st2.st_rdev >> 8 & 0xfff) == 1 && (st2.st_rdev & 0xff) == 3 ? "yes" : "no");
    close(fd);
    unlink("st_file"); unlink("st_hard"); unlink("st_sym"); unlink("st_big"); rmdir("st_dir");
    return 0;
}
