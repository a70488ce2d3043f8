/* media_server.c -- the loopback video and music upstream (see media_server.h).
 *
 * One libmicrohttpd thread per connection; the jobs, the request log and the
 * last request live under one mutex. The slow parts (drawing the frames of a
 * video, synthesising a tone) run outside it, on copies of what they need. */
#include "media_server.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loopback_daemon.h"
#include "mp4.h"
#include "wav_make.h"
#include "util/buf.h"

#define MEDIA_JOBS_MAX 64          /* live video jobs; one more is answered 429 */
#define MEDIA_LOG_MAX 100000       /* requests remembered for media_server_count */
#define MEDIA_BODY_MAX (16u << 20) /* a body: JSON, or a form with its files */
#define MEDIA_VIDEO_MAX (256u << 20)
#define MEDIA_SIDE_MAX 1920
#define MEDIA_SECONDS_MAX 60
#define MEDIA_FPS 4
#define MEDIA_RATE 16000           /* music: samples per second */

struct job {
    bool used;
    char id[32];
    char *model, *prompt;
    unsigned seconds, w, h;
    unsigned polls;                /* GETs of the job so far: its progress */
    json_int_t created_at, completed_at;
};

struct logged {
    char method[8];
    char *path;
};

struct media_server {
    struct MHD_Daemon *daemon;
    int port;
    pthread_mutex_t lock;
    unsigned requests;
    struct logged *log;
    size_t n_log, log_cap;
    json_t *last;                  /* the last POST's fields, or NULL */
    char last_path[256];
    char last_auth[256];
    struct job jobs[MEDIA_JOBS_MAX];
    unsigned next_id;
};

/* What one request brought. */
struct upload {
    struct sy_buf body;            /* as sent, a form too; up to MEDIA_BODY_MAX */
    struct MHD_PostProcessor *pp;  /* a form's reader, until the body is in */
    json_t *fields;                /* a form's fields, or NULL if it is no form */
    size_t form_bytes;
    bool too_big;
};

/* ---- answers ---------------------------------------------------------------------------- */

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, json_t *body)
{
    return loopback_answer_json(c, status, body);
}

/* OpenAI's error body. */
static enum MHD_Result openai_error(struct MHD_Connection *c, unsigned status,
                                    const char *type, const char *message)
{
    return answer(c, status, json_pack("{s:{s:s, s:s}}", "error", "message", message, "type",
                                       type));
}

static enum MHD_Result invalid(struct MHD_Connection *c, unsigned status, const char *message)
{
    return openai_error(c, status, "invalid_request_error", message);
}

/* Answers 200 with body's bytes, which it takes over. */
static enum MHD_Result answer_bytes(struct MHD_Connection *c, const char *type,
                                    struct sy_buf *body)
{
    size_t len = 0;
    char *data = buf_detach(body, &len);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result rc = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result answer_text(struct MHD_Connection *c, const char *type, const char *text)
{
    struct sy_buf b;
    buf_init(&b, 64);
    buf_append_str(&b, text, NULL);
    return answer_bytes(c, type, &b);
}

/* ---- videos: OpenAI's jobs -------------------------------------------------------------- */

/* Where a job is: it moves one step at each poll (GET), never by the clock. */
static const char *job_status(const struct job *j, unsigned *progress)
{
    *progress = 0;
    if (j->polls == 0)
        return "queued";
    *progress = 50;
    if (j->polls == 1 || strstr(j->prompt, "stall"))
        return "in_progress";
    if (strstr(j->prompt, "fail"))
        return "failed";
    *progress = 100;
    return "completed";
}

/* The video object. Call with the lock held. */
static json_t *job_json(const struct job *j)
{
    unsigned progress;
    const char *status = job_status(j, &progress);
    char seconds[16], size[32];
    snprintf(seconds, sizeof seconds, "%u", j->seconds);
    snprintf(size, sizeof size, "%ux%u", j->w, j->h);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:s, s:s, s:s}", "id", j->id,
                          "object", "video", "model", j->model, "status", status, "progress",
                          (int)progress, "created_at", j->created_at, "seconds", seconds,
                          "size", size, "prompt", j->prompt);
    if (strcmp(status, "completed") == 0)
        json_object_set_new(o, "completed_at", json_integer(j->completed_at));
    if (strcmp(status, "failed") == 0)
        json_object_set_new(o, "error", json_pack("{s:s, s:s}", "code", "moderation_blocked",
                                                  "message",
                                                  "the test upstream declines this video"));
    return o;
}

/* Call with the lock held. */
static struct job *job_find(struct media_server *ms, const char *id)
{
    for (size_t i = 0; i < MEDIA_JOBS_MAX; i++)
        if (ms->jobs[i].used && strcmp(ms->jobs[i].id, id) == 0)
            return &ms->jobs[i];
    return NULL;
}

static void job_forget(struct job *j)
{
    free(j->model);
    free(j->prompt);
    memset(j, 0, sizeof *j);
}

/* A whole number from lo to hi, all digits; *end gets what follows it. */
static bool parse_whole(const char *s, unsigned long lo, unsigned long hi, unsigned *out,
                        const char **end)
{
    if (!s || *s < '0' || *s > '9')
        return false;
    char *stop;
    unsigned long v = strtoul(s, &stop, 10);
    *end = stop;
    *out = (unsigned)v;
    return v >= lo && v <= hi;
}

/* seconds: "N" or N, 1..60; absent is 4. */
static bool parse_seconds(const json_t *v, unsigned *out)
{
    const char *end = "";
    *out = 4;
    if (!v)
        return true;
    if (json_is_integer(v)) {
        *out = (unsigned)json_integer_value(v);
        return json_integer_value(v) >= 1 && json_integer_value(v) <= MEDIA_SECONDS_MAX;
    }
    return parse_whole(json_string_value(v), 1, MEDIA_SECONDS_MAX, out, &end) && !*end;
}

/* size: "WxH", sides 1..1920; absent is 64x36. */
static bool parse_size(const json_t *v, unsigned *w, unsigned *h)
{
    const char *end = "";
    *w = 64;
    *h = 36;
    if (!v)
        return true;
    return parse_whole(json_string_value(v), 1, MEDIA_SIDE_MAX, w, &end) && *end == 'x' &&
           parse_whole(end + 1, 1, MEDIA_SIDE_MAX, h, &end) && !*end;
}

/* POST /v1/videos */
static enum MHD_Result video_create(struct media_server *ms, struct MHD_Connection *c,
                                    const json_t *req)
{
    const char *prompt = json_string_value(json_object_get(req, "prompt"));
    const char *model = json_string_value(json_object_get(req, "model"));
    unsigned seconds, w, h;
    if (!prompt || !*prompt)
        return invalid(c, 400, "Missing required parameter: 'prompt'.");
    if (strstr(prompt, "refuse"))
        return invalid(c, 400, "this prompt is refused by the test upstream");
    if (!parse_seconds(json_object_get(req, "seconds"), &seconds))
        return invalid(c, 400, "seconds must be a whole number from 1 to 60");
    if (!parse_size(json_object_get(req, "size"), &w, &h))
        return invalid(c, 400, "size must be WIDTHxHEIGHT, each side from 1 to 1920");
    pthread_mutex_lock(&ms->lock);
    struct job *j = NULL;
    for (size_t i = 0; i < MEDIA_JOBS_MAX && !j; i++)
        if (!ms->jobs[i].used)
            j = &ms->jobs[i];
    if (!j) {
        pthread_mutex_unlock(&ms->lock);
        return openai_error(c, 429, "rate_limit_error", "too many videos in progress");
    }
    j->model = strdup(model ? model : "sora-2");
    j->prompt = strdup(prompt);
    if (!j->model || !j->prompt) {
        job_forget(j);
        pthread_mutex_unlock(&ms->lock);
        return openai_error(c, 500, "server_error", "out of memory");
    }
    j->used = true;
    snprintf(j->id, sizeof j->id, "video_%u", ++ms->next_id);
    j->seconds = seconds;
    j->w = w;
    j->h = h;
    j->created_at = (json_int_t)time(NULL);
    json_t *o = job_json(j);
    pthread_mutex_unlock(&ms->lock);
    return answer(c, 200, o);
}

/* GET /v1/videos/{id}: one step further. */
static enum MHD_Result video_poll(struct media_server *ms, struct MHD_Connection *c,
                                  const char *id)
{
    pthread_mutex_lock(&ms->lock);
    struct job *j = job_find(ms, id);
    json_t *o = NULL;
    if (j && j->polls == 1 && strstr(j->prompt, "vanish")) { /* lost upstream */
        job_forget(j);
        j = NULL;
    }
    if (j) {
        if (j->polls < 2)
            j->polls++;
        unsigned progress;
        if (!j->completed_at && strcmp(job_status(j, &progress), "completed") == 0)
            j->completed_at = (json_int_t)time(NULL);
        o = job_json(j);
    }
    pthread_mutex_unlock(&ms->lock);
    return o ? answer(c, 200, o) : invalid(c, 404, "Video not found");
}

/* GET /v1/videos/{id}/content: the MP4, drawn now. */
static enum MHD_Result video_content(struct media_server *ms, struct MHD_Connection *c,
                                     const char *id)
{
    pthread_mutex_lock(&ms->lock);
    struct job *j = job_find(ms, id);
    unsigned progress = 0, w = 0, h = 0, seconds = 0, seed = 0;
    bool found = j != NULL, ready = j && strcmp(job_status(j, &progress), "completed") == 0;
    bool garbled = j && strstr(j->prompt, "garble");
    if (j) {
        w = j->w;
        h = j->h;
        seconds = j->seconds;
        seed = (unsigned)strlen(j->prompt);
    }
    pthread_mutex_unlock(&ms->lock);
    if (!found)
        return invalid(c, 404, "Video not found");
    if (!ready)
        return invalid(c, 400, "Video is not ready yet");
    if (garbled) /* the right type, the wrong bytes */
        return answer_text(c, "video/mp4", "not a video at all");
    struct sy_buf mp4;
    buf_init(&mp4, MEDIA_VIDEO_MAX);
    if (mp4_make(w, h, MEDIA_FPS, seconds * MEDIA_FPS, seed, &mp4) != 0) {
        buf_cleanup(&mp4);
        return openai_error(c, 500, "server_error", "the test upstream could not draw it");
    }
    return answer_bytes(c, "video/mp4", &mp4);
}

/* DELETE /v1/videos/{id} */
static enum MHD_Result video_delete(struct media_server *ms, struct MHD_Connection *c,
                                    const char *id)
{
    pthread_mutex_lock(&ms->lock);
    struct job *j = job_find(ms, id);
    json_t *o = NULL;
    if (j) {
        o = json_pack("{s:s, s:s, s:b}", "id", j->id, "object", "video.deleted", "deleted", 1);
        job_forget(j);
    }
    pthread_mutex_unlock(&ms->lock);
    return o ? answer(c, 200, o) : invalid(c, 404, "Video not found");
}

/* /v1/videos/{id}[/content] */
static enum MHD_Result video_route(struct media_server *ms, struct MHD_Connection *c,
                                   const char *method, const char *rest)
{
    char id[32];
    size_t n = strcspn(rest, "/");
    const char *tail = rest + n;
    if (n == 0 || n >= sizeof id)
        return invalid(c, 404, "Video not found");
    memcpy(id, rest, n);
    id[n] = '\0';
    if (strcmp(method, "GET") == 0 && !*tail)
        return video_poll(ms, c, id);
    if (strcmp(method, "GET") == 0 && strcmp(tail, "/content") == 0)
        return video_content(ms, c, id);
    if (strcmp(method, "DELETE") == 0 && !*tail)
        return video_delete(ms, c, id);
    return invalid(c, 404, "no such route");
}

/* ---- music: hf-inference's text-to-audio ------------------------------------------------ */

/* POST /hf-inference/models/{repo...}: {"inputs", "parameters": {"duration_s"}}. */
static enum MHD_Result music(struct MHD_Connection *c, const json_t *req)
{
    const char *text = json_string_value(json_object_get(req, "inputs"));
    const json_t *duration = json_object_get(json_object_get(req, "parameters"), "duration_s");
    if (!text)
        return answer(c, 400, json_pack("{s:s}", "error", "inputs must be a string"));
    if (strstr(text, "refuse"))
        return answer(c, 400, json_pack("{s:s}", "error", "Input validation error: `inputs` "
                                        "is refused by the test upstream"));
    double seconds = 1;
    if (duration) {
        seconds = json_number_value(duration);
        if (!json_is_number(duration) || seconds < 1 || seconds > 10)
            return answer(c, 400, json_pack("{s:s}", "error",
                                            "duration_s must be a number from 1 to 10"));
    }
    if (strstr(text, "garble"))
        return answer_text(c, "audio/wav", "not audio at all");
    struct sy_buf wav;
    buf_init(&wav, 1u << 20);
    double hz = 220 + 20 * (double)(strlen(text) % 20);
    if (wav_make_tone(hz, MEDIA_RATE, (long)(seconds * MEDIA_RATE + 0.5), &wav) != 0) {
        buf_cleanup(&wav);
        return answer(c, 500, json_pack("{s:s}", "error", "libsndfile failed"));
    }
    return answer_bytes(c, "audio/wav", &wav);
}

/* ---- HTTP ------------------------------------------------------------------------------- */

/* Form parts, from MHD's post processor: fields as strings, files as
 * {"filename", "content_type", "bytes"}; a value may come in pieces. */
static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *content_type,
                               const char *transfer_encoding, const char *data, uint64_t off,
                               size_t size)
{
    (void)kind;
    (void)transfer_encoding;
    struct upload *up = cls;
    up->form_bytes += size;
    if (up->form_bytes > MEDIA_BODY_MAX) {
        up->too_big = true;
        return MHD_NO;
    }
    json_t *had = json_object_get(up->fields, key);
    if (filename) {
        if (off == 0 || !json_is_object(had))
            json_object_set_new(up->fields, key,
                                json_pack("{s:s, s:s, s:I}", "filename", filename,
                                          "content_type", content_type ? content_type : "",
                                          "bytes", (json_int_t)size));
        else
            json_object_set_new(had, "bytes",
                                json_integer(json_integer_value(json_object_get(had, "bytes")) +
                                             (json_int_t)size));
        return MHD_YES;
    }
    size_t before = off && json_is_string(had) ? json_string_length(had) : 0;
    char *joined = malloc(before + size + 1);
    if (!joined)
        return MHD_NO;
    if (before)
        memcpy(joined, json_string_value(had), before);
    if (size)
        memcpy(joined + before, data, size);
    json_object_set_new(up->fields, key, json_stringn(joined, before + size));
    free(joined);
    return MHD_YES;
}

/* Keeps what a request brought: method and path, credentials, a POST's fields. */
static void record(struct media_server *ms, struct MHD_Connection *c, const char *method,
                   const char *url, json_t *fields)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    pthread_mutex_lock(&ms->lock);
    ms->requests++;
    if (ms->n_log == ms->log_cap && ms->log_cap < MEDIA_LOG_MAX) {
        size_t cap = ms->log_cap ? 2 * ms->log_cap : 64;
        if (cap > MEDIA_LOG_MAX)
            cap = MEDIA_LOG_MAX;
        struct logged *grown = realloc(ms->log, cap * sizeof *grown);
        if (grown) {
            ms->log = grown;
            ms->log_cap = cap;
        }
    }
    if (ms->n_log < ms->log_cap && (ms->log[ms->n_log].path = strdup(url))) {
        snprintf(ms->log[ms->n_log].method, sizeof ms->log[0].method, "%s", method);
        ms->n_log++;
    }
    if (strcmp(method, "POST") == 0) {
        json_decref(ms->last);
        ms->last = json_incref(fields);
    }
    snprintf(ms->last_path, sizeof ms->last_path, "%s", url);
    snprintf(ms->last_auth, sizeof ms->last_auth, "%s", auth ? auth : "");
    pthread_mutex_unlock(&ms->lock);
}

static enum MHD_Result route(struct media_server *ms, struct MHD_Connection *c,
                             const char *method, const char *url, const json_t *fields)
{
    bool post = strcmp(method, "POST") == 0;
    if (strcmp(method, "GET") == 0 && strcmp(url, "/v1/models") == 0)
        return answer(c, 200, json_pack("{s:s, s:[]}", "object", "list", "data"));
    if (post && strcmp(url, "/v1/videos") == 0)
        return video_create(ms, c, fields);
    if (strncmp(url, "/v1/videos/", 11) == 0)
        return video_route(ms, c, method, url + 11);
    if (post && strncmp(url, "/hf-inference/models/", 21) == 0 && url[21])
        return music(c, fields);
    return invalid(c, 404, "no such route");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **state)
{
    (void)version;
    struct media_server *ms = cls;
    struct upload *up = *state;
    if (!up) {
        if (!(up = calloc(1, sizeof *up)))
            return MHD_NO;
        buf_init(&up->body, MEDIA_BODY_MAX);
        /* NULL unless the body is a multipart or urlencoded form */
        if (strcmp(method, "POST") == 0 &&
            (up->pp = MHD_create_post_processor(c, 64 * 1024, on_part, up)))
            up->fields = json_object();
        *state = up;
        return MHD_YES;
    }
    if (*size) {
        if (buf_append(&up->body, data, *size, NULL) != SY_OK)
            up->too_big = true;
        else if (up->pp)
            MHD_post_process(up->pp, data, *size);
        *size = 0;
        return MHD_YES;
    }
    if (up->pp) { /* the last urlencoded value is delivered only now */
        MHD_destroy_post_processor(up->pp);
        up->pp = NULL;
    }
    /* JSON sent as a urlencoded form (curl -d) is still JSON */
    json_t *fields = NULL;
    if (strcmp(method, "POST") == 0)
        fields = json_loadb(up->body.data ? up->body.data : "", up->body.len, 0, NULL);
    if (!fields && up->fields)
        fields = json_incref(up->fields);
    record(ms, c, method, url, fields);
    enum MHD_Result rc = up->too_big ? invalid(c, 413, "the request body is too large")
                                     : route(ms, c, method, url, fields);
    json_decref(fields);
    return rc;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct upload *up = *state;
    if (up) {
        buf_cleanup(&up->body);
        if (up->pp)
            MHD_destroy_post_processor(up->pp);
        json_decref(up->fields);
        free(up);
    }
}

/* ---- the server ------------------------------------------------------------------------- */

struct media_server *media_server_start(void)
{
    struct media_server *ms = calloc(1, sizeof *ms);
    if (!ms)
        return NULL;
    pthread_mutex_init(&ms->lock, NULL);
    ms->daemon = loopback_daemon_start(on_request, ms, on_completed, &ms->port);
    if (!ms->daemon) {
        media_server_stop(ms);
        return NULL;
    }
    return ms;
}

void media_server_stop(struct media_server *ms)
{
    if (!ms)
        return;
    if (ms->daemon)
        MHD_stop_daemon(ms->daemon);
    for (size_t i = 0; i < MEDIA_JOBS_MAX; i++)
        job_forget(&ms->jobs[i]);
    for (size_t i = 0; i < ms->n_log; i++)
        free(ms->log[i].path);
    free(ms->log);
    json_decref(ms->last);
    pthread_mutex_destroy(&ms->lock);
    free(ms);
}

int media_server_port(const struct media_server *ms)
{
    return ms->port;
}

unsigned media_server_requests(struct media_server *ms)
{
    pthread_mutex_lock(&ms->lock);
    unsigned n = ms->requests;
    pthread_mutex_unlock(&ms->lock);
    return n;
}

unsigned media_server_count(struct media_server *ms, const char *method,
                            const char *path_prefix)
{
    size_t k = strlen(path_prefix);
    unsigned n = 0;
    pthread_mutex_lock(&ms->lock);
    for (size_t i = 0; i < ms->n_log; i++)
        if (strcmp(ms->log[i].method, method) == 0 &&
            strncmp(ms->log[i].path, path_prefix, k) == 0)
            n++;
    pthread_mutex_unlock(&ms->lock);
    return n;
}

json_t *media_server_last(struct media_server *ms)
{
    pthread_mutex_lock(&ms->lock);
    json_t *last = json_incref(ms->last);
    pthread_mutex_unlock(&ms->lock);
    return last;
}

void media_server_last_request(struct media_server *ms, char *path, size_t path_size,
                               char *auth, size_t auth_size)
{
    pthread_mutex_lock(&ms->lock);
    snprintf(path, path_size, "%s", ms->last_path);
    snprintf(auth, auth_size, "%s", ms->last_auth);
    pthread_mutex_unlock(&ms->lock);
}
