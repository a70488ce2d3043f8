/* task_pull.c -- POST /api/models/pull: a Hub model into the Hub cache, with
 * progress.
 *
 * The pull runs on a thread of its own (it may take hours; no HTTP thread
 * waits for it). Streamed (the default, as Ollama's /api/pull), the answer is
 * task-API events: `chosen` (which file and why), then per file `file`,
 * `progress` (completed / total bytes) and `verified`, then `done` or
 * `error`. With "stream": false the answer comes once the pull has ended. A
 * client that leaves cancels its pull; what was downloaded stays in the cache
 * for the next pull to resume. The Ollama surface's /api/pull runs the same
 * pull and speaks Ollama's NDJSON status lines instead (pull.h's dialects). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/json_body.h"
#include "api/pull_api.h"
#include "api/task.h"
#include "core/model_id.h"
#include "hub/pull.h"
#include "util/buf.h"

#define PULL_EVENTS_MAX (1u << 20) /* bytes of progress queued for a slow reader */

struct pull_job {
    pthread_mutex_t lock;
    int refs;                 /* the exchange's and the thread's */
    struct api_ctx *api;
    struct http_waker *waker;
    struct model_id id;
    enum pull_dialect dialect;
    bool stream, finished, cancel;
    struct sy_buf out;        /* events not yet sent */
    struct sy_err err;
    struct pull_result result;
};

static void job_unref(struct pull_job *j)
{
    pthread_mutex_lock(&j->lock);
    bool last = --j->refs == 0;
    pthread_mutex_unlock(&j->lock);
    if (!last)
        return;
    http_waker_release(j->waker);
    buf_cleanup(&j->out);
    pthread_mutex_destroy(&j->lock);
    free(j);
}

/* Ollama's status line for a task-API event (its client shows a bar per
 * "pulling <digest>" line with total/completed). */
static json_t *ollama_line(const char *type, json_t *data)
{
    const char *file = json_string_value(json_object_get(data, "file"));
    json_t *line = NULL;
    if (strcmp(type, "chosen") == 0)
        line = json_pack("{s:s}", "status", "pulling manifest");
    else if (strcmp(type, "file") == 0 || strcmp(type, "progress") == 0)
        line = json_pack("{s:s+, s:s, s:I, s:I}", "status", "pulling ", file ? file : "",
                         "digest", file ? file : "", "total",
                         json_integer_value(json_object_get(data, "total")), "completed",
                         strcmp(type, "file") == 0
                             ? (json_int_t)0
                             : json_integer_value(json_object_get(data, "completed")));
    else if (strcmp(type, "verified") == 0)
        line = json_pack("{s:s}", "status", "verifying sha256 digest");
    else if (strcmp(type, "done") == 0)
        line = json_pack("{s:s}", "status", "success");
    else if (strcmp(type, "error") == 0)
        line = json_pack("{s:s}", "error", json_string_value(json_object_get(data, "message")));
    json_decref(data);
    return line;
}

/* Queues one event; caller holds j->lock. A reader too slow for even the
 * throttled progress events is dropped: the pull stops. */
static void queue_event(struct pull_job *j, const char *type, json_t *data)
{
    if (!j->stream || !data) {
        json_decref(data);
        return;
    }
    sy_code rc;
    if (j->dialect == PULL_OLLAMA) {
        json_t *line = ollama_line(type, data);
        char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
        json_decref(line);
        rc = text ? buf_printf(&j->out, NULL, "%s\n", text) : SY_ENOMEM;
        free(text);
    } else {
        rc = task_event_write(&j->out, type, data);
    }
    if (rc != SY_OK)
        j->cancel = true;
}

/* ---- the pull thread -------------------------------------------------------------------- */

static bool on_pull_event(void *ctx, const struct pull_event *ev)
{
    struct pull_job *j = ctx;
    pthread_mutex_lock(&j->lock);
    switch (ev ? ev->step : PULL_PROGRESS) {
    case PULL_CHOSEN:
        queue_event(j, "chosen",
                    json_pack("{s:s, s:s, s:s, s:i}", "model", j->id.name, "label", ev->label,
                              "why", ev->why, "files", ev->count));
        break;
    case PULL_FILE:
        queue_event(j, "file",
                    json_pack("{s:s, s:i, s:i, s:I, s:b}", "file", ev->file, "index", ev->index,
                              "count", ev->count, "total", (json_int_t)ev->total, "reused",
                              ev->reused));
        break;
    case PULL_PROGRESS:
        if (ev)
            queue_event(j, "progress",
                        json_pack("{s:s, s:I, s:I}", "file", ev->file, "completed",
                                  (json_int_t)ev->done, "total", (json_int_t)ev->total));
        break;
    case PULL_VERIFIED:
        queue_event(j, "verified", json_pack("{s:s}", "file", ev->file));
        break;
    }
    bool go_on = !j->cancel && !atomic_load(&j->api->stopping);
    pthread_mutex_unlock(&j->lock);
    if (ev)
        http_waker_wake(j->waker);
    return go_on;
}

static json_t *done_body(const struct pull_job *j)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:i}", "status", "success", "model", j->id.name,
                     "label", j->result.label, "path", j->result.path, "downloaded",
                     (json_int_t)j->result.downloaded, "files", j->result.files);
}

static void *pull_main(void *arg)
{
    struct pull_job *j = arg;
    struct sy_err err;
    struct pull_result result;
    sy_code rc = hub_pull(j->api->hub, j->api->hub_cache, j->id.name, j->id.variant,
                          on_pull_event, j, &result, &err);
    pthread_mutex_lock(&j->lock);
    j->finished = true;
    j->result = result;
    if (rc != SY_OK) {
        j->err = err;
        queue_event(j, "error",
                    json_pack("{s:s, s:s, s:{s:I, s:o}}", "code", sy_code_name(err.code),
                              "message", err.msg, "details", "status",
                              (json_int_t)api_status(err.code), "param",
                              err.param[0] ? json_string(err.param) : json_null()));
    } else {
        json_t *done = done_body(j);
        json_object_del(done, "status");
        queue_event(j, "done", done);
    }
    pthread_mutex_unlock(&j->lock);
    http_waker_wake(j->waker);
    atomic_fetch_sub(&j->api->pulls, 1);
    job_unref(j);
    return NULL;
}

/* ---- the HTTP side ---------------------------------------------------------------------- */

static void pull_resume(void *ctx, struct http_exchange *ex)
{
    struct pull_job *j = ctx;
    bool ollama = j->dialect == PULL_OLLAMA;
    if (j->stream) {
        http_respond_stream(ex, 200, ollama ? "application/x-ndjson" : "text/event-stream");
        return;
    }
    pthread_mutex_lock(&j->lock);
    bool finished = j->finished;
    struct sy_err err = j->err;
    json_t *body = finished && err.code == SY_OK ? done_body(j) : NULL;
    pthread_mutex_unlock(&j->lock);
    if (!finished)
        return;
    if (err.code != SY_OK && ollama)
        api_respond_error_ollama(ex, &err);
    else if (err.code != SY_OK)
        api_respond_error(ex, &err);
    else if (ollama)
        http_respond_json(ex, 200, (json_decref(body), json_pack("{s:s}", "status", "success")));
    else
        http_respond_json(ex, 200, body);
}

static ssize_t pull_read(void *ctx, char *buf, size_t max)
{
    struct pull_job *j = ctx;
    ssize_t n = 0;
    pthread_mutex_lock(&j->lock);
    if (j->out.len > 0)
        n = (ssize_t)buf_take(&j->out, buf, max);
    else if (j->finished)
        n = HTTP_READ_END;
    else if (j->cancel)
        n = HTTP_READ_ABORT;
    pthread_mutex_unlock(&j->lock);
    return n;
}

static void pull_stop(void *ctx)
{
    struct pull_job *j = ctx;
    pthread_mutex_lock(&j->lock);
    j->cancel = true;
    pthread_mutex_unlock(&j->lock);
}

static void pull_closed(void *ctx, bool completed)
{
    (void)completed;
    pull_stop(ctx); /* a pull nobody waits for stops; its partial file stays */
    job_unref(ctx);
}

static const struct http_deferred_ops pull_ops = {
    .resume = pull_resume,
    .read = pull_read,
    .abandoned = pull_stop,
    .closed = pull_closed,
};

static const char *const pull_keys[] = {"model", "stream", NULL};

void task_models_pull(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    json_t *body = NULL;
    struct sy_err err;
    sy_code rc = json_body_parse(ex, &body, &err);
    if (rc == SY_OK)
        rc = json_body_known_keys(body, pull_keys, "", &err);
    const json_t *model = json_object_get(body, "model");
    const json_t *stream = json_object_get(body, "stream");
    if (rc == SY_OK && (!json_is_string(model) || json_string_length(model) > SY_MODEL_ID_MAX))
        rc = sy_errp(&err, SY_EINVAL, "model",
                     "model must be a Hub model id such as \"org/name\" or \"org/name@Q8_0\"");
    if (rc == SY_OK && stream && !json_is_boolean(stream) && !json_is_null(stream))
        rc = sy_errp(&err, SY_EINVAL, "stream", "stream must be true or false");
    bool streamed = !json_is_false(stream);
    char name[SY_MODEL_ID_MAX + 1] = "";
    if (rc == SY_OK)
        snprintf(name, sizeof name, "%s", json_string_value(model));
    json_decref(body);
    if (rc != SY_OK) {
        api_respond_error(ex, &err);
        return;
    }
    pull_start(ex, api, name, streamed, PULL_TASK);
}

void pull_start(struct http_exchange *ex, struct api_ctx *api, const char *model, bool streamed,
                enum pull_dialect dialect)
{
    struct sy_err err;
    struct model_id id;
    sy_code rc = model_id_parse(model, &id, &err);
    if (rc == SY_OK && id.provider[0] && strcmp(id.provider, "hf") != 0)
        rc = sy_errp(&err, SY_EINVAL, "model",
                     "only Hugging Face Hub models can be pulled; '%s:' models are remote",
                     id.provider);
    if (rc == SY_OK)
        rc = hub_repo_check(id.name, &err);
    if (rc == SY_OK && atomic_fetch_add(&api->pulls, 1) >= SY_PULLS_MAX) {
        atomic_fetch_sub(&api->pulls, 1);
        rc = sy_errf(&err, SY_EBUSY, "%d pulls are running, the most at once; retry when one ends",
                     SY_PULLS_MAX);
        err.retry_after_s = 10;
    }
    if (rc != SY_OK) {
        if (dialect == PULL_OLLAMA)
            api_respond_error_ollama(ex, &err);
        else
            api_respond_error(ex, &err);
        return;
    }
    struct pull_job *j = calloc(1, sizeof *j);
    if (!j) {
        atomic_fetch_sub(&api->pulls, 1);
        api_respond_errorf(ex, SY_ENOMEM, NULL, "out of memory starting a pull");
        return;
    }
    pthread_mutex_init(&j->lock, NULL);
    j->refs = 1;
    j->api = api;
    j->id = id;
    j->dialect = dialect;
    j->stream = streamed;
    buf_init(&j->out, PULL_EVENTS_MAX);
    j->waker = http_defer(ex, &pull_ops, j);
    if (!j->waker) {
        atomic_fetch_sub(&api->pulls, 1);
        job_unref(j);
        api_respond_errorf(ex, SY_ENOMEM, NULL, "out of memory starting a pull");
        return;
    }
    /* From here the creator's reference is the exchange's (pull_closed). */
    j->refs++; /* the thread's */
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&thread, &attr, pull_main, j) != 0) {
        pthread_mutex_lock(&j->lock);
        j->refs--;
        j->finished = true;
        sy_errf(&j->err, SY_EIO, "cannot start a thread for the pull");
        pthread_mutex_unlock(&j->lock);
        atomic_fetch_sub(&api->pulls, 1);
        j->stream = false; /* answered as an error, not a stream */
    }
    pthread_attr_destroy(&attr);
}
