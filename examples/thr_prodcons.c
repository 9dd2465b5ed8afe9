/* threads: producer/consumer over a bounded buffer with a mutex and two condition variables, 1000 items, 2 consumers; checks count, sum and order per consumer; run: thr_prodcons (built with -pthread) */
#include <pthread.h>
#include <stdio.h>

#define ITEMS 1000
#define CAP 8
#define CONSUMERS 2

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;
static int buf[CAP], head, count, done;
static long long sum[CONSUMERS];
static int got[CONSUMERS], ordered[CONSUMERS];
static unsigned char seen[ITEMS + 1];

static void *producer(void *arg)
{
    (void)arg;
    for (int i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&m);
        while (count == CAP) pthread_cond_wait(&not_full, &m);
        buf[(head + count) % CAP] = i;
        count++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&m);
    }
    pthread_mutex_lock(&m);
    done = 1;
    pthread_cond_broadcast(&not_empty);
    pthread_mutex_unlock(&m);
    return NULL;
}

static void *consumer(void *arg)
{
    int id = (int)(long)arg, last = 0;
    ordered[id] = 1;
    for (;;) {
        pthread_mutex_lock(&m);
        while (count == 0 && !done) pthread_cond_wait(&not_empty, &m);
        if (count == 0 && done) { pthread_mutex_unlock(&m); break; }
        int v = buf[head];
        head = (head + 1) % CAP;
        count--;
        seen[v]++;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&m);
        if (v <= last) ordered[id] = 0;
        last = v;
        sum[id] += v;
        got[id]++;
    }
    return NULL;
}

int main(void)
{
    pthread_t p, c[CONSUMERS];
    for (int i = 0; i < CONSUMERS; i++) pthread_create(&c[i], NULL, consumer, (void *)(long)i);
    pthread_create(&p, NULL, producer, NULL);
    pthread_join(p, NULL);
    for (int i = 0; i < CONSUMERS; i++) pthread_join(c[i], NULL);
    long long s = 0;
    int n = 0, ord = 1, once = 1;
    for (int i = 0; i < CONSUMERS; i++) { s += sum[i]; n += got[i]; ord &= ordered[i]; }
    for (int i = 1; i <= ITEMS; i++) once &= seen[i] == 1;
    printf("items consumed: %d (expected %d)\n", n, ITEMS);
    printf("sum: %lld (expected %d)\n", s, ITEMS * (ITEMS + 1) / 2);
    printf("each item exactly once: %s\n", once ? "yes" : "no");
    printf("each consumer saw increasing values: %s\n", ord ? "yes" : "no");
    return n == ITEMS && s == ITEMS * (ITEMS + 1) / 2 && once && ord ? 0 : 1;
}
