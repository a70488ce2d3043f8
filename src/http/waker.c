/* waker.c -- suspend/resume without lost wake-ups. */
#include "http/waker.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct http_waker {
    pthread_mutex_t lock;
    int refs;
    struct MHD_Connection *conn; /* NULL once detached */
    bool suspended;
    bool pending; /* a wake came while not suspended */
};

struct http_waker *waker_create(struct MHD_Connection *conn)
{
    struct http_waker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    pthread_mutex_init(&w->lock, NULL);
    w->refs = 1;
    w->conn = conn;
    return w;
}

struct http_waker *waker_retain(struct http_waker *w)
{
    pthread_mutex_lock(&w->lock);
    w->refs++;
    pthread_mutex_unlock(&w->lock);
    return w;
}

void http_waker_release(struct http_waker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    int left = --w->refs;
    pthread_mutex_unlock(&w->lock);
    if (left == 0) {
        pthread_mutex_destroy(&w->lock);
        free(w);
    }
}

enum waker_park waker_park(struct http_waker *w)
{
    enum waker_park result;
    pthread_mutex_lock(&w->lock);
    if (!w->conn) {
        result = WAKER_GONE;
    } else if (w->pending) {
        w->pending = false;
        result = WAKER_RETRY;
    } else {
        w->suspended = true;
        MHD_suspend_connection(w->conn);
        result = WAKER_PARKED;
    }
    pthread_mutex_unlock(&w->lock);
    return result;
}

void http_waker_wake(struct http_waker *w)
{
    pthread_mutex_lock(&w->lock);
    if (w->conn && w->suspended) {
        w->suspended = false;
        MHD_resume_connection(w->conn);
    } else {
        w->pending = true;
    }
    pthread_mutex_unlock(&w->lock);
}

void waker_detach(struct http_waker *w)
{
    pthread_mutex_lock(&w->lock);
    if (w->conn && w->suspended)
        MHD_resume_connection(w->conn);
    w->suspended = false;
    w->conn = NULL;
    pthread_mutex_unlock(&w->lock);
}
