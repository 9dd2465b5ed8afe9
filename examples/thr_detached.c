/* threads: 6 detached threads (attr and pthread_detach) signal completion with a semaphore; main sem_waits and checks every result; run: thr_detached (built with -pthread) */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#define N 6

static sem_t done;
static long results[N];

static void *worker(void *arg)
{
    int id = (int)(long)arg;
    long r = 0;
    for (int i = 0; i <= 1000 * (id + 1); i++) r += i;
    results[id] = r;
    sem_post(&done);
    return NULL;
}

int main(void)
{
    sem_init(&done, 0, 0);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int st = -1;
    pthread_attr_getdetachstate(&attr, &st);
    printf("attr detached: %s\n", st == PTHREAD_CREATE_DETACHED ? "yes" : "no");
    for (int i = 0; i < N; i++) {
        pthread_t t;
        if (i % 2 == 0) {
            if (pthread_create(&t, &attr, worker, (void *)(long)i) != 0) { puts("create failed"); return 1; }
        } else {
            if (pthread_create(&t, NULL, worker, (void *)(long)i) != 0) { puts("create failed"); return 1; }
            printf("pthread_detach: %d\n", pthread_detach(t));
        }
    }
    for (int i = 0; i < N; i++) sem_wait(&done);
    int v = -1;
    sem_getvalue(&done, &v);
    printf("all %d completions received, semaphore now %d\n", N, v);
    int ok = 1;
    for (int i = 0; i < N; i++) {
        long n = 1000L * (i + 1);
        printf("thread %d: %ld %s\n", i, results[i], results[i] == n * (n + 1) / 2 ? "OK" : "WRONG");
        ok &= results[i] == n * (n + 1) / 2;
    }
    return ok ? 0 : 1;
}
