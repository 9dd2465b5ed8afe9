/* directories: mkdir, readdir (sorted), rename, rmdir, getcwd/chdir; run: dirs [DIR] (default cwd) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
static long r_;
static int e_;
/* evaluate a call before printing: printf argument order is unspecified */
#define R(expr) ((void)(errno = 0, r_ = (long)(expr), e_ = errno))
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *d)
{
    DIR *dp = opendir(d);
    if (!dp) { printf("opendir %s failed\n", d); return; }
    char *names[256]; int n = 0; struct dirent *e;
    while ((e = readdir(dp)) && n < 256) {
        char t = e->d_type == DT_DIR ? 'd' : e->d_type == DT_REG ? 'f' : e->d_type == DT_LNK ? 'l' : '?';
        char *s = malloc(strlen(e->d_name) + 3);
        sprintf(s, "%c %s", t, e->d_name);
        names[n++] = s;
    }
    closedir(dp);
    qsort(names, n, sizeof names[0], cmp);
    printf("%s: %d entries\n", d, n);
    for (int i = 0; i < n; i++) { printf("  %s\n", names[i]); free(names[i]); }
}

int main(int argc, char **argv)
{
    if (argc > 1 && chdir(argv[1]) != 0) { perror("chdir"); return 1; }
    char base[4096], cwd[4096];
    if (!getcwd(base, sizeof base)) { perror("getcwd"); return 1; }
    printf("mkdir top: %d\n", mkdir("dtest", 0755));
    R(mkdir("dtest", 0755));
    printf("mkdir again: %ld %s\n", r_, e_ == EEXIST ? "EEXIST" : "?");
    printf("mkdir sub: %d\n", mkdir("dtest/sub", 0700));
    for (int i = 0; i < 20; i++) {
        char p[64];
        snprintf(p, sizeof p, "dtest/file%02d", (i * 7) % 20);
        int fd = open(p, O_CREAT | O_WRONLY, 0600);
        if (fd >= 0) { write(fd, p, i); close(fd); }
    }
    symlink("file00", "dtest/link");
    list("dtest");
    printf("rename file: %d\n", rename("dtest/file05", "dtest/sub/moved"));
    printf("rename dir: %d\n", rename("dtest/sub", "dtest/sub2"));
    list("dtest/sub2");
    printf("chdir sub2: %d\n", chdir("dtest/sub2"));
    getcwd(cwd, sizeof cwd);
    printf("getcwd is base + /dtest/sub2: %s\n",
           strncmp(cwd, base, strlen(base)) == 0 && strcmp(cwd + strlen(base), "/dtest/sub2") == 0 ? "yes" : "no");
    printf("chdir ..: %d\n", chdir(".."));
    R(rmdir("sub2"));
    printf("rmdir nonempty: %ld %s\n", r_, e_ == ENOTEMPTY ? "ENOTEMPTY" : "?");
    unlink("sub2/moved");
    printf("rmdir empty: %d\n", rmdir("sub2"));
    R(rmdir("sub2"));
    printf("rmdir missing: %ld %s\n", r_, e_ == ENOENT ? "ENOENT" : "?");
    chdir("..");
    getcwd(cwd, sizeof cwd);
    printf("back at base: %s\n", strcmp(cwd, base) == 0 ? "yes" : "no");
    /* clean up */
    DIR *dp = opendir("dtest"); struct dirent *e; char p[512];
    while ((e = readdir(dp))) {
        if (e->d_name[0] == '.') continue;
        snprintf(p, sizeof p, "dtest/%s", e->d_name);
        unlink(p);
    }
    closedir(dp);
    printf("final rmdir: %d\n", rmdir("dtest"));
    char *long_buf = getcwd(NULL, 0);
    printf("getcwd(NULL,0) allocates: %s\n", long_buf && strcmp(long_buf, base) == 0 ? "yes" : "no");
    free(long_buf);
    char tiny[2];
    R(getcwd(tiny, sizeof tiny));
    printf("getcwd tiny buffer: %s %s\n", r_ ? "ok" : "NULL", e_ == ERANGE ? "ERANGE" : "?");
    return 0;
}
