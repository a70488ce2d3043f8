/* keepalive.c -- the ticker: a list of items and a timed wait. */
#include "api/keepalive.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct keepalive {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool stopping;
    unsigned tick_ms;
    struct keepalive_item *head;
};

int64_t keepalive_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *tick_main(void *arg)
{
    struct keepalive *k = arg;
    pthread_mutex_lock(&k->lock);
    while (!k->stopping) {
        int64_t now = keepalive_now_ms();
        for (struct keepalive_item *i = k->head; i; i = i->next)
            i->beat(i->ctx, now);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long)(k->tick_ms % 1000) * 1000000L;
        until.tv_sec += k->tick_ms / 1000 + until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        while (!k->stopping && pthread_cond_timedwait(&k->wake, &k->lock, &until) == 0) {
        }
    }
    pthread_mutex_unlock(&k->lock);
    return NULL;
}

struct keepalive *keepalive_start(unsigned tick_ms)
{
    struct keepalive *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    pthread_mutex_init(&k->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&k->wake, &attr);
    pthread_condattr_destroy(&attr);
    k->tick_ms = tick_ms ? tick_ms : 1000;
    if (pthread_create(&k->thread, NULL, tick_main, k) != 0) {
        pthread_cond_destroy(&k->wake);
        pthread_mutex_destroy(&k->lock);
        free(k);
        return NULL;
    }
    return k;
}

void keepalive_stop(struct keepalive *k)
{
    if (!k)
        return;
    pthread_mutex_lock(&k->lock);
    k->stopping = true;
    pthread_cond_signal(&k->wake);
    pthread_mutex_unlock(&k->lock);
    pthread_join(k->thread, NULL);
    pthread_cond_destroy(&k->wake);
    pthread_mutex_destroy(&k->lock);
    free(k);
}

void keepalive_add(struct keepalive *k, struct keepalive_item *item)
{
    pthread_mutex_lock(&k->lock);
    item->prev = NULL;
    item->next = k->head;
    if (k->head)
        k->head->prev = item;
    k->head = item;
    pthread_mutex_unlock(&k->lock);
}

void keepalive_remove(struct keepalive *k, struct keepalive_item *item)
{
    pthread_mutex_lock(&k->lock);
    if (item->prev)
        item->prev->next = item->next;
    else if (k->head == item)
        k->head = item->next;
    if (item->next)
        item->next->prev = item->prev;
    item->prev = item->next = NULL;
    pthread_mutex_unlock(&k->lock);
}
