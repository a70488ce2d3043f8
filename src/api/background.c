/* background.c -- one detached thread per deferred answer. */
#include "api/background.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "api/api_error.h"

static atomic_int running;

struct background {
    pthread_mutex_t lock;
    int refs; /* the exchange's and the thread's */
    struct http_waker *waker;
    background_fn fn;
    void *arg;
    void (*free_arg)(void *arg);
    bool done;
    json_t *body;
    struct sy_err err;
};

static void bg_unref(struct background *bg)
{
    pthread_mutex_lock(&bg->lock);
    bool last = --bg->refs == 0;
    pthread_mutex_unlock(&bg->lock);
    if (!last)
        return;
    json_decref(bg->body);
    http_waker_release(bg->waker);
    pthread_mutex_destroy(&bg->lock);
    free(bg);
}

static void *bg_main(void *p)
{
    struct background *bg = p;
    struct sy_err err = {0};
    json_t *body = bg->fn(bg->arg, &err);
    if (!body && err.code == SY_OK)
        sy_errf(&err, SY_EINTERNAL, "the work produced no answer");
    if (bg->free_arg)
        bg->free_arg(bg->arg);
    pthread_mutex_lock(&bg->lock);
    bg->done = true;
    bg->body = body;
    bg->err = err;
    pthread_mutex_unlock(&bg->lock);
    http_waker_wake(bg->waker);
    atomic_fetch_sub(&running, 1);
    bg_unref(bg);
    return NULL;
}

static void bg_resume(void *ctx, struct http_exchange *ex)
{
    struct background *bg = ctx;
    pthread_mutex_lock(&bg->lock);
    bool done = bg->done;
    json_t *body = bg->body;
    bg->body = NULL;
    struct sy_err err = bg->err;
    pthread_mutex_unlock(&bg->lock);
    if (!done)
        return;
    if (body)
        http_respond_json(ex, 200, body);
    else
        api_respond_error(ex, &err);
}

static void bg_closed(void *ctx, bool completed)
{
    (void)completed;
    bg_unref(ctx);
}

static const struct http_deferred_ops bg_ops = {.resume = bg_resume, .closed = bg_closed};

void api_background(struct http_exchange *ex, background_fn fn, void *arg,
                    void (*free_arg)(void *arg))
{
    if (atomic_fetch_add(&running, 1) >= SY_BACKGROUND_MAX) {
        atomic_fetch_sub(&running, 1);
        if (free_arg)
            free_arg(arg);
        struct sy_err err;
        sy_errf(&err, SY_EBUSY, "the server is busy with %d Hub requests; retry shortly",
                SY_BACKGROUND_MAX);
        err.retry_after_s = 1;
        api_respond_error(ex, &err);
        return;
    }
    struct background *bg = calloc(1, sizeof *bg);
    if (bg) {
        pthread_mutex_init(&bg->lock, NULL);
        bg->refs = 2; /* the exchange's (bg_closed) and the thread's */
        bg->fn = fn;
        bg->arg = arg;
        bg->free_arg = free_arg;
        bg->waker = http_defer(ex, &bg_ops, bg);
    }
    if (!bg || !bg->waker) {
        if (bg)
            pthread_mutex_destroy(&bg->lock);
        free(bg);
        atomic_fetch_sub(&running, 1);
        if (free_arg)
            free_arg(arg);
        api_respond_errorf(ex, SY_ENOMEM, NULL, "out of memory");
        return;
    }
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&thread, &attr, bg_main, bg) != 0) {
        pthread_mutex_lock(&bg->lock);
        bg->refs--;
        bg->done = true;
        sy_errf(&bg->err, SY_EIO, "cannot start a thread for this request");
        pthread_mutex_unlock(&bg->lock);
        atomic_fetch_sub(&running, 1);
        if (free_arg)
            free_arg(arg);
    }
    pthread_attr_destroy(&attr);
}

int api_background_running(void)
{
    return atomic_load(&running);
}
