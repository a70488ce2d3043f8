/* call.h -- one inference in flight, between an HTTP exchange and a provider.
 *
 * A surface handler parses its request, then call_run() defers the exchange
 * and submits the request through the router. Events arrive on an engine
 * thread; the call encodes them with the surface's encoder into a bounded
 * output buffer (streams) or collects the text (non-streams) and wakes the
 * exchange. Before the first event the answer can still be any HTTP error, so
 * a request that fails early (context too long, engine down) gets a proper
 * status even when it asked to stream. If the client goes away, the job is
 * cancelled; a reader too slow to keep the buffer under its limit is cut off.
 * Thread-safety: the call's own lock guards everything below `lock`. */
#ifndef SY_API_CALL_H
#define SY_API_CALL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/event.h"
#include "core/model_info.h"
#include "api/keepalive.h"
#include "core/request.h"
#include "http/exchange.h"
#include "router/router.h"
#include "util/buf.h"

struct api_ctx;
struct call;

/* A surface's encoding of one kind of request. Stream slots are required when
 * the request streams; `complete` when it does not. Each writes to out and
 * returns SY_OK or buf's error. They run under the call's lock. */
struct call_encoder {
    const char *stream_content_type; /* unless the call sets content_type */
    sy_code (*stream_start)(struct call *c, struct sy_buf *out);             /* may be NULL */
    sy_code (*stream_token)(struct call *c, const char *text, size_t len, struct sy_buf *out);
    /* may be NULL (speech is collected for `complete`): synthesised samples. */
    sy_code (*stream_audio)(struct call *c, const int16_t *pcm, size_t n, unsigned rate,
                            struct sy_buf *out);
    /* may be NULL: one recognised segment (also collected in c->segments). */
    sy_code (*stream_segment)(struct call *c, const json_t *segment, struct sy_buf *out);
    /* may be NULL: a long job's state (also kept in c->progress, c->state). */
    sy_code (*stream_progress)(struct call *c, struct sy_buf *out);
    /* may be NULL: the video or music made, once collected in c->media. */
    sy_code (*stream_media)(struct call *c, struct sy_buf *out);
    sy_code (*stream_done)(struct call *c, struct sy_buf *out);
    /* may be NULL for bodies that cannot say "error" (raw audio): a failure
     * after the stream began then cuts the connection, so the client sees a
     * truncated response rather than a clean end. */
    sy_code (*stream_error)(struct call *c, const struct sy_err *e, struct sy_buf *out);
    json_t *(*complete)(struct call *c); /* the whole response body; NULL if out of memory */
    /* may be NULL: a non-JSON whole body instead of `complete` (plain text,
     * subtitles, audio); sets *content_type (static storage). */
    sy_code (*complete_raw)(struct call *c, struct sy_buf *out, const char **content_type);
    /* may be NULL (api_respond_error, the OpenAI shape): answers an error
     * that comes before the response began, in the surface's shape. */
    void (*respond_error)(struct http_exchange *ex, const struct sy_err *err);
    /* may be NULL (a body that cannot carry a comment: NDJSON, audio): what
     * a quiet stream writes to say it is alive (an SSE comment). */
    const char *heartbeat;
    /* may be NULL: keeps a record of the finished call (run history); runs
     * once, on an HTTP thread, when the exchange closes. */
    void (*record)(struct call *c);
};

struct call {
    /* Set before the call runs; read-only afterwards. */
    struct api_ctx *api;
    const struct call_encoder *enc;
    struct sy_request req;         /* owned */
    struct sy_model_info model;    /* filled when submitted */
    char id[48];                   /* "chatcmpl-..." etc.: one per response */
    int64_t created;               /* Unix seconds */
    void *surface;                 /* surface-specific options, freed with free() */
    void (*surface_free)(void *surface); /* may be NULL: free() */
    char content_type[64];         /* the stream's, when it depends on the request */

    pthread_mutex_t lock;
    int refs;
    struct http_waker *waker;
    struct router_job job;
    bool started, finished, closed, overflowed;
    bool submitted, abandoned;     /* job is set; the client hung up while waiting */
    struct sy_err err;             /* err.code != SY_OK once failed */
    struct sy_buf text;            /* everything generated (speech: segments' text) */
    struct sy_buf audio;           /* synthesised samples (int16), unless streamed */
    unsigned audio_rate;           /* their sample rate */
    json_t *segments;              /* recognised [{id, start, end, text}] */
    struct sy_buf vectors;         /* embeddings: n_vectors x dim floats, in input order */
    struct sy_buf pictures;        /* images, one after another (picture_at, picture_size) */
    size_t picture_at[SY_IMAGES_MAX], picture_size[SY_IMAGES_MAX], n_pictures;
    const char *picture_type[SY_IMAGES_MAX]; /* each one's media type (static storage) */
    size_t n_vectors, dim;
    struct sy_buf media;           /* the video or music made (one file) */
    const char *media_type;        /* its media type (static storage), NULL until it came */
    double progress;               /* a long job's percent done */
    char state[16];                /* and its state ("queued", "in_progress"), "" if none */
    struct sy_buf out;             /* stream bytes not yet taken by the client */
    size_t n_tokens;               /* TOKEN events seen */
    struct sy_usage usage;
    enum sy_finish finish;
    char language[16];             /* speech recognition: the language heard, "" if not said */
    struct timespec t_submit, t_start, t_first_token, t_last_token, t_done;
    struct keepalive_item keepalive; /* on the api's ticker while streaming */
    bool on_keepalive;
    int64_t last_out_ms;           /* when the stream last got bytes (keepalive clock) */
};

/* Returns: a new call for enc with id prefix (e.g. "chatcmpl-"), one reference
 * owned by the caller; req is moved in (left initialised and empty).
 * NULL if out of memory (req is then cleaned up). */
struct call *call_create(struct api_ctx *api, const struct call_encoder *enc, const char *id_prefix,
                         struct sy_request *req);

/* call_create + call_run for the common case: the call gets surface (free()d
 * with it; may be NULL) and runs on ex. If it cannot be created, surface is
 * freed and ex answered with 500; req is consumed either way. */
void call_start(struct api_ctx *api, const struct call_encoder *enc, const char *id_prefix,
                struct sy_request *req, void *surface, struct http_exchange *ex);

/* Drops the creator's reference to a call that will not run. */
void call_discard(struct call *c);

/* Defers ex and submits the call. Consumes the caller's reference in all
 * cases. On failure before anything started, ex is answered with the error. */
void call_run(struct call *c, struct http_exchange *ex);

/* Appends the response text to out: the prompt first when the request asks
 * for return_full_text (raw prompts only), then everything generated.
 * Caller holds c->lock or runs after the call finished. */
sy_code call_output_text(const struct call *c, struct sy_buf *out, struct sy_err *err);

/* Milliseconds from submission to the first token (0 if none) and to the end. */
double call_ttft_ms(const struct call *c);
double call_total_ms(const struct call *c);

#endif
