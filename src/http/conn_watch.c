/* conn_watch.c -- one thread, poll() for hang-ups, a clock for deadlines. */
#include "http/conn_watch.h"

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "util/limits.h"
#include "util/log.h"

#define WATCH_INTERVAL_MS 200 /* how often new entries and deadlines are looked at */

struct watch_entry {
    int fd;
    struct sockaddr_storage peer; /* who fd is connected to, to know it is still that socket */
    socklen_t peer_len;
    uint64_t id;          /* unique: tells a polled socket's entry is still the same one */
    int64_t deadline_ms;  /* headers, monotonic; 0: none */
    int64_t body_started_ms; /* monotonic; 0: no body being read */
    uint64_t body_bytes;
    void (*hangup)(void *ctx);
    void *hangup_ctx;
    struct watch_entry *prev, *next;
};

struct conn_watch {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool stopping;
    struct conn_watch_limits limits;
    uint64_t next_id;
    unsigned long dropped;
    struct watch_entry *head;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct watch_entry *find(struct conn_watch *cw, uint64_t id)
{
    for (struct watch_entry *e = cw->head; e; e = e->next)
        if (e->id == id)
            return e;
    return NULL;
}

/* Whether e->fd is still e's connection. MHD closes a socket only after
 * telling us, so it should be; checked anyway, as shutting down a reused
 * descriptor would break whatever now owns it. */
static bool same_socket(const struct watch_entry *e)
{
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    return getpeername(e->fd, (struct sockaddr *)&peer, &len) == 0 && len == e->peer_len &&
           memcmp(&peer, &e->peer, len) == 0;
}

/* Whether a body being read is behind the minimum rate: it has had the grace
 * time plus a second per min_body_rate bytes, and is not done. */
static bool body_too_slow(const struct conn_watch *cw, const struct watch_entry *e, int64_t now)
{
    const struct conn_watch_limits *l = &cw->limits;
    if (!e->body_started_ms || l->body_grace_ms <= 0 || !l->min_body_rate)
        return false;
    uint64_t earned_ms = e->body_bytes * 1000 / l->min_body_rate;
    return now - e->body_started_ms > l->body_grace_ms + (int64_t)earned_ms;
}

/* Shuts down connections past their header deadline or behind the body
 * rate. Caller holds the lock; the sockets are open (entries leave only when
 * MHD closes them). MHD sees the shutdown as the peer's end and closes the
 * connection itself. */
static void enforce_deadlines(struct conn_watch *cw)
{
    int64_t now = now_ms();
    for (struct watch_entry *e = cw->head; e; e = e->next) {
        bool headers_late = e->deadline_ms && now >= e->deadline_ms;
        bool body_slow = body_too_slow(cw, e, now);
        if (!headers_late && !body_slow)
            continue;
        e->deadline_ms = 0;
        e->body_started_ms = 0;
        if (!same_socket(e))
            continue;
        cw->dropped++;
        shutdown(e->fd, SHUT_RDWR);
        if (headers_late)
            log_debug("closed a connection whose request headers took over %lld ms",
                      (long long)cw->limits.header_timeout_ms);
        else
            log_info("closed a connection whose request body came slower than %llu bytes/s "
                     "(%llu bytes in %lld ms)",
                     (unsigned long long)cw->limits.min_body_rate,
                     (unsigned long long)e->body_bytes, (long long)(now - e->body_started_ms));
    }
}

static void *watch_main(void *arg)
{
    struct conn_watch *cw = arg;
    static const size_t max = SY_HTTP_CONNECTIONS_MAX;
    struct pollfd *fds = calloc(max, sizeof *fds);
    uint64_t *ids = calloc(max, sizeof *ids);
    if (!fds || !ids)
        log_error("out of memory in the connection watcher; hang-ups while waiting are noticed "
                  "only when the answer is written");
    pthread_mutex_lock(&cw->lock);
    while (!cw->stopping) {
        enforce_deadlines(cw);
        nfds_t n = 0;
        for (struct watch_entry *e = cw->head; fds && e && n < max; e = e->next)
            if (e->hangup) {
                fds[n] = (struct pollfd){.fd = e->fd, .events = POLLRDHUP};
                ids[n++] = e->id;
            }
        if (!cw->head) {
            pthread_cond_wait(&cw->wake, &cw->lock);
            continue;
        }
        pthread_mutex_unlock(&cw->lock);
        int ready = poll(fds, n, WATCH_INTERVAL_MS);
        pthread_mutex_lock(&cw->lock);
        for (nfds_t i = 0; ready > 0 && i < n; i++) {
            /* Still present means the connection, and so this socket, lived
             * through the poll: the hang-up is this entry's. */
            struct watch_entry *e = fds[i].revents ? find(cw, ids[i]) : NULL;
            if (!e || !e->hangup)
                continue;
            void (*fn)(void *) = e->hangup;
            e->hangup = NULL; /* once */
            fn(e->hangup_ctx);
        }
    }
    pthread_mutex_unlock(&cw->lock);
    free(fds);
    free(ids);
    return NULL;
}

struct conn_watch *conn_watch_start(const struct conn_watch_limits *limits)
{
    struct conn_watch *cw = calloc(1, sizeof *cw);
    if (!cw)
        return NULL;
    pthread_mutex_init(&cw->lock, NULL);
    pthread_cond_init(&cw->wake, NULL);
    cw->limits = *limits;
    if (pthread_create(&cw->thread, NULL, watch_main, cw) != 0) {
        pthread_cond_destroy(&cw->wake);
        pthread_mutex_destroy(&cw->lock);
        free(cw);
        return NULL;
    }
    return cw;
}

void conn_watch_stop(struct conn_watch *cw)
{
    if (!cw)
        return;
    pthread_mutex_lock(&cw->lock);
    cw->stopping = true;
    pthread_cond_signal(&cw->wake);
    pthread_mutex_unlock(&cw->lock);
    pthread_join(cw->thread, NULL);
    while (cw->head) {
        struct watch_entry *next = cw->head->next;
        free(cw->head);
        cw->head = next;
    }
    pthread_cond_destroy(&cw->wake);
    pthread_mutex_destroy(&cw->lock);
    free(cw);
}

struct watch_entry *conn_watch_add(struct conn_watch *cw, int fd)
{
    struct watch_entry *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->fd = fd;
    e->peer_len = sizeof e->peer;
    if (getpeername(fd, (struct sockaddr *)&e->peer, &e->peer_len) != 0)
        e->peer_len = 0;
    pthread_mutex_lock(&cw->lock);
    e->id = ++cw->next_id;
    if (cw->limits.header_timeout_ms > 0)
        e->deadline_ms = now_ms() + cw->limits.header_timeout_ms;
    e->next = cw->head;
    if (cw->head)
        cw->head->prev = e;
    cw->head = e;
    pthread_cond_signal(&cw->wake);
    pthread_mutex_unlock(&cw->lock);
    return e;
}

void conn_watch_headers_done(struct conn_watch *cw, struct watch_entry *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&cw->lock);
    e->deadline_ms = 0;
    pthread_mutex_unlock(&cw->lock);
}

void conn_watch_body_start(struct conn_watch *cw, struct watch_entry *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&cw->lock);
    e->body_started_ms = now_ms();
    e->body_bytes = 0;
    pthread_mutex_unlock(&cw->lock);
}

void conn_watch_body_progress(struct conn_watch *cw, struct watch_entry *e, size_t n)
{
    if (!e)
        return;
    pthread_mutex_lock(&cw->lock);
    e->body_bytes += n;
    pthread_mutex_unlock(&cw->lock);
}

void conn_watch_body_done(struct conn_watch *cw, struct watch_entry *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&cw->lock);
    e->body_started_ms = 0;
    pthread_mutex_unlock(&cw->lock);
}

void conn_watch_arm(struct conn_watch *cw, struct watch_entry *e, void (*fn)(void *ctx),
                    void *ctx)
{
    if (!e)
        return;
    pthread_mutex_lock(&cw->lock);
    e->hangup = fn;
    e->hangup_ctx = ctx;
    pthread_mutex_unlock(&cw->lock);
}

void conn_watch_remove(struct conn_watch *cw, struct watch_entry *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&cw->lock);
    if (e->prev)
        e->prev->next = e->next;
    else
        cw->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    pthread_mutex_unlock(&cw->lock);
    free(e);
}

unsigned long conn_watch_dropped(struct conn_watch *cw)
{
    pthread_mutex_lock(&cw->lock);
    unsigned long n = cw->dropped;
    pthread_mutex_unlock(&cw->lock);
    return n;
}
