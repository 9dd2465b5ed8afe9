/* reading stdin: counts lines, bytes, words and sums integers read from stdin; run: stdin_sum < input */
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <unistd.h>

int main(void)
{
    static char buf[4096];
    long long bytes = 0, lines = 0, words = 0, sum = 0, numbers = 0;
    long long cur = 0; int in_num = 0, neg = 0, in_word = 0;
    unsigned hash = 5381;
    ssize_t n;
    int reads = 0;
    while ((n = read(0, buf, sizeof buf)) > 0) {
        reads++;
        for (ssize_t i = 0; i < n; i++) {
            unsigned char c = buf[i];
            hash = hash * 33 ^ c;
            bytes++;
            if (c == '\n') lines++;
            if (isspace(c)) in_word = 0; else if (!in_word) { in_word = 1; words++; }
            if (isdigit(c)) { cur = cur * 10 + (c - '0'); in_num = 1; }
            else {
                if (in_num) { sum += neg ? -cur : cur; numbers++; }
                neg = (c == '-');
                in_num = 0; cur = 0;
            }
        }
    }
    if (in_num) { sum += neg ? -cur : cur; numbers++; }
    printf("read returned: %zd\n", n);
    printf("made reads: %s\n", reads > 0 || bytes == 0 ? "yes" : "no");
    printf("bytes=%lld lines=%lld words=%lld numbers=%lld sum=%lld hash=%08x\n", bytes, lines, words, numbers, sum, hash);
    return 0;
}
