/* threads: per-thread __thread values (initialised, set, read back after yielding) and pthread_getspecific keys with destructors; main's own values unchanged; run: thr_tls (built with -pthread) */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>

#define NTHREADS 8

static __thread int tval = 1000;
static __thread char tname[16] = "init";
static int result[NTHREADS], initial_ok[NTHREADS], addr_unique = 1;
static uintptr_t addrs[NTHREADS];
static pthread_key_t key;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int destructed;
static pthread_barrier_t barrier;

static void dtor(void *p) { pthread_mutex_lock(&m); destructed += (int)(intptr_t)p; pthread_mutex_unlock(&m); }

static void *worker(void *arg)
{
    int id = (int)(long)arg;
    initial_ok[id] = tval == 1000 && tname[0] == 'i';
    tval = id * 7 + 1;
    tname[0] = 'a' + id;
    addrs[id] = (uintptr_t)&tval;
    pthread_setspecific(key, (void *)(intptr_t)(id + 1));
    pthread_barrier_wait(&barrier);  /* every thread has written its value */
    for (int i = 0; i < 100; i++) sched_yield();
    int ok = tval == id * 7 + 1 && tname[0] == 'a' + id && pthread_getspecific(key) == (void *)(intptr_t)(id + 1);
    result[id] = ok ? tval : -1;
    return NULL;
}

int main(void)
{
    pthread_t t[NTHREADS];
    pthread_key_create(&key, dtor);
    pthread_barrier_init(&barrier, NULL, NTHREADS);
    tval = 42;
    tname[0] = 'M';
    for (int i = 0; i < NTHREADS; i++) pthread_create(&t[i], NULL, worker, (void *)(long)i);
    for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < NTHREADS; i++)
        for (int j = 0; j < i; j++)
            if (addrs[i] == addrs[j]) addr_unique = 0;
    for (int i = 0; i < NTHREADS; i++)
        printf("thread %d: initial value seen %s, read back %d\n", i, initial_ok[i] ? "yes" : "no", result[i]);
    printf("distinct __thread addresses: %s\n", addr_unique ? "yes" : "no");
    printf("main's __thread values unchanged: %s\n", tval == 42 && tname[0] == 'M' ? "yes" : "no");
    printf("key destructors sum: %d (expected %d)\n", destructed, NTHREADS * (NTHREADS + 1) / 2);
    return 0;
}
