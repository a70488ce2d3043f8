/* link.c -- frames in and out of the speech worker. */
#include "workers/speech/link.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engines/frame.h"
#include "util/base64.h"
#include "util/log.h"

static void take(struct link *l, json_t *msg)
{
    const char *type = frame_type(msg);
    uint64_t id = (uint64_t)json_integer_value(json_object_get(msg, "id"));
    if (strcmp(type, "shutdown") == 0) {
        l->shutdown = true;
        json_decref(msg);
    } else if (strcmp(type, "cancel") == 0 && id && id == l->current) {
        l->cancelled = true;
        json_decref(msg);
    } else if (strcmp(type, "cancel") == 0) {
        /* A request still waiting here ends as soon as it comes up. */
        size_t i;
        json_t *q;
        json_array_foreach(l->queue, i, q)
            if ((uint64_t)json_integer_value(json_object_get(q, "id")) == id)
                json_object_set_new(q, "cancelled", json_true());
        json_decref(msg);
    } else if (strcmp(type, "threads") == 0) {
        json_int_t n = json_integer_value(json_object_get(msg, "n"));
        if (n >= 1 && n <= 1024)
            l->threads = (int)n; /* espeak-ng and pocketsphinx use one; whisper.cpp more */
        json_decref(msg);
    } else {
        json_array_append_new(l->queue, msg);
    }
}

void link_poll(struct link *l)
{
    while (!l->broken) {
        struct pollfd p = {.fd = l->fd, .events = POLLIN};
        if (poll(&p, 1, 0) <= 0)
            return;
        json_t *msg = NULL;
        if (frame_read_json(l->fd, &msg, NULL) != SY_OK) {
            l->broken = true;
            l->shutdown = true;
            return;
        }
        take(l, msg);
    }
}

json_t *link_next(struct link *l)
{
    if (json_array_size(l->queue) > 0) {
        json_t *msg = json_incref(json_array_get(l->queue, 0));
        json_array_remove(l->queue, 0);
        return msg;
    }
    if (l->broken)
        return NULL;
    json_t *msg = NULL;
    struct sy_err err;
    sy_code rc = frame_read_json(l->fd, &msg, &err);
    if (rc != SY_OK) {
        if (rc != SY_EEOF)
            log_error("speech worker: %s", err.msg);
        l->broken = true;
        return NULL;
    }
    return msg;
}

bool link_send(struct link *l, json_t *frame)
{
    bool ok = frame && frame_write_json(l->fd, frame, NULL) == SY_OK;
    json_decref(frame);
    if (!ok)
        l->broken = true;
    return ok;
}

bool link_error(struct link *l, uint64_t id, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return link_send(l, json_pack("{s:s, s:I, s:s, s:s}", "type", "error", "id", (json_int_t)id,
                                  "code", code, "message", msg));
}

bool link_audio(struct link *l, uint64_t id, const int16_t *pcm, size_t n)
{
    struct sy_buf b64;
    buf_init(&b64, 1u << 20);
    bool ok = base64_encode(pcm, n * sizeof *pcm, &b64, NULL) == SY_OK &&
              link_send(l, json_pack("{s:s, s:I, s:s%}", "type", "audio", "id", (json_int_t)id,
                                     "pcm", b64.data ? b64.data : "", b64.len));
    buf_cleanup(&b64);
    return ok;
}

/* Reads the `audio` frames of request id (want samples in all) into pcm.
 * Returns false if the link broke; *bad is set (and an error sent) if the
 * frames are not the audio promised. */
static bool read_audio(struct link *l, uint64_t id, size_t want, struct sy_buf *pcm, bool *bad)
{
    while (pcm->len < want * 2) {
        json_t *msg = link_next(l);
        if (!msg)
            return false;
        const char *type = json_string_value(json_object_get(msg, "type"));
        uint64_t mid = (uint64_t)json_integer_value(json_object_get(msg, "id"));
        const json_t *b64 = json_object_get(msg, "pcm");
        bool mine = type && strcmp(type, "audio") == 0 && mid == id;
        if (!mine || !json_is_string(b64) ||
            base64_decode(json_string_value(b64), json_string_length(b64), pcm, NULL) != SY_OK) {
            json_decref(msg);
            *bad = true;
            return link_error(l, id, "invalid_request",
                              "expected %zu samples of audio for this request", want);
        }
        json_decref(msg);
    }
    if (pcm->len != want * 2) {
        *bad = true;
        return link_error(l, id, "invalid_request", "the audio frames held %zu samples, not %zu",
                          pcm->len / 2, want);
    }
    return true;
}

int link_transcribe_audio(struct link *l, const json_t *req, size_t max, struct sy_buf *pcm,
                          size_t *n)
{
    buf_init(pcm, max * 2);
    uint64_t id = (uint64_t)json_integer_value(json_object_get(req, "id"));
    const json_t *samples = json_object_get(req, "samples");
    if (!json_is_integer(samples) || json_integer_value(samples) < 1 ||
        (size_t)json_integer_value(samples) > max)
        return link_error(l, id, "invalid_request", "'samples' must be 1 to %zu", max) ? 0 : -1;
    *n = (size_t)json_integer_value(samples);
    bool bad = false;
    if (!read_audio(l, id, *n, pcm, &bad))
        return -1;
    return bad ? 0 : 1;
}

int link_fatal(struct link *l, const char *why)
{
    log_error("%s", why);
    link_send(l, json_pack("{s:s, s:s}", "type", "fatal", "message", why));
    json_decref(l->queue);
    return 1;
}
