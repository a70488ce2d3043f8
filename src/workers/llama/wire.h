/* wire.h -- the frames the llama worker sends (docs/PROTOCOL.md, worker → supervisor).
 * Each returns SY_OK or SY_EIO when the supervisor is gone (the worker then exits). */
#ifndef SY_LLAMA_WIRE_H
#define SY_LLAMA_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct wire_ready {
    int n_ctx, n_ctx_train, n_slots, n_vocab;
    int has_chat_template;
    uint64_t model_bytes;
    double load_ms;
};

struct wire_done {
    const char *finish_reason; /* "stop" | "length" | "cancelled" */
    int prompt_tokens, completion_tokens;
    int cached_tokens; /* prompt tokens reused from the slot's cache, not decoded again */
    double prompt_ms, decode_ms;
};

sy_code wire_ready(int fd, const struct wire_ready *r);
sy_code wire_fatal(int fd, const char *message);
sy_code wire_started(int fd, uint64_t id, int prompt_tokens);
sy_code wire_token(int fd, uint64_t id, const char *text, size_t len);
sy_code wire_done(int fd, uint64_t id, const struct wire_done *d);
/* One input's vector: dim floats, sent as base64 of little-endian float32. */
sy_code wire_embedding(int fd, uint64_t id, int index, const float *vector, int dim);
sy_code wire_error(int fd, uint64_t id, const char *code, const char *message);

#endif
