/* threads: pthread_join return values (return and pthread_exit), joining an already finished thread, pthread_self/equal; run: thr_join (built with -pthread) */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static pthread_t selfs[4];

static void *square(void *arg)
{
    intptr_t i = (intptr_t)arg;
    selfs[i] = pthread_self();
    return (void *)(i * i + 100);
}

static void *exits(void *arg)
{
    (void)arg;
    pthread_exit((void *)(intptr_t)4242);
    return NULL;
}

static void *quick(void *arg) { return arg; }

int main(void)
{
    pthread_t t[4], e, q;
    for (intptr_t i = 0; i < 4; i++) pthread_create(&t[i], NULL, square, (void *)i);
    pthread_create(&e, NULL, exits, NULL);
    for (int i = 3; i >= 0; i--) {
        void *r;
        int rc = pthread_join(t[i], &r);
        printf("join thread %d: rc %d value %ld, pthread_self matched: %s\n", i, rc, (long)(intptr_t)r,
               pthread_equal(selfs[i], t[i]) ? "yes" : "no");
    }
    void *r = NULL;
    int rc = pthread_join(e, &r);
    printf("join pthread_exit thread: rc %d value %ld\n", rc, (long)(intptr_t)r);
    pthread_create(&q, NULL, quick, (void *)(intptr_t)77);
    usleep(100000);  /* q has certainly finished: joining a zombie thread */
    rc = pthread_join(q, &r);
    printf("join finished thread: rc %d value %ld\n", rc, (long)(intptr_t)r);
    printf("main is not a created thread: %s\n", pthread_equal(pthread_self(), t[0]) ? "no" : "yes");
    return 0;
}
