/* threads: 8 pthreads add into one mutex-protected total (and an unlocked per-thread slot), joined and checked; run: thr_mutex_sum (built with -pthread) */
#include <pthread.h>
#include <stdio.h>

#define NTHREADS 8
#define ITERS 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long long total;
static long long slot[NTHREADS];

static void *worker(void *arg)
{
    int id = (int)(long)arg;
    for (int i = 1; i <= ITERS; i++) {
        pthread_mutex_lock(&lock);
        total += i * (id + 1);
        pthread_mutex_unlock(&lock);
        slot[id] += i;
    }
    return NULL;
}

int main(void)
{
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)(long)i) != 0) { puts("pthread_create failed"); return 1; }
    for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], NULL);
    long long per = (long long)ITERS * (ITERS + 1) / 2, expect = 0;
    for (int i = 0; i < NTHREADS; i++) expect += per * (i + 1);
    int slots_ok = 1;
    for (int i = 0; i < NTHREADS; i++) slots_ok &= slot[i] == per;
    printf("threads: %d, iterations each: %d\n", NTHREADS, ITERS);
    printf("total: %lld expected: %lld %s\n", total, expect, total == expect ? "OK" : "WRONG");
    printf("per-thread slots: %s\n", slots_ok ? "OK" : "WRONG");
    return total == expect && slots_ok ? 0 : 1;
}
