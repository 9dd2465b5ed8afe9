/* threads: a thread calling exit(7) ends the whole process with status 7 while main is blocked in pthread_join (stdio is flushed); run: thr_exit (built with -pthread) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;

static void *killer(void *arg)
{
    (void)arg;
    usleep(100000);
    printf("thread: calling exit(7)\n");
    exit(7);
}

static void *sleeper(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    for (;;) pthread_cond_wait(&c, &m);  /* never woken */
    return NULL;
}

int main(void)
{
    pthread_t k, s;
    printf("main: starting threads\n");
    pthread_create(&s, NULL, sleeper, NULL);
    pthread_create(&k, NULL, killer, NULL);
    pthread_join(s, NULL);
    printf("main: join returned?!\n");
    return 0;
}
