/* video_jobs.c -- OpenAI-style video jobs kept in memory. */
#include "api/video_jobs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "api/api_metrics.h"
#include "util/buf.h"
#include "util/limits.h"

struct video_job {
    struct video_jobs *store;
    int refs;                      /* the store's (while listed) and the sink's */
    bool listed;
    char id[40];                   /* "video_" and 32 hex digits */
    struct sy_request req;         /* owned: providers may read it while the job runs */
    char seconds[16], size[32];    /* as asked; "" not asked */
    int64_t created_at, completed_at, expires_at; /* Unix seconds; 0 not yet */
    char state[16];
    double progress;
    struct sy_err err;             /* a failed job's reason */
    struct sy_buf file;
    const char *type;              /* the file's media type, NULL until it came */
    bool done;                     /* DONE or ERROR came */
    struct router_job job;
    bool submitted;
};

struct video_jobs {
    struct router *router;
    struct api_metrics *metrics;   /* may be NULL */
    pthread_mutex_t lock;
    struct video_job *jobs[SY_VIDEO_JOBS_MAX]; /* oldest first */
    size_t n;
    size_t bytes;                  /* of the kept files */
};

static void job_unref_locked(struct video_job *j)
{
    if (--j->refs > 0)
        return;
    request_cleanup(&j->req);
    buf_cleanup(&j->file);
    free(j);
}

/* Takes a job off the list (the store's reference goes with it). */
static void forget_locked(struct video_jobs *vj, size_t i)
{
    struct video_job *j = vj->jobs[i];
    vj->bytes -= j->file.len;
    memmove(&vj->jobs[i], &vj->jobs[i + 1], (vj->n - i - 1) * sizeof vj->jobs[0]);
    vj->n--;
    j->listed = false;
    job_unref_locked(j);
}

/* Forgets finished jobs whose time is up. */
static void expire_locked(struct video_jobs *vj)
{
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; i < vj->n;) {
        if (vj->jobs[i]->expires_at && vj->jobs[i]->expires_at <= now)
            forget_locked(vj, i);
        else
            i++;
    }
}

static void fail_locked(struct video_job *j, const struct sy_err *e)
{
    snprintf(j->state, sizeof j->state, "failed");
    j->err = *e;
    j->done = true;
    j->expires_at = (int64_t)time(NULL) + SY_VIDEO_TTL_S;
}

/* ---- the sink: provider threads --------------------------------------------------------- */

static void on_event(void *ctx, const struct sy_event *ev)
{
    struct video_job *j = ctx;
    struct video_jobs *vj = j->store;
    struct sy_err e;
    pthread_mutex_lock(&vj->lock);
    switch (ev->type) {
    case SY_EVENT_PROGRESS:
        /* "completed" upstream still leaves the download to do */
        snprintf(j->state, sizeof j->state, "%s",
                 ev->len == 6 && memcmp(ev->text, "queued", 6) == 0 ? "queued" : "in_progress");
        j->progress = ev->progress;
        break;
    case SY_EVENT_MEDIA:
        if (!j->listed || j->type) /* deleted meanwhile; or a provider's second file */
            break;
        if (vj->bytes + ev->media_size > SY_VIDEO_STORE_MAX) {
            sy_errf(&e, SY_ETOOLARGE, "the server keeps at most %u MiB of videos; this one "
                    "(%zu bytes) does not fit: download and delete earlier ones",
                    SY_VIDEO_STORE_MAX >> 20, ev->media_size);
            fail_locked(j, &e);
            break;
        }
        buf_init(&j->file, ev->media_size);
        if (buf_append(&j->file, ev->media, ev->media_size, &e) != SY_OK) {
            fail_locked(j, &e);
            break;
        }
        vj->bytes += j->file.len;
        j->type = ev->media_type;
        break;
    case SY_EVENT_DONE:
        if (j->done)
            break;
        if (ev->finish != SY_FINISH_STOP || !j->type) {
            api_metrics_done(vj->metrics, j->req.model, NULL,
                             ev->finish == SY_FINISH_CANCELLED ? "cancelled" : "upstream_failed");
            sy_errf(&e, ev->finish == SY_FINISH_CANCELLED ? SY_ECANCELLED : SY_EUPSTREAM,
                    ev->finish == SY_FINISH_CANCELLED ? "the video job was cancelled"
                                                       : "the provider ended without a video");
            fail_locked(j, &e);
            break;
        }
        api_metrics_done(vj->metrics, j->req.model, &ev->usage, finish_name(ev->finish));
        snprintf(j->state, sizeof j->state, "completed");
        j->progress = 100;
        j->done = true;
        j->completed_at = (int64_t)time(NULL);
        j->expires_at = j->completed_at + SY_VIDEO_TTL_S;
        break;
    case SY_EVENT_ERROR:
        if (!j->done)
            fail_locked(j, ev->err);
        api_metrics_done(vj->metrics, j->req.model, NULL, sy_code_name(ev->err->code));
        break;
    default:
        break;
    }
    pthread_mutex_unlock(&vj->lock);
}

static void on_release(void *ctx)
{
    struct video_job *j = ctx;
    struct video_jobs *vj = j->store;
    pthread_mutex_lock(&vj->lock);
    if (!j->done) { /* released without an end: never ran */
        struct sy_err e;
        sy_errf(&e, SY_EUPSTREAM, "the video job ended without a word from its provider");
        fail_locked(j, &e);
    }
    job_unref_locked(j);
    pthread_mutex_unlock(&vj->lock);
}

/* ---- the store -------------------------------------------------------------------------- */

sy_code video_jobs_create(struct router *router, struct api_metrics *metrics,
                          struct video_jobs **out, struct sy_err *err)
{
    struct video_jobs *vj = calloc(1, sizeof *vj);
    if (!vj)
        return sy_errf(err, SY_ENOMEM, "out of memory creating the video store");
    vj->router = router;
    vj->metrics = metrics;
    pthread_mutex_init(&vj->lock, NULL);
    *out = vj;
    return SY_OK;
}

void video_jobs_destroy(struct video_jobs *vj)
{
    if (!vj)
        return;
    pthread_mutex_lock(&vj->lock);
    while (vj->n)
        forget_locked(vj, vj->n - 1);
    pthread_mutex_unlock(&vj->lock);
    pthread_mutex_destroy(&vj->lock);
    free(vj);
}

static json_t *int_or_null(int64_t v)
{
    return v ? json_integer(v) : json_null();
}

static json_t *object_locked(const struct video_job *j)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:o, s:o, s:s, s:o, s:o, s:n}", "id",
                          j->id, "object", "video", "model", j->req.model,
                          "status", j->state,
                          "progress", (int)j->progress, "created_at", (json_int_t)j->created_at,
                          "completed_at", int_or_null(j->completed_at), "expires_at",
                          int_or_null(j->expires_at), "prompt", j->req.prompt ? j->req.prompt : "",
                          "seconds", j->seconds[0] ? json_string(j->seconds) : json_null(),
                          "size", j->size[0] ? json_string(j->size) : json_null(),
                          "remixed_from_video_id");
    if (o && strcmp(j->state, "failed") == 0)
        json_object_set_new(o, "error", json_pack("{s:s, s:s}", "code",
                                                  sy_code_name(j->err.code), "message",
                                                  j->err.msg));
    else if (o)
        json_object_set_new(o, "error", json_null());
    return o;
}

static struct video_job *find_locked(struct video_jobs *vj, const char *id, size_t *at)
{
    for (size_t i = 0; i < vj->n; i++)
        if (strcmp(vj->jobs[i]->id, id) == 0) {
            if (at)
                *at = i;
            return vj->jobs[i];
        }
    return NULL;
}

static sy_code not_found(const char *id, struct sy_err *err)
{
    return sy_errp(err, SY_ENOTFOUND, "video_id", "no video '%.64s' here: it was deleted, it "
                   "expired (%d s after it finished), or it never was", id, SY_VIDEO_TTL_S);
}

sy_code video_jobs_start(struct video_jobs *vj, struct sy_request *req, const char *seconds,
                         const char *size, json_t **object, struct sy_err *err)
{
    struct video_job *j = calloc(1, sizeof *j);
    if (!j) {
        request_cleanup(req);
        return sy_errf(err, SY_ENOMEM, "out of memory starting a video");
    }
    unsigned char rnd[16];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        memset(rnd, 0, sizeof rnd);
    int w = snprintf(j->id, sizeof j->id, "video_");
    for (size_t i = 0; i < sizeof rnd; i++)
        w += snprintf(j->id + w, sizeof j->id - (size_t)w, "%02x", rnd[i]);
    j->store = vj;
    j->refs = 2; /* the store's and the sink's */
    j->req = *req; /* moved in */
    request_init(req);
    snprintf(j->seconds, sizeof j->seconds, "%s", seconds ? seconds : "");
    snprintf(j->size, sizeof j->size, "%s", size ? size : "");
    j->created_at = (int64_t)time(NULL);
    snprintf(j->state, sizeof j->state, "queued");
    buf_init(&j->file, 0);

    pthread_mutex_lock(&vj->lock);
    expire_locked(vj);
    bool full = vj->n == SY_VIDEO_JOBS_MAX;
    if (!full) {
        vj->jobs[vj->n++] = j;
        j->listed = true;
    }
    pthread_mutex_unlock(&vj->lock);
    if (full) {
        request_cleanup(&j->req);
        free(j);
        return sy_errf(err, SY_EBUSY, "the server keeps at most %d videos; delete finished ones "
                       "(DELETE /v1/videos/{id}) before starting more", SY_VIDEO_JOBS_MAX);
    }
    /* Submitted outside the lock: a provider may tell the sink at once. */
    struct sy_sink sink = {.emit = on_event, .release = on_release, .ctx = j};
    struct router_job job;
    sy_code rc = router_submit(vj->router, &j->req, sink, &job, NULL, err);
    pthread_mutex_lock(&vj->lock);
    size_t at;
    if (rc != SY_OK) { /* refused before anything began: it was never a job */
        if (find_locked(vj, j->id, &at))
            forget_locked(vj, at);
        pthread_mutex_unlock(&vj->lock);
        return rc;
    }
    j->job = job;
    j->submitted = true;
    *object = object_locked(j);
    pthread_mutex_unlock(&vj->lock);
    return *object ? SY_OK : sy_errf(err, SY_ENOMEM, "out of memory describing a video");
}

sy_code video_jobs_get(struct video_jobs *vj, const char *id, json_t **object,
                       struct sy_err *err)
{
    pthread_mutex_lock(&vj->lock);
    expire_locked(vj);
    const struct video_job *j = find_locked(vj, id, NULL);
    *object = j ? object_locked(j) : NULL;
    pthread_mutex_unlock(&vj->lock);
    if (!j)
        return not_found(id, err);
    return *object ? SY_OK : sy_errf(err, SY_ENOMEM, "out of memory describing a video");
}

sy_code video_jobs_content(struct video_jobs *vj, const char *id, void **data, size_t *len,
                           const char **type, struct sy_err *err)
{
    sy_code rc = SY_OK;
    pthread_mutex_lock(&vj->lock);
    expire_locked(vj);
    const struct video_job *j = find_locked(vj, id, NULL);
    if (!j)
        rc = not_found(id, err);
    else if (strcmp(j->state, "failed") == 0)
        rc = sy_errf(err, SY_EUPSTREAM, "video '%s' failed, so it has no content: %s", id,
                     j->err.msg);
    else if (strcmp(j->state, "completed") != 0)
        rc = sy_errp(err, SY_EINVAL, "video_id", "video '%s' is %s (%d%%); ask for its content "
                     "once its status is completed", id, j->state, (int)j->progress);
    else if (!(*data = malloc(j->file.len ? j->file.len : 1)))
        rc = sy_errf(err, SY_ENOMEM, "out of memory copying a video");
    if (rc == SY_OK) {
        memcpy(*data, j->file.data, j->file.len);
        *len = j->file.len;
        *type = j->type;
    }
    pthread_mutex_unlock(&vj->lock);
    return rc;
}

sy_code video_jobs_delete(struct video_jobs *vj, const char *id, struct sy_err *err)
{
    pthread_mutex_lock(&vj->lock);
    size_t at;
    struct video_job *j = find_locked(vj, id, &at);
    struct router_job job = {0};
    bool cancel = j && j->submitted && !j->done;
    if (cancel)
        job = j->job;
    if (j)
        forget_locked(vj, at);
    pthread_mutex_unlock(&vj->lock);
    if (!j)
        return not_found(id, err);
    if (cancel) /* its sink still holds the job until the provider lets go */
        router_cancel(vj->router, &job);
    return SY_OK;
}

json_t *video_jobs_list(struct video_jobs *vj, size_t limit, bool *more)
{
    json_t *data = json_array();
    pthread_mutex_lock(&vj->lock);
    expire_locked(vj);
    for (size_t i = vj->n; data && i > 0 && json_array_size(data) < limit; i--)
        json_array_append_new(data, object_locked(vj->jobs[i - 1]));
    *more = vj->n > limit;
    pthread_mutex_unlock(&vj->lock);
    return data;
}
