/* api.h -- what every API surface handler shares, and the route table.
 *
 * Each surface (OpenAI, Hugging Face, task API, ...) is a module of its own
 * with a few handlers; routes.c lists them all in one table. Handlers get the
 * api_ctx as their `app` argument. */
#ifndef SY_API_H
#define SY_API_H

#include <stdatomic.h>
#include <stddef.h>

#include "http/server.h"
#include "router/router.h"

struct api_metrics;
struct hub_client;
struct catalog;
struct runs;
struct video_jobs;

#define SY_PULLS_MAX 4 /* pulls running at once */

struct api_ctx {
    struct router *router;     /* borrowed */
    struct api_metrics *metrics; /* borrowed; may be NULL */
    const char *version;       /* server version string */
    size_t stream_buffer_max;  /* bytes queued for one slow stream reader */
    unsigned max_audio_seconds; /* longest audio a transcription takes */
    const char *web_root;      /* the built playground; borrowed; "" none */
    const struct http_access *access; /* keys, for routes that check their own; may be NULL */
    struct runs *runs;         /* the run history; borrowed; may be NULL (not kept) */
    struct video_jobs *videos; /* OpenAI's /v1/videos jobs; borrowed */
    struct keepalive *keepalive; /* the stream ticker; borrowed; may be NULL (none) */
    int64_t heartbeat_ms;      /* a stream quiet this long gets a comment; 0 never */
    struct hub_client *hub;    /* borrowed */
    struct catalog *catalog;   /* borrowed */
    const char *hub_cache;     /* where pulls go; borrowed */
    atomic_int pulls;          /* pulls running now */
    atomic_bool stopping;      /* the server is stopping: pulls end */
};

/* The route table and its size; borrowed for the program's life. */
const struct http_route *api_routes(size_t *n);

/* The answer for requests no route takes (http_refusal_fn). */
void api_refuse(struct http_exchange *ex, void *app, sy_code code, const char *detail);

#endif
