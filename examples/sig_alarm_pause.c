/* signals: alarm(1) wakes pause() (EINTR) through a SIGALRM handler; alarm(0) cancel returns the remaining seconds; run: sig_alarm_pause */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) { (void)sig; alarms++; write(1, "SIGALRM handler\n", 16); }

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);

    unsigned prev = alarm(30);
    printf("first alarm() returned %u\n", prev);
    unsigned left = alarm(0);
    printf("cancel returned a value in 29..30: %s\n", left >= 29 && left <= 30 ? "yes" : "no");

    alarm(1);
    printf("pausing\n");
    errno = 0;
    int r = pause();
    int e = errno;
    printf("pause returned %d errno EINTR: %s\n", r, e == EINTR ? "yes" : "no");
    printf("alarms delivered: %d\n", (int)alarms);

    /* second round: wait with sleep(5): interrupted early, returns the unslept seconds */
    alarm(1);
    unsigned unslept = sleep(5);
    printf("sleep(5) interrupted, unslept in 3..4: %s, alarms: %d\n",
           unslept >= 3 && unslept <= 4 ? "yes" : "no", (int)alarms);
    return 0;
}
