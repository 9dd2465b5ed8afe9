/* threads: pthread_once from 8 threads runs the initialiser exactly once and all callers see it done; run: thr_once (built with -pthread) */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_calls, seen_after[8];

static void init(void) { usleep(50000); init_calls++; }

static void *worker(void *arg)
{
    int id = (int)(long)arg;
    pthread_once(&once, init);
    seen_after[id] = init_calls;
    return NULL;
}

int main(void)
{
    pthread_t t[8];
    for (int i = 0; i < 8; i++) pthread_create(&t[i], NULL, worker, (void *)(long)i);
    for (int i = 0; i < 8; i++) pthread_join(t[i], NULL);
    pthread_once(&once, init);
    printf("init ran %d time(s)\n", init_calls);
    int ok = 1;
    for (int i = 0; i < 8; i++) ok &= seen_after[i] == 1;
    printf("every thread returned after init completed: %s\n", ok ? "yes" : "no");
    return init_calls == 1 && ok ? 0 : 1;
}
