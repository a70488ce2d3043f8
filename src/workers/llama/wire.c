/* wire.c -- encoding the worker's frames. */
#include "workers/llama/wire.h"

#include <jansson.h>

#include "engines/frame.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/limits.h"

static sy_code send_frame(int fd, json_t *obj)
{
    if (!obj)
        return SY_ENOMEM;
    sy_code rc = frame_write_json(fd, obj, NULL);
    json_decref(obj);
    return rc;
}

sy_code wire_ready(int fd, const struct wire_ready *r)
{
    return send_frame(fd, json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:b, s:I, s:f}", "type", "ready",
                                    "protocol", 1, "n_ctx", r->n_ctx, "n_ctx_train", r->n_ctx_train,
                                    "n_slots", r->n_slots, "n_vocab", r->n_vocab,
                                    "has_chat_template", r->has_chat_template, "model_bytes",
                                    (json_int_t)r->model_bytes, "load_ms", r->load_ms));
}

sy_code wire_fatal(int fd, const char *message)
{
    return send_frame(fd, json_pack("{s:s, s:s}", "type", "fatal", "message", message));
}

sy_code wire_started(int fd, uint64_t id, int prompt_tokens)
{
    return send_frame(fd, json_pack("{s:s, s:I, s:i}", "type", "started", "id", (json_int_t)id,
                                    "prompt_tokens", prompt_tokens));
}

sy_code wire_token(int fd, uint64_t id, const char *text, size_t len)
{
    return send_frame(fd, json_pack("{s:s, s:I, s:s%}", "type", "token", "id", (json_int_t)id,
                                    "text", text, len));
}

sy_code wire_done(int fd, uint64_t id, const struct wire_done *d)
{
    return send_frame(fd, json_pack("{s:s, s:I, s:s, s:i, s:i, s:i, s:f, s:f}", "type", "done",
                                    "id", (json_int_t)id, "finish_reason", d->finish_reason,
                                    "prompt_tokens", d->prompt_tokens, "cached_tokens",
                                    d->cached_tokens, "completion_tokens", d->completion_tokens,
                                    "prompt_ms", d->prompt_ms, "decode_ms", d->decode_ms));
}

sy_code wire_error(int fd, uint64_t id, const char *code, const char *message)
{
    return send_frame(fd, json_pack("{s:s, s:I, s:s, s:s}", "type", "error", "id", (json_int_t)id,
                                    "code", code, "message", message));
}

sy_code wire_embedding(int fd, uint64_t id, int index, const float *vector, int dim)
{
    struct sy_buf b64;
    buf_init(&b64, SY_FRAME_MAX);
    sy_code rc = base64_encode(vector, (size_t)dim * sizeof *vector, &b64, NULL);
    if (rc == SY_OK)
        rc = send_frame(fd, json_pack("{s:s, s:I, s:i, s:s%}", "type", "embedding", "id",
                                      (json_int_t)id, "index", index, "vector", b64.data,
                                      b64.len));
    buf_cleanup(&b64);
    return rc;
}
