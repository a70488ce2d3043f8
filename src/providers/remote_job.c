/* remote_job.c -- a long job on an OpenAI-compatible upstream. A video is
 * made by POST /videos, which answers with a job ({"id", "status",
 * "progress"}); GET /videos/{id} is asked every poll_interval_ms until the
 * job is "completed" or "failed"; GET /videos/{id}/content is the file.
 * Each step is one request on the transfer's own handle; between them the
 * transfer waits on the provider's list, so no thread sleeps on a job. Its
 * state reaches the sink as PROGRESS events; its end is the file
 * (remote_answer.c reads it) or an ERROR. A cancelled job is no longer asked
 * after: OpenAI's API cannot stop a job once begun, so it ends there alone. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "providers/remote.h"
#include "providers/upstream_http.h"

static void add_ms(struct timespec *ts, long ms)
{
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

long remote_ms_until(const struct timespec *ts)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (long)(ts->tv_sec - now.tv_sec) * 1000 + (ts->tv_nsec - now.tv_nsec) / 1000000L;
    return ms > 0 ? ms : 0;
}

void remote_job_begin(struct transfer *t)
{
    t->step = JOB_CREATE;
    clock_gettime(CLOCK_MONOTONIC, &t->deadline);
    add_ms(&t->deadline, (long)t->p->cfg.job_timeout_s * 1000);
}

/* The upstream's job id goes into our URLs: a plain name only. */
static bool job_id_ok(const char *id)
{
    size_t n = strlen(id);
    return n > 0 && n < sizeof ((struct transfer *)0)->job_id &&
           strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == n &&
           strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}

/* Reads a job answer: its id (from the create), state and progress, told to
 * the sink when they change. Sets *completed; a failed job is an error with
 * the upstream's words. */
static sy_code read_job(struct transfer *t, bool *completed, struct sy_err *err)
{
    const char *name = t->p->cfg.name;
    json_t *j = json_loadb(t->whole.data ? t->whole.data : "", t->whole.len, 0, NULL);
    sy_code rc = SY_OK;
    const char *id = json_string_value(json_object_get(j, "id"));
    const char *state = json_string_value(json_object_get(j, "status"));
    if (!j)
        rc = sy_errf(err, SY_EUPSTREAM, "provider '%s' answered about a video job with "
                     "something that is not JSON", name);
    else if (t->step == JOB_CREATE && (!id || !job_id_ok(id)))
        rc = sy_errf(err, SY_EUPSTREAM, "provider '%s' started a video job without an id that "
                     "is a plain name", name);
    else if (!state)
        rc = sy_errf(err, SY_EUPSTREAM, "provider '%s' told of video job '%s' without its "
                     "status", name, id ? id : t->job_id);
    if (rc == SY_OK && t->step == JOB_CREATE)
        snprintf(t->job_id, sizeof t->job_id, "%s", id);
    if (rc == SY_OK && strcmp(state, "failed") == 0) {
        const json_t *e = json_object_get(j, "error");
        const char *code = json_string_value(json_object_get(e, "code"));
        const char *msg = json_string_value(json_object_get(e, "message"));
        rc = sy_errf(err, SY_EUPSTREAM, "provider '%s' could not make the video (job %s): "
                     "%s%s%s%s", name, t->job_id, msg ? msg : "it gave no reason",
                     code ? " (" : "", code ? code : "", code ? ")" : "");
    } else if (rc == SY_OK && strcmp(state, "queued") != 0 &&
               strcmp(state, "in_progress") != 0 && strcmp(state, "completed") != 0) {
        rc = sy_errf(err, SY_EUPSTREAM, "provider '%s' ended video job '%s' as '%.32s', "
                     "without a video", name, t->job_id, state);
    }
    if (rc == SY_OK) {
        double progress = json_number_value(json_object_get(j, "progress"));
        progress = progress < 0 ? 0 : progress > 100 ? 100 : progress;
        *completed = strcmp(state, "completed") == 0;
        remote_emit_start(t);
        if (strcmp(state, t->job_state) != 0 || progress != t->job_progress) {
            snprintf(t->job_state, sizeof t->job_state, "%s", state);
            t->job_progress = progress;
            struct sy_event ev = {.type = SY_EVENT_PROGRESS, .progress = progress,
                                  .text = t->job_state, .len = strlen(t->job_state)};
            t->sink.emit(t->sink.ctx, &ev);
        }
    }
    json_decref(j);
    return rc;
}

/* Sets up GET {base}/videos/{id}{tail} on t's handle, due in delay_ms; the
 * create's form and the last answer are done with. */
static sy_code next_request(struct transfer *t, const char *tail, long delay_ms,
                            struct sy_err *err)
{
    char url[SY_UPSTREAM_URL_MAX];
    int w = snprintf(url, sizeof url, "%s/videos/%s%s", t->p->cfg.base_url, t->job_id, tail);
    if (w < 0 || (size_t)w >= sizeof url)
        return sy_errf(err, SY_EUPSTREAM, "provider '%s''s video job id makes a URL too long",
                       t->p->cfg.name);
    if (tail[0]) { /* the file: the key, and any type of video */
        struct curl_slist *headers = NULL;
        for (const struct curl_slist *h = t->p->auth; h; h = h->next)
            headers = curl_slist_append(headers, h->data);
        headers = curl_slist_append(headers, "Accept: video/*, application/octet-stream");
        if (!headers)
            return sy_errf(err, SY_ENOMEM, "out of memory asking for a video");
        curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, headers);
        curl_slist_free_all(t->headers);
        t->headers = headers;
    }
    curl_easy_setopt(t->easy, CURLOPT_URL, url);
    curl_easy_setopt(t->easy, CURLOPT_MIMEPOST, NULL);
    curl_easy_setopt(t->easy, CURLOPT_HTTPGET, 1L);
    curl_mime_free(t->form);
    t->form = NULL;
    t->status = 0;
    t->received = 0;
    buf_reset(&t->whole);
    clock_gettime(CLOCK_MONOTONIC, &t->due);
    add_ms(&t->due, delay_ms);
    return SY_OK;
}

bool remote_job_next(struct transfer *t, CURLcode cc)
{
    if (atomic_load(&t->cancel) || t->failed || cc != CURLE_OK || t->step == JOB_CONTENT)
        return false;
    if (!t->status)
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->status);
    if (t->status != 200)
        return false; /* the upstream's error, as remote_transfer_finish tells it */
    struct sy_err e;
    bool completed = false;
    sy_code rc = read_job(t, &completed, &e);
    long left = remote_ms_until(&t->deadline);
    if (rc == SY_OK && !completed && left == 0)
        rc = sy_errf(&e, SY_ETIMEOUT, "provider '%s' did not finish video job '%s' within "
                     "%u s (its job_timeout)", t->p->cfg.name, t->job_id,
                     t->p->cfg.job_timeout_s);
    long interval = (long)t->p->cfg.poll_interval_ms;
    if (rc == SY_OK && completed) {
        rc = next_request(t, "/content", 0, &e);
        /* the file may be larger than any JSON answer */
        buf_cleanup(&t->whole);
        buf_init(&t->whole, SY_UPSTREAM_MEDIA_MAX);
        t->answer_max = SY_UPSTREAM_MEDIA_MAX;
    } else if (rc == SY_OK) {
        rc = next_request(t, "", interval < left ? interval : left, &e);
    }
    if (rc != SY_OK) {
        remote_emit_error(t, &e);
        return false;
    }
    t->step = completed ? JOB_CONTENT : JOB_POLL;
    return true;
}
