/* call.c -- an inference in flight: engine events in, HTTP bytes out.
 *
 * References: the creator's reference becomes the HTTP exchange's (dropped in
 * call_closed), and the provider's sink holds one more (dropped by
 * call_sink_release). The call is freed when both are gone, whichever order
 * the engine and the client finish in. */
#include "api/call.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/api_metrics.h"
#include "util/limits.h"
#include "util/log.h"

static void call_unref(struct call *c)
{
    pthread_mutex_lock(&c->lock);
    int left = --c->refs;
    pthread_mutex_unlock(&c->lock);
    if (left > 0)
        return;
    request_cleanup(&c->req);
    buf_cleanup(&c->text);
    buf_cleanup(&c->audio);
    buf_cleanup(&c->vectors);
    buf_cleanup(&c->pictures);
    buf_cleanup(&c->media);
    buf_cleanup(&c->out);
    json_decref(c->segments);
    http_waker_release(c->waker);
    if (c->surface_free)
        c->surface_free(c->surface);
    else
        free(c->surface);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void call_discard(struct call *c)
{
    call_unref(c);
}

struct call *call_create(struct api_ctx *api, const struct call_encoder *enc, const char *id_prefix,
                         struct sy_request *req)
{
    struct call *c = calloc(1, sizeof *c);
    if (!c) {
        request_cleanup(req);
        return NULL;
    }
    c->api = api;
    c->enc = enc;
    c->req = *req;
    request_init(req); /* moved: the caller's copy no longer owns anything */
    unsigned char rnd[12];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        memset(rnd, 0, sizeof rnd);
    int n = snprintf(c->id, sizeof c->id, "%s", id_prefix);
    for (size_t i = 0; i < sizeof rnd && n > 0 && (size_t)n + 2 < sizeof c->id; i++)
        n += snprintf(c->id + n, sizeof c->id - (size_t)n, "%02x", rnd[i]);
    c->created = (int64_t)time(NULL);
    pthread_mutex_init(&c->lock, NULL);
    c->refs = 1;
    buf_init(&c->text, SY_CALL_TEXT_MAX);
    buf_init(&c->audio, SY_CALL_AUDIO_MAX);
    buf_init(&c->vectors, SY_CALL_VECTORS_MAX);
    buf_init(&c->pictures, SY_CALL_IMAGES_MAX);
    buf_init(&c->media, SY_CALL_MEDIA_MAX);
    buf_init(&c->out, api->stream_buffer_max);
    c->segments = json_array();
    if (!c->segments) {
        call_unref(c);
        return NULL;
    }
    return c;
}

static double ms_between(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

double call_ttft_ms(const struct call *c)
{
    return c->n_tokens ? ms_between(&c->t_submit, &c->t_first_token) : 0.0;
}

double call_total_ms(const struct call *c)
{
    return ms_between(&c->t_submit, &c->t_done);
}

sy_code call_output_text(const struct call *c, struct sy_buf *out, struct sy_err *err)
{
    sy_code rc = SY_OK;
    if (c->req.settings.return_full_text && c->req.prompt)
        rc = buf_append_str(out, c->req.prompt, err);
    if (rc == SY_OK)
        rc = buf_append(out, c->text.data ? c->text.data : "", c->text.len, err);
    return rc;
}

/* The model as metrics and logs name it: resolved if known, else as asked. */
static const char *call_model(const struct call *c)
{
    return c->model.id[0] ? c->model.id : c->req.model;
}

/* ---- the sink: engine thread ------------------------------------------------------------ */

/* Applies one event under the lock. Returns whether the job must be cancelled. */
static bool apply_event(struct call *c, const struct sy_event *ev)
{
    bool stream = c->req.stream;
    sy_code rc = SY_OK;
    struct sy_err berr;
    switch (ev->type) {
    case SY_EVENT_START:
        c->started = true;
        clock_gettime(CLOCK_MONOTONIC, &c->t_start);
        c->usage.prompt_tokens = ev->usage.prompt_tokens;
        if (stream && c->enc->stream_start)
            rc = c->enc->stream_start(c, &c->out);
        break;
    case SY_EVENT_TOKEN: {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        bool first = c->n_tokens++ == 0;
        if (first)
            c->t_first_token = now;
        api_metrics_token(c->api->metrics, call_model(c), first,
                          ms_between(first ? &c->t_submit : &c->t_last_token, &now) / 1e3);
        c->t_last_token = now;
        rc = buf_append(&c->text, ev->text, ev->len, &berr);
        if (rc == SY_OK && stream)
            rc = c->enc->stream_token(c, ev->text, ev->len, &c->out);
        break;
    }
    case SY_EVENT_AUDIO:
        if (c->n_tokens++ == 0)
            clock_gettime(CLOCK_MONOTONIC, &c->t_first_token);
        c->audio_rate = ev->sample_rate;
        if (stream && c->enc->stream_audio)
            rc = c->enc->stream_audio(c, ev->pcm, ev->n_samples, ev->sample_rate, &c->out);
        else
            rc = buf_append(&c->audio, ev->pcm, ev->n_samples * sizeof *ev->pcm, &berr);
        break;
    case SY_EVENT_SEGMENT: {
        if (c->n_tokens++ == 0)
            clock_gettime(CLOCK_MONOTONIC, &c->t_first_token);
        json_t *seg = json_pack("{s:I, s:f, s:f, s:s%}", "id",
                                (json_int_t)json_array_size(c->segments), "start", ev->start_s,
                                "end", ev->end_s, "text", ev->text, ev->len);
        rc = seg && json_array_append(c->segments, seg) == 0 ? SY_OK : SY_ENOMEM;
        if (rc == SY_OK && c->text.len > 0)
            rc = buf_append(&c->text, " ", 1, &berr);
        if (rc == SY_OK)
            rc = buf_append(&c->text, ev->text, ev->len, &berr);
        if (rc == SY_OK && stream && c->enc->stream_segment)
            rc = c->enc->stream_segment(c, seg, &c->out);
        json_decref(seg);
        break;
    }
    case SY_EVENT_EMBEDDING:
        if (c->n_tokens++ == 0)
            clock_gettime(CLOCK_MONOTONIC, &c->t_first_token);
        if (ev->index != c->n_vectors || (c->dim && ev->dim != c->dim)) {
            /* The engine broke its promise of one vector per input, in order:
             * fail the call (its DONE or ERROR still ends it) and stop the job. */
            sy_errf(&c->err, SY_EENGINE, "the engine sent embedding %zu (%zu floats) where "
                    "%zu (%zu floats) was due", ev->index, ev->dim, c->n_vectors, c->dim);
            return true;
        }
        c->dim = ev->dim;
        c->n_vectors++;
        rc = buf_append(&c->vectors, ev->vector, ev->dim * sizeof *ev->vector, &berr);
        break;
    case SY_EVENT_IMAGE:
        if (c->n_tokens++ == 0)
            clock_gettime(CLOCK_MONOTONIC, &c->t_first_token);
        if (c->n_pictures == SY_IMAGES_MAX) {
            sy_errf(&c->err, SY_EUPSTREAM, "more than %d pictures came for one request",
                    SY_IMAGES_MAX);
            return true;
        }
        c->picture_at[c->n_pictures] = c->pictures.len;
        c->picture_size[c->n_pictures] = ev->image_size;
        c->picture_type[c->n_pictures] =
            ev->image_type ? ev->image_type : "application/octet-stream";
        rc = buf_append(&c->pictures, ev->image, ev->image_size, &berr);
        if (rc == SY_OK)
            c->n_pictures++;
        break;
    case SY_EVENT_PROGRESS:
        c->progress = ev->progress;
        snprintf(c->state, sizeof c->state, "%.*s", (int)ev->len, ev->text ? ev->text : "");
        if (stream && c->enc->stream_progress)
            rc = c->enc->stream_progress(c, &c->out);
        break;
    case SY_EVENT_MEDIA:
        if (c->n_tokens++ == 0)
            clock_gettime(CLOCK_MONOTONIC, &c->t_first_token);
        if (c->media_type) {
            sy_errf(&c->err, SY_EUPSTREAM, "a second video or music file came for one request");
            return true;
        }
        c->media_type = ev->media_type ? ev->media_type : "application/octet-stream";
        rc = buf_append(&c->media, ev->media, ev->media_size, &berr);
        if (rc == SY_OK && stream && c->enc->stream_media)
            rc = c->enc->stream_media(c, &c->out);
        break;
    case SY_EVENT_DONE:
        c->finished = true;
        c->finish = ev->finish;
        c->usage = ev->usage;
        if (ev->language)
            snprintf(c->language, sizeof c->language, "%s", ev->language);
        clock_gettime(CLOCK_MONOTONIC, &c->t_done);
        api_metrics_done(c->api->metrics, call_model(c), &c->usage, finish_name(c->finish));
        if (stream)
            rc = c->enc->stream_done(c, &c->out);
        break;
    case SY_EVENT_ERROR:
        c->finished = true;
        c->err = *ev->err;
        clock_gettime(CLOCK_MONOTONIC, &c->t_done);
        api_metrics_done(c->api->metrics, call_model(c), NULL, sy_code_name(ev->err->code));
        if (stream && c->started && c->enc->stream_error) {
            rc = c->enc->stream_error(c, ev->err, &c->out);
        } else if (stream && c->started) {
            c->overflowed = true; /* cut the connection: the body cannot say it failed */
            log_warn("%s: %s; cutting the stream short", c->id, ev->err->msg);
        }
        break;
    }
    if (rc == SY_OK)
        return false;
    /* The client reads too slowly (or the answer outgrew its limit): cut it off. */
    if (c->overflowed)
        return false; /* already cut off, and cancelled */
    c->overflowed = true;
    if (c->err.code == SY_OK)
        sy_errf(&c->err, SY_ETOOLARGE, "the response for model '%s' outgrew its buffer limit",
                c->req.model);
    if (stream)
        log_warn("%s: the client reads too slowly; dropping its stream with %zu bytes queued "
                 "(stream_buffer_bytes) and cancelling the generation",
                 c->id, c->out.len);
    return !c->finished;
}

static void call_emit(void *ctx, const struct sy_event *ev)
{
    struct call *c = ctx;
    pthread_mutex_lock(&c->lock);
    size_t queued = c->out.len;
    bool cancel = apply_event(c, ev);
    if (c->out.len != queued)
        c->last_out_ms = keepalive_now_ms();
    /* Non-streams need waking only at the end; streams whenever bytes wait. */
    bool wake = c->finished || c->overflowed || (c->req.stream && (c->out.len > 0 || c->started));
    struct router_job job = c->job;
    bool closed = c->closed;
    pthread_mutex_unlock(&c->lock);
    if (cancel && !closed)
        router_cancel(c->api->router, &job);
    if (wake)
        http_waker_wake(c->waker);
}

static void call_sink_release(void *ctx)
{
    call_unref(ctx);
}

/* ---- the HTTP side: HTTP threads -------------------------------------------------------- */

static void respond_error(const struct call *c, struct http_exchange *ex,
                          const struct sy_err *err)
{
    if (c->enc->respond_error)
        c->enc->respond_error(ex, err);
    else
        api_respond_error(ex, err);
}

static void call_resume(void *ctx, struct http_exchange *ex)
{
    struct call *c = ctx;
    pthread_mutex_lock(&c->lock);
    if (!c->started && !c->finished) {
        pthread_mutex_unlock(&c->lock);
        return; /* spurious wake: park again */
    }
    if (c->err.code != SY_OK && (!c->started || !c->req.stream)) {
        struct sy_err err = c->err;
        pthread_mutex_unlock(&c->lock);
        respond_error(c, ex, &err);
        return;
    }
    if (!c->req.stream && !c->finished) {
        pthread_mutex_unlock(&c->lock);
        return;
    }
    if (!c->req.stream && c->enc->complete_raw) {
        struct sy_buf body;
        buf_init(&body, SIZE_MAX / 2);
        const char *type = "application/octet-stream";
        struct sy_err err;
        sy_code rc = c->enc->complete_raw(c, &body, &type);
        if (rc != SY_OK)
            sy_errf(&err, rc, "cannot encode the answer of model '%s'", call_model(c));
        pthread_mutex_unlock(&c->lock);
        if (rc == SY_OK)
            http_respond(ex, 200, type, body.data ? body.data : "", body.len);
        else
            respond_error(c, ex, &err);
        buf_cleanup(&body);
        return;
    }
    if (!c->req.stream) {
        json_t *body = c->enc->complete(c);
        pthread_mutex_unlock(&c->lock);
        http_respond_json(ex, 200, body);
        return;
    }
    pthread_mutex_unlock(&c->lock);
    http_respond_stream(ex, 200,
                        c->content_type[0] ? c->content_type : c->enc->stream_content_type);
}

static ssize_t call_read(void *ctx, char *buf, size_t max)
{
    struct call *c = ctx;
    ssize_t n = 0;
    pthread_mutex_lock(&c->lock);
    if (c->overflowed) {
        n = HTTP_READ_ABORT;
    } else if (c->out.len > 0) {
        n = (ssize_t)buf_take(&c->out, buf, max);
    } else if (c->finished) {
        n = HTTP_READ_END;
    }
    pthread_mutex_unlock(&c->lock);
    return n;
}

static void call_log_note(void *ctx, char *buf, size_t size)
{
    struct call *c = ctx;
    pthread_mutex_lock(&c->lock);
    if (c->err.code != SY_OK && c->started && c->req.stream && api_status(c->err.code) >= 500)
        /* Failed mid-answer: no error response carried it to the log. */
        snprintf(buf, size, "model=%s error=%s: %s", call_model(c), sy_code_name(c->err.code),
                 c->err.msg);
    else if (c->err.code != SY_OK)
        snprintf(buf, size, "model=%s error=%s", call_model(c), sy_code_name(c->err.code));
    else if (c->finished && c->usage.audio_seconds > 0)
        snprintf(buf, size, "model=%s audio=%.2fs engine=%.1fms finish=%s", call_model(c),
                 c->usage.audio_seconds, c->usage.decode_ms, finish_name(c->finish));
    else if (c->finished)
        snprintf(buf, size, "model=%s prompt=%ld cached=%ld completion=%ld ttft=%.1fms finish=%s",
                 call_model(c), c->usage.prompt_tokens, c->usage.cached_tokens,
                 c->usage.completion_tokens, call_ttft_ms(c), finish_name(c->finish));
    else
        snprintf(buf, size, "model=%s unfinished", call_model(c));
    pthread_mutex_unlock(&c->lock);
}

static void call_closed(void *ctx, bool completed)
{
    struct call *c = ctx;
    if (c->on_keepalive) /* no beat runs after this */
        keepalive_remove(c->api->keepalive, &c->keepalive);
    pthread_mutex_lock(&c->lock);
    c->closed = true;
    bool cancel = !c->finished;
    struct router_job job = c->job;
    pthread_mutex_unlock(&c->lock);
    if (cancel) {
        log_info("client left before model '%s' finished%s; cancelling", c->req.model,
                 completed ? "" : " (connection lost)");
        router_cancel(c->api->router, &job);
    }
    if (c->enc->record) {
        pthread_mutex_lock(&c->lock);
        c->enc->record(c);
        pthread_mutex_unlock(&c->lock);
    }
    call_unref(c);
}

/* The client hung up while waiting: free its slot (or queue place) now. If
 * the job is not submitted yet, call_run cancels it once it is. */
static void call_abandoned(void *ctx)
{
    struct call *c = ctx;
    pthread_mutex_lock(&c->lock);
    c->abandoned = true;
    bool cancel = c->submitted && !c->finished;
    struct router_job job = c->job;
    pthread_mutex_unlock(&c->lock);
    if (cancel) {
        log_info("client left before model '%s' finished (hung up while waiting); cancelling",
                 c->req.model);
        router_cancel(c->api->router, &job);
    }
}

/* The ticker's beat: a stream quiet for heartbeat_ms gets the encoder's
 * comment. One still waiting for its model (queued, loading) starts its
 * response now, so the client and any proxy see it is alive; an error after
 * that arrives as an error event in the stream. */
static void call_beat(void *ctx, int64_t now_ms)
{
    struct call *c = ctx;
    pthread_mutex_lock(&c->lock);
    bool due = !c->finished && !c->closed && !c->overflowed &&
               now_ms - c->last_out_ms >= c->api->heartbeat_ms;
    if (due) {
        c->started = true;
        buf_append_str(&c->out, c->enc->heartbeat, NULL); /* full: the reader is slow anyway */
        c->last_out_ms = now_ms;
    }
    pthread_mutex_unlock(&c->lock);
    if (due)
        http_waker_wake(c->waker);
}

static const struct http_deferred_ops call_http_ops = {
    .resume = call_resume,
    .read = call_read,
    .log_note = call_log_note,
    .abandoned = call_abandoned,
    .closed = call_closed,
};

void call_run(struct call *c, struct http_exchange *ex)
{
    c->waker = http_defer(ex, &call_http_ops, c);
    if (!c->waker) {
        api_respond_errorf(ex, SY_ENOMEM, NULL, "out of memory starting the request");
        call_unref(c);
        return;
    }
    /* From here the creator's reference belongs to the exchange (call_closed). */
    pthread_mutex_lock(&c->lock);
    c->refs++; /* the sink's */
    pthread_mutex_unlock(&c->lock);
    struct sy_sink sink = {.emit = call_emit, .release = call_sink_release, .ctx = c};
    clock_gettime(CLOCK_MONOTONIC, &c->t_submit);
    if (c->req.stream && c->enc->heartbeat && c->api->keepalive && c->api->heartbeat_ms > 0) {
        c->last_out_ms = keepalive_now_ms();
        c->keepalive = (struct keepalive_item){.beat = call_beat, .ctx = c};
        c->on_keepalive = true;
        keepalive_add(c->api->keepalive, &c->keepalive);
    }
    struct router_job job = {0};
    struct sy_err err;
    sy_code rc = router_submit(c->api->router, &c->req, sink, &job, &c->model, &err);
    pthread_mutex_lock(&c->lock);
    c->job = job;
    c->submitted = rc == SY_OK;
    if (rc != SY_OK) {
        c->finished = true;
        c->err = err;
        clock_gettime(CLOCK_MONOTONIC, &c->t_done); /* refused: it took this long */
    }
    /* The client left, or overflowed its stream, before the job id was known. */
    bool cancel = (c->abandoned || c->overflowed) && !c->finished;
    pthread_mutex_unlock(&c->lock);
    if (cancel)
        router_cancel(c->api->router, &job);
    if (rc != SY_OK)
        respond_error(c, ex, &err);
}

void call_start(struct api_ctx *api, const struct call_encoder *enc, const char *id_prefix,
                struct sy_request *req, void *surface, struct http_exchange *ex)
{
    struct call *c = call_create(api, enc, id_prefix, req);
    if (!c) {
        free(surface);
        api_respond_errorf(ex, SY_ENOMEM, NULL, "out of memory starting the request");
        return;
    }
    c->surface = surface;
    call_run(c, ex);
}
