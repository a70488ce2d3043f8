/* until_signalled.c -- waiting for SIGTERM or SIGINT. */
#include "until_signalled.h"

#include <pthread.h>
#include <signal.h>

void until_signalled(void)
{
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    int sig = 0;
    sigwait(&stop, &sig);
}
