/* transcribe.c -- whisper.cpp's whisper_full() on one request's audio.
 *
 * whisper_full() blocks until the whole audio is done, so while it runs a
 * watcher thread owns the socket's reading side: it takes `cancel` and
 * `shutdown` frames (queueing the rest, link.h) and raises a flag that the
 * engine's abort callback reads between graph nodes. Segments go out from
 * whisper.cpp's new-segment callback as they are found; that thread writes
 * frames while the watcher reads, which a socket allows.
 *
 * What whisper.cpp finds is tidied before it leaves: segment text is cut of
 * its surrounding spaces and kept valid UTF-8 (a character split between
 * two segments is joined into the later one; a stray byte becomes U+FFFD);
 * times are clamped into the audio and kept in order (the model predicts
 * them, and may predict one past the end or before the last). */
#include "workers/whisper/transcribe.h"

#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <whisper.h>

#include "engines/frame.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/utf8.h"

#define SAMPLES_MAX ((size_t)WHISPER_RATE * 3600) /* an hour */
#define WATCH_INTERVAL_MS 50
#define PROMPT_MAX 4096

struct job {
    struct link *l;
    uint64_t id;
    double duration;        /* seconds of audio */
    double last_start;      /* of the last segment sent */
    struct utf8_stream utf8;
    struct sy_buf text;
    atomic_bool stop;        /* the watcher saw a cancel or a shutdown */
    atomic_bool send_failed; /* a segment could not be written: the supervisor is gone */
    atomic_bool finished;    /* whisper_full() returned: the watcher ends */
};

static atomic_bool stopping; /* should_abort() said yes during this request */

bool whisper_transcribe_stopping(void)
{
    return atomic_load(&stopping);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int num_languages(struct whisper_context *ctx)
{
    if (!whisper_is_multilingual(ctx))
        return 1;
    int n = whisper_model_n_vocab(ctx) - 51765 - 1;
    int max = whisper_lang_max_id() + 1;
    return n < 1 ? 1 : n > max ? max : n;
}

/* ---- while whisper_full() runs ---------------------------------------------------------- */

static void *watch(void *arg)
{
    struct job *j = arg;
    while (!atomic_load(&j->finished)) {
        struct pollfd p = {.fd = j->l->fd, .events = POLLIN};
        if (poll(&p, 1, WATCH_INTERVAL_MS) <= 0)
            continue;
        link_poll(j->l);
        if (j->l->cancelled || j->l->shutdown) {
            atomic_store(&j->stop, true);
            return NULL; /* nothing more to watch for */
        }
    }
    return NULL;
}

static bool should_abort(void *arg)
{
    struct job *j = arg;
    bool stop = atomic_load(&j->stop) || atomic_load(&j->send_failed);
    if (stop)
        atomic_store(&stopping, true);
    return stop;
}

static void trim(struct sy_buf *b, const char **start, size_t *len)
{
    const char *s = b->data ? b->data : "";
    size_t n = b->len;
    while (n && (*s == ' ' || *s == '\n' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t'))
        n--;
    *start = s;
    *len = n;
}

static void on_segments(struct whisper_context *ctx, struct whisper_state *state, int n_new,
                        void *arg)
{
    (void)ctx;
    struct job *j = arg;
    int n = whisper_full_n_segments_from_state(state);
    for (int i = n - n_new; i < n && !atomic_load(&j->send_failed); i++) {
        const char *raw = whisper_full_get_segment_text_from_state(state, i);
        buf_reset(&j->text);
        if (utf8_stream_feed(&j->utf8, raw, strlen(raw), &j->text, NULL) != SY_OK) {
            log_warn("segment %d is too long to send; skipped", i);
            continue;
        }
        const char *text;
        size_t len;
        trim(&j->text, &text, &len);
        if (!len)
            continue;
        /* whisper.cpp counts time in centiseconds. */
        double start = (double)whisper_full_get_segment_t0_from_state(state, i) / 100.0;
        double end = (double)whisper_full_get_segment_t1_from_state(state, i) / 100.0;
        start = fmin(fmax(start, j->last_start), j->duration);
        end = fmin(fmax(end, start), j->duration);
        j->last_start = start;
        json_t *frame = json_pack("{s:s, s:I, s:s%, s:f, s:f}", "type", "segment", "id",
                                  (json_int_t)j->id, "text", text, len, "start", start, "end",
                                  end);
        if (!frame || frame_write_json(j->l->fd, frame, NULL) != SY_OK)
            atomic_store(&j->send_failed, true);
        json_decref(frame);
    }
}

/* ---- one request ------------------------------------------------------------------------ */

/* Checks the request's language against the model. *code gets whisper's
 * code ("en" for "en-US"), "auto" to detect. Returns false after an error. */
static bool pick_language(struct whisper_context *ctx, struct link *l, uint64_t id,
                          const char *asked, char *code, size_t size)
{
    bool multi = whisper_is_multilingual(ctx);
    if (!asked || !asked[0]) {
        snprintf(code, size, "%s", multi ? "auto" : "en");
        return true;
    }
    size_t n = strcspn(asked, "-_");
    snprintf(code, size, "%.*s", (int)n, asked);
    for (char *c = code; *c; c++)
        *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    int lang = whisper_lang_id(code);
    if (multi ? lang < 0 || lang >= num_languages(ctx) : strcmp(code, "en") != 0)
        return link_error(l, id, "invalid_request",
                          multi ? "this whisper model does not know the language '%s'"
                                : "this whisper model is English-only; it cannot hear '%s'",
                          asked),
               false;
    return true;
}

static bool send_done(struct link *l, uint64_t id, const char *finish, double audio_s, double ms,
                      const char *language)
{
    json_t *f = json_pack("{s:s, s:I, s:s, s:f, s:f}", "type", "done", "id", (json_int_t)id,
                          "finish_reason", finish, "audio_seconds", audio_s, "decode_ms", ms);
    if (f && language)
        json_object_set_new(f, "language", json_string(language));
    return link_send(l, f);
}

/* Runs whisper_full() on x with the request's options. Returns its result. */
static int run(struct whisper_context *ctx, int n_threads, struct job *j, const json_t *req,
               const char *language, const float *x, size_t n)
{
    struct whisper_full_params p = whisper_full_default_params(WHISPER_SAMPLING_GREEDY);
    p.n_threads = n_threads;
    p.print_progress = false;
    p.print_realtime = false;
    p.print_timestamps = false;
    p.print_special = false;
    p.language = language;
    p.translate = json_is_true(json_object_get(req, "translate"));
    const char *prompt = json_string_value(json_object_get(req, "prompt"));
    if (prompt && prompt[0])
        p.initial_prompt = prompt;
    /* As OpenAI's: 0 (the default) starts greedy and raises the temperature
     * when the text looks wrong; a temperature asked for is used as is. */
    double t = json_number_value(json_object_get(req, "temperature"));
    if (t > 0) {
        p.temperature = (float)t;
        p.temperature_inc = 0.0f;
    }
    p.new_segment_callback = on_segments;
    p.new_segment_callback_user_data = j;
    p.abort_callback = should_abort;
    p.abort_callback_user_data = j;

    pthread_t watcher;
    bool watching = pthread_create(&watcher, NULL, watch, j) == 0;
    if (!watching)
        log_warn("cannot start the cancel watcher; this request cannot be cancelled");
    int rc = whisper_full(ctx, p, x, (int)n);
    atomic_store(&j->finished, true);
    if (watching)
        pthread_join(watcher, NULL);
    return rc;
}

bool whisper_transcribe(struct whisper_context *ctx, int n_threads, struct link *l,
                        const json_t *req)
{
    uint64_t id = (uint64_t)json_integer_value(json_object_get(req, "id"));
    struct sy_buf pcm;
    size_t want = 0;
    int got = link_transcribe_audio(l, req, SAMPLES_MAX, &pcm, &want);
    if (got != 1) {
        buf_cleanup(&pcm);
        return got == 0;
    }
    const json_t *prompt = json_object_get(req, "prompt");
    const json_t *temp = json_object_get(req, "temperature");
    char language[16];
    bool ok = true;
    if (json_is_true(json_object_get(req, "cancelled")))
        ok = send_done(l, id, "cancelled", 0.0, 0.0, NULL);
    else if (json_integer_value(json_object_get(req, "sample_rate")) != WHISPER_RATE)
        ok = link_error(l, id, "invalid_request", "'sample_rate' must be %d", WHISPER_RATE);
    else if (prompt && (!json_is_string(prompt) || json_string_length(prompt) > PROMPT_MAX))
        ok = link_error(l, id, "invalid_request", "'prompt' must be a string of at most %d bytes",
                        PROMPT_MAX);
    else if (temp && (!json_is_number(temp) || json_number_value(temp) < 0 ||
                      json_number_value(temp) > 1))
        ok = link_error(l, id, "invalid_request", "'temperature' must be a number from 0 to 1");
    else if (json_object_get(req, "phrases"))
        ok = link_error(l, id, "invalid_request",
                        "whisper models cannot be limited to phrases; give a 'prompt' instead");
    else if (!pick_language(ctx, l, id, json_string_value(json_object_get(req, "language")),
                            language, sizeof language))
        ok = !l->broken;
    else
        goto decode;
    buf_cleanup(&pcm);
    return ok;

decode:;
    float *x = malloc(want * sizeof *x);
    if (!x) {
        buf_cleanup(&pcm);
        return link_error(l, id, "engine_failed", "out of memory for %zu samples", want);
    }
    const int16_t *s = (const int16_t *)(const void *)pcm.data;
    for (size_t i = 0; i < want; i++)
        x[i] = (float)s[i] / 32768.0f;
    buf_cleanup(&pcm);

    struct job j = {.l = l, .id = id, .duration = (double)want / WHISPER_RATE};
    utf8_stream_init(&j.utf8);
    buf_init(&j.text, 1u << 20);
    l->current = id;
    l->cancelled = false;
    atomic_store(&stopping, false);
    ok = link_send(l, json_pack("{s:s, s:I}", "type", "started", "id", (json_int_t)id));
    double t0 = now_ms();
    int rc = ok ? run(ctx, n_threads, &j, req, language, x, want) : 0;
    double ms = now_ms() - t0;
    free(x);
    buf_cleanup(&j.text);
    l->current = 0;
    bool stopped = atomic_load(&j.stop);
    if (!ok || atomic_load(&j.send_failed) || l->broken)
        return false;
    if (rc != 0 && !stopped)
        return link_error(l, id, "engine_failed", "whisper.cpp failed to transcribe (code %d)",
                          rc);
    int lang = whisper_full_lang_id(ctx);
    return send_done(l, id, stopped ? "cancelled" : "stop", j.duration, ms,
                     lang >= 0 ? whisper_lang_str(lang) : "en");
}
