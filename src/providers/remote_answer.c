/* remote_answer.c -- reading an upstream's answer into events: OpenAI's
 * event streams and JSON, Ollama's NDJSON, raw PCM speech, transcripts,
 * embeddings and pictures; errors keep the upstream's meaning. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "providers/remote.h"
#include "providers/upstream_http.h"
#include "util/base64.h"
#include "util/media_type.h"
#include "util/picture.h"

/* ---- generation ------------------------------------------------------------------------ */

void remote_emit_start(struct transfer *t)
{
    if (t->started)
        return;
    t->started = true;
    struct sy_event ev = {.type = SY_EVENT_START, .usage = t->usage};
    t->sink.emit(t->sink.ctx, &ev);
}

static void emit_text(struct transfer *t, const char *text, size_t len)
{
    remote_emit_start(t);
    if (!len)
        return;
    if (!t->first.tv_sec && !t->first.tv_nsec)
        clock_gettime(CLOCK_MONOTONIC, &t->first);
    struct sy_event ev = {.type = SY_EVENT_TOKEN, .text = text, .len = len};
    t->sink.emit(t->sink.ctx, &ev);
}

void remote_emit_error(struct transfer *t, const struct sy_err *e)
{
    if (t->failed)
        return;
    t->failed = true;
    struct sy_event ev = {.type = SY_EVENT_ERROR, .err = e};
    t->sink.emit(t->sink.ctx, &ev);
}

static void read_usage(struct transfer *t, const json_t *usage)
{
    if (!json_is_object(usage))
        return;
    t->usage.prompt_tokens = (long)json_integer_value(json_object_get(usage, "prompt_tokens"));
    t->usage.completion_tokens =
        (long)json_integer_value(json_object_get(usage, "completion_tokens"));
    json_int_t cached = json_integer_value(
        json_object_get(json_object_get(usage, "prompt_tokens_details"), "cached_tokens"));
    t->usage.cached_tokens = (long)cached;
}

static void read_finish(struct transfer *t, const json_t *choice)
{
    const char *f = json_string_value(json_object_get(choice, "finish_reason"));
    if (!f)
        return;
    t->finished = true;
    t->finish = strcmp(f, "length") == 0 ? SY_FINISH_LENGTH : SY_FINISH_STOP;
}

/* One chunk of the answer (streamed) or the whole answer: its text, finish
 * reason and usage. */
static sy_code on_chunk(struct transfer *t, const json_t *j, struct sy_err *err)
{
    const json_t *e = json_object_get(j, "error");
    if (e) {
        char msg[SY_ERR_MSG_MAX / 2];
        char *text = json_dumps(j, JSON_COMPACT);
        upstream_message(text, text ? strlen(text) : 0, msg, sizeof msg);
        free(text);
        return sy_errf(err, SY_EUPSTREAM, "provider '%s' failed mid-answer: %s", t->p->cfg.name,
                       msg);
    }
    const json_t *choice = json_array_get(json_object_get(j, "choices"), 0);
    const json_t *delta = json_object_get(choice, "delta");
    const json_t *message = json_object_get(choice, "message");
    const json_t *text = delta     ? json_object_get(delta, "content")
                         : message ? json_object_get(message, "content")
                                   : json_object_get(choice, "text");
    if (json_is_string(text))
        emit_text(t, json_string_value(text), json_string_length(text));
    else if (choice)
        remote_emit_start(t);
    read_finish(t, choice);
    read_usage(t, json_object_get(j, "usage"));
    return SY_OK;
}

static sy_code on_event(void *ctx, const char *data, size_t len)
{
    struct transfer *t = ctx;
    if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
        t->finished = true;
        return SY_OK;
    }
    struct sy_err e;
    json_error_t jerr;
    /* Generated text may hold U+0000 (a byte-fallback token): the text path
     * carries lengths, so it arrives whole. */
    json_t *j = json_loadb(data, len, JSON_ALLOW_NUL, &jerr);
    sy_code rc = j ? on_chunk(t, j, &e)
                   : sy_errf(&e, SY_EUPSTREAM, "provider '%s' sent an event that is not JSON: %s",
                             t->p->cfg.name, jerr.text);
    json_decref(j);
    if (rc != SY_OK)
        remote_emit_error(t, &e);
    return rc;
}

/* One chunk of an Ollama answer: {"message": {"content"}} (chat) or
 * {"response"} (generate), the last with "done": true, its reason and counts. */
static sy_code on_ollama_chunk(struct transfer *t, const json_t *j, struct sy_err *err)
{
    const char *failure = json_string_value(json_object_get(j, "error"));
    if (failure)
        return sy_errf(err, SY_EUPSTREAM, "provider '%s' failed mid-answer: %s", t->p->cfg.name,
                       failure);
    const json_t *text = json_object_get(json_object_get(j, "message"), "content");
    if (!text)
        text = json_object_get(j, "response");
    if (json_is_string(text))
        emit_text(t, json_string_value(text), json_string_length(text));
    if (json_is_true(json_object_get(j, "done"))) {
        const char *why = json_string_value(json_object_get(j, "done_reason"));
        t->finished = true;
        t->finish = why && strcmp(why, "length") == 0 ? SY_FINISH_LENGTH : SY_FINISH_STOP;
        t->usage.prompt_tokens = (long)json_integer_value(json_object_get(j, "prompt_eval_count"));
        t->usage.completion_tokens = (long)json_integer_value(json_object_get(j, "eval_count"));
    }
    return SY_OK;
}

/* Feeds NDJSON bytes: every complete line is a chunk; the rest waits in
 * t->whole (bounded by its limit). */
static sy_code ndjson_push(struct transfer *t, const char *p, size_t n)
{
    struct sy_err e;
    sy_code rc = buf_append(&t->whole, p, n, &e);
    char *nl;
    while (rc == SY_OK && t->whole.len && (nl = memchr(t->whole.data, '\n', t->whole.len))) {
        size_t line = (size_t)(nl - t->whole.data);
        json_error_t jerr;
        json_t *j = line ? json_loadb(t->whole.data, line, JSON_ALLOW_NUL, &jerr) : NULL;
        if (line && !j)
            rc = sy_errf(&e, SY_EUPSTREAM, "provider '%s' sent a line that is not JSON: %s",
                         t->p->cfg.name, jerr.text);
        else if (j)
            rc = on_ollama_chunk(t, j, &e);
        json_decref(j);
        buf_consume(&t->whole, line + 1);
    }
    if (rc != SY_OK)
        remote_emit_error(t, &e);
    return rc;
}

/* Raw 16-bit little-endian PCM as it arrives, as AUDIO events; an odd byte
 * waits for the rest of its sample. */
static void emit_pcm(struct transfer *t, const char *p, size_t n)
{
    int16_t samples[4096];
    while (n) {
        size_t k = 0;
        if (t->has_odd_byte) {
            samples[k++] = (int16_t)(t->odd_byte | (unsigned)(unsigned char)p[0] << 8);
            t->has_odd_byte = false;
            p++;
            n--;
        }
        for (; k < sizeof samples / sizeof samples[0] && n >= 2; p += 2, n -= 2)
            samples[k++] = (int16_t)((unsigned char)p[0] | (unsigned)(unsigned char)p[1] << 8);
        if (n == 1 && k < sizeof samples / sizeof samples[0]) {
            t->odd_byte = (unsigned char)p[0];
            t->has_odd_byte = true;
            n = 0;
        }
        if (!k)
            continue;
        remote_emit_start(t);
        if (!t->first.tv_sec && !t->first.tv_nsec)
            clock_gettime(CLOCK_MONOTONIC, &t->first);
        t->usage.audio_seconds += (double)k / SY_UPSTREAM_PCM_RATE;
        struct sy_event ev = {.type = SY_EVENT_AUDIO, .pcm = samples, .n_samples = k,
                              .sample_rate = SY_UPSTREAM_PCM_RATE};
        t->sink.emit(t->sink.ctx, &ev);
    }
}

size_t remote_on_answer(char *ptr, size_t size, size_t n, void *ctx)
{
    struct transfer *t = ctx;
    size_t len = size * n;
    if (atomic_load(&t->cancel) || t->failed)
        return 0;
    if (!t->status) {
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->status);
        const char *type = NULL;
        curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &type);
        t->sse = t->status == 200 && type && strncmp(type, "text/event-stream", 17) == 0;
    }
    t->received += len;
    if (t->received > t->answer_max) {
        struct sy_err e;
        sy_errf(&e, SY_EUPSTREAM, "provider '%s' sent an answer larger than %zu bytes",
                t->p->cfg.name, t->answer_max);
        remote_emit_error(t, &e);
        return 0;
    }
    if (t->speech && t->status == 200) {
        emit_pcm(t, ptr, len);
        return len;
    }
    if (t->p->dialect == UPSTREAM_OLLAMA && t->status == 200 && !t->embed && !t->image)
        return ndjson_push(t, ptr, len) == SY_OK ? len : 0;
    if (t->sse) {
        struct sy_err e;
        sy_code rc = sse_reader_push(&t->reader, ptr, len, on_event, t, &e);
        if (rc != SY_OK && !t->failed)
            remote_emit_error(t, &e);
        return rc == SY_OK ? len : 0;
    }
    /* Not a stream: an error body or a whole JSON answer, read at the end. */
    return buf_append(&t->whole, ptr, len, NULL) == SY_OK ? len : 0;
}

/* Emits one upstream vector (a JSON array of numbers) as an EMBEDDING event. */
static sy_code emit_vector(struct transfer *t, size_t index, const json_t *v, struct sy_err *err)
{
    size_t dim = json_array_size(v);
    if (!json_is_array(v) || dim == 0 || dim > 65536)
        return sy_errf(err, SY_EUPSTREAM, "provider '%s' sent embedding %zu as something other "
                       "than a list of numbers", t->p->cfg.name, index);
    float *floats = malloc(dim * sizeof *floats);
    if (!floats)
        return sy_errf(err, SY_ENOMEM, "out of memory reading an embedding");
    for (size_t d = 0; d < dim; d++) {
        const json_t *x = json_array_get(v, d);
        if (!json_is_number(x)) {
            free(floats);
            return sy_errf(err, SY_EUPSTREAM, "provider '%s' sent embedding %zu with a value "
                           "that is not a number", t->p->cfg.name, index);
        }
        floats[d] = (float)json_number_value(x);
    }
    remote_emit_start(t);
    struct sy_event ev = {.type = SY_EVENT_EMBEDDING, .vector = floats, .dim = dim,
                          .index = index};
    t->sink.emit(t->sink.ctx, &ev);
    free(floats);
    return SY_OK;
}

/* A whole embeddings answer: OpenAI's {"data": [{"index", "embedding"}],
 * "usage"}, Ollama's {"embeddings": [[...]], "prompt_eval_count"} or
 * hf-inference's [[...]]; one vector per input, in order. */
static sy_code on_embeddings(struct transfer *t, const json_t *j, struct sy_err *err)
{
    size_t n_inputs = t->n_inputs;
    enum upstream_dialect d = t->p->dialect;
    bool by_order = d != UPSTREAM_OPENAI; /* a bare list of vectors */
    const json_t *list = d == UPSTREAM_HF       ? j
                         : d == UPSTREAM_OLLAMA ? json_object_get(j, "embeddings")
                                                : json_object_get(j, "data");
    if (!json_is_array(list) || json_array_size(list) != n_inputs)
        return sy_errf(err, SY_EUPSTREAM, "provider '%s' sent %zu embeddings for %zu inputs",
                       t->p->cfg.name, json_array_size(list), n_inputs);
    t->usage.prompt_tokens =
        d == UPSTREAM_OLLAMA ? (long)json_integer_value(json_object_get(j, "prompt_eval_count"))
                             : (long)json_integer_value(
                                   json_object_get(json_object_get(j, "usage"), "prompt_tokens"));
    for (size_t i = 0; i < n_inputs; i++) {
        const json_t *v = by_order ? json_array_get(list, i) : NULL;
        /* OpenAI's entries name their input by index; find input i's. */
        for (size_t k = 0; !by_order && k < n_inputs; k++) {
            const json_t *item = json_array_get(list, k);
            const json_t *index = json_object_get(item, "index");
            if (json_is_integer(index) && json_integer_value(index) == (json_int_t)i)
                v = json_object_get(item, "embedding");
        }
        if (!v)
            return sy_errf(err, SY_EUPSTREAM, "provider '%s' sent no embedding for input %zu",
                           t->p->cfg.name, i);
        sy_code rc = emit_vector(t, i, v, err);
        if (rc != SY_OK)
            return rc;
    }
    t->finished = true;
    t->finish = SY_FINISH_STOP;
    return SY_OK;
}

/* A whole images answer, OpenAI's {"data": [{"b64_json"}]}: each picture
 * decoded and emitted. A URL instead of the bytes is refused, not fetched:
 * where it points is the upstream's to say, and this server fetches only
 * configured addresses. */
static sy_code on_images(struct transfer *t, const json_t *j, struct sy_err *err)
{
    const json_t *data = json_object_get(j, "data");
    size_t n = json_array_size(data);
    if (n == 0 || n > SY_IMAGES_MAX)
        return sy_errf(err, SY_EUPSTREAM, "provider '%s' sent %zu pictures where 1 to %u were "
                       "asked for", t->p->cfg.name, n, t->n_images);
    struct sy_buf bytes;
    buf_init(&bytes, SY_UPSTREAM_ANSWER_MAX);
    sy_code rc = SY_OK;
    for (size_t i = 0; i < n && rc == SY_OK; i++) {
        const json_t *item = json_array_get(data, i);
        const json_t *b64 = json_object_get(item, "b64_json");
        buf_reset(&bytes);
        if (!json_is_string(b64)) {
            rc = sy_errf(err, SY_EUPSTREAM, "provider '%s' sent picture %zu %s", t->p->cfg.name,
                         i, json_object_get(item, "url")
                                ? "as a URL although b64_json was asked for; it is not fetched"
                                : "without its bytes (b64_json)");
            break;
        }
        rc = base64_decode(json_string_value(b64), json_string_length(b64), &bytes, err);
        const char *type = rc == SY_OK ? picture_type((const unsigned char *)bytes.data,
                                                      bytes.len)
                                       : NULL;
        if (rc != SY_OK || !type) {
            rc = sy_errf(err, SY_EUPSTREAM, "provider '%s' sent picture %zu as something other "
                         "than base64 of a PNG, JPEG or WebP file", t->p->cfg.name, i);
            break;
        }
        remote_emit_start(t);
        struct sy_event ev = {.type = SY_EVENT_IMAGE, .image = bytes.data,
                              .image_size = bytes.len, .image_type = type};
        t->sink.emit(t->sink.ctx, &ev);
    }
    buf_cleanup(&bytes);
    if (rc == SY_OK) {
        t->finished = true;
        t->finish = SY_FINISH_STOP;
    }
    return rc;
}

/* Reads the whole answer t collected with read; an answer that is not JSON
 * fails with "provider 'x' answered <what>". */
static void read_whole(struct transfer *t,
                       sy_code (*read)(struct transfer *t, const json_t *j, struct sy_err *err),
                       const char *what)
{
    struct sy_err e;
    json_t *j = json_loadb(t->whole.data ? t->whole.data : "", t->whole.len, JSON_ALLOW_NUL, NULL);
    if (!j)
        sy_errf(&e, SY_EUPSTREAM, "provider '%s' answered %s", t->p->cfg.name, what);
    if (!j || read(t, j, &e) != SY_OK)
        remote_emit_error(t, &e);
    json_decref(j);
}

/* A verbose_json transcript ({"text", "language", "segments": [{"start",
 * "end", "text"}]}) as SEGMENT events; a plain json one ({"text"}) is one
 * segment over all the audio. */
static sy_code on_transcript(struct transfer *t, const json_t *j, struct sy_err *err)
{
    const json_t *text = json_object_get(j, "text");
    if (!json_is_string(text))
        return sy_errf(err, SY_EUPSTREAM, "provider '%s' sent a transcript without its text",
                       t->p->cfg.name);
    const char *language = json_string_value(json_object_get(j, "language"));
    snprintf(t->language, sizeof t->language, "%s", language ? language : "");
    remote_emit_start(t);
    const json_t *segments = json_object_get(j, "segments");
    size_t i;
    const json_t *seg;
    json_array_foreach(segments, i, seg) {
        const json_t *said = json_object_get(seg, "text");
        const json_t *start = json_object_get(seg, "start"), *end = json_object_get(seg, "end");
        if (!json_is_string(said) || !json_is_number(start) || !json_is_number(end) ||
            json_number_value(end) < json_number_value(start))
            return sy_errf(err, SY_EUPSTREAM, "provider '%s' sent segment %zu without its text "
                           "or with its times out of order", t->p->cfg.name, i);
        struct sy_event ev = {.type = SY_EVENT_SEGMENT, .text = json_string_value(said),
                              .len = json_string_length(said),
                              .start_s = json_number_value(start),
                              .end_s = json_number_value(end)};
        t->sink.emit(t->sink.ctx, &ev);
    }
    if (!json_array_size(segments) && json_string_length(text)) {
        struct sy_event ev = {.type = SY_EVENT_SEGMENT, .text = json_string_value(text),
                              .len = json_string_length(text), .end_s = t->heard_s};
        t->sink.emit(t->sink.ctx, &ev);
    }
    t->usage.audio_seconds = t->heard_s;
    t->finished = true;
    t->finish = SY_FINISH_STOP;
    return SY_OK;
}

/* hf-inference's text-to-image answer: the picture's own bytes (or, from
 * some deployments, OpenAI's JSON shape). */
static void on_picture_bytes(struct transfer *t)
{
    const char *type = NULL;
    curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &type);
    if (type && strncmp(type, "application/json", 16) == 0) {
        read_whole(t, on_images, "JSON that does not parse");
        return;
    }
    const char *kind = picture_type((const unsigned char *)t->whole.data, t->whole.len);
    if (!kind) {
        struct sy_err e;
        sy_errf(&e, SY_EUPSTREAM, "provider '%s' answered with %s, not a PNG, JPEG or WebP "
                "picture", t->p->cfg.name, type ? type : "something without a type");
        remote_emit_error(t, &e);
        return;
    }
    remote_emit_start(t);
    struct sy_event ev = {.type = SY_EVENT_IMAGE, .image = t->whole.data,
                          .image_size = t->whole.len, .image_type = kind};
    t->sink.emit(t->sink.ctx, &ev);
    t->finished = true;
    t->finish = SY_FINISH_STOP;
}

/* A video (a job's download) or music (hf-inference's text-to-audio): the
 * file's own bytes, checked to be what they claim before a client gets them. */
static void on_media_bytes(struct transfer *t, bool video)
{
    const char *type = NULL;
    curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &type);
    const unsigned char *b = (const unsigned char *)t->whole.data;
    const char *kind = video ? media_video_type(b, t->whole.len)
                             : media_audio_type(b, t->whole.len);
    if (!kind) {
        struct sy_err e;
        sy_errf(&e, SY_EUPSTREAM, "provider '%s' answered with %.64s, not %s", t->p->cfg.name,
                type ? type : "something without a type",
                video ? "an MP4, QuickTime or WebM video"
                      : "a WAV, FLAC, Ogg, MP3, AAC or M4A file");
        remote_emit_error(t, &e);
        return;
    }
    remote_emit_start(t);
    struct sy_event ev = {.type = SY_EVENT_MEDIA, .media = t->whole.data,
                          .media_size = t->whole.len, .media_type = kind};
    t->sink.emit(t->sink.ctx, &ev);
    t->finished = true;
    t->finish = SY_FINISH_STOP;
}

/* The transfer ended (curl's result cc): the final event, then release. */
void remote_transfer_finish(struct transfer *t, CURLcode cc)
{
    struct sy_err e;
    if (!t->failed) {
        if (!t->status)
            curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->status);
        if (atomic_load(&t->cancel)) {
            t->finished = true;
            t->finish = SY_FINISH_CANCELLED;
        } else if (cc != CURLE_OK && cc != CURLE_WRITE_ERROR) {
            upstream_curl_error(&t->p->cfg, cc, t->errbuf, t->p->cfg.timeout_s, &e);
            remote_emit_error(t, &e);
        } else if (t->status != 200 && (t->step == JOB_POLL || t->step == JOB_CONTENT)) {
            /* the job was accepted: what goes wrong after is the upstream's */
            char msg[SY_ERR_MSG_MAX / 2];
            upstream_message(t->whole.data, t->whole.len, msg, sizeof msg);
            sy_errf(&e, SY_EUPSTREAM, "provider '%s' answered %ld about video job '%s': %s",
                    t->p->cfg.name, t->status, t->job_id, msg);
            remote_emit_error(t, &e);
        } else if (t->status != 200) {
            upstream_status_error(&t->p->cfg, t->p->auth != NULL, t->status, t->whole.data,
                                  t->whole.len, &e);
            remote_emit_error(t, &e);
        } else if (t->speech && t->has_odd_byte) {
            sy_errf(&e, SY_EUPSTREAM, "provider '%s' sent 16-bit audio with half a sample at "
                    "its end", t->p->cfg.name);
            remote_emit_error(t, &e);
        } else if (t->speech) {
            t->finished = true;
            t->finish = SY_FINISH_STOP;
        } else if (t->transcribe) {
            read_whole(t, on_transcript, "a transcript that is not JSON");
        } else if (t->step == JOB_CONTENT || t->music) {
            on_media_bytes(t, t->step == JOB_CONTENT);
        } else if (t->image && t->p->dialect == UPSTREAM_HF) {
            on_picture_bytes(t);
        } else if (t->image) {
            read_whole(t, on_images, "images with something that is not JSON");
        } else if (t->embed) {
            read_whole(t, on_embeddings, "embeddings with something that is not JSON");
        } else if (t->p->dialect == UPSTREAM_OLLAMA) {
            if (t->whole.len) /* a last line without its newline */
                ndjson_push(t, "\n", 1);
        } else if (!t->sse) {
            read_whole(t, on_chunk, "with something that is neither JSON nor an event stream");
        }
        if (!t->failed && !t->finished) {
            sy_errf(&e, SY_EUPSTREAM, "provider '%s' ended the stream before the answer was "
                    "complete", t->p->cfg.name);
            remote_emit_error(t, &e);
        }
    }
    if (!t->failed) {
        remote_emit_start(t);
        bool any = t->first.tv_sec || t->first.tv_nsec;
        double total = remote_since_ms(&t->t0);
        double decode = any ? remote_since_ms(&t->first) : 0;
        t->usage.prompt_ms = total - decode;
        t->usage.decode_ms = decode;
        struct sy_event ev = {.type = SY_EVENT_DONE, .finish = t->finish, .usage = t->usage,
                              .language = t->language[0] ? t->language : NULL};
        t->sink.emit(t->sink.ctx, &ev);
    }
    t->sink.release(t->sink.ctx);
}
