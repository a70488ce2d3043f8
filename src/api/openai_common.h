/* openai_common.h -- what the OpenAI chat and completions endpoints share:
 * settings names, the fields we refuse rather than ignore, usage, errors. */
#ifndef SY_OPENAI_COMMON_H
#define SY_OPENAI_COMMON_H

#include <jansson.h>
#include <stdbool.h>

#include "api/call.h"
#include "core/request.h"
#include "http/exchange.h"

/* Per-response options the encoders need (stored in call->surface). */
struct openai_opts {
    bool include_usage; /* stream_options.include_usage */
};

/* The wire encodings of chat.completion(.chunk) and text_completion. */
extern const struct call_encoder openai_chat_encoder;
extern const struct call_encoder openai_completion_encoder;

/* Reads model, stream, stream_options and every sampling setting from body
 * into req and opts, and refuses fields that ask for something this server
 * does not do (n > 1, logprobs, tools, ...) with 422 naming the field.
 * Returns: SY_OK; SY_EINVAL / SY_EUNSUPPORTED with err->param set. */
sy_code openai_read_common(const json_t *body, struct sy_request *req, struct openai_opts *opts,
                           struct sy_err *err);

/* One OpenAI endpoint: its fields, its own part of the parsing, its encoder. */
struct openai_endpoint {
    const char *const *keys; /* every top-level field it accepts, NULL-terminated */
    /* required: reads the endpoint's own fields (messages, prompt, echo) */
    sy_code (*read)(const json_t *body, struct sy_request *req, struct openai_opts *opts,
                    struct sy_err *err);
    const struct call_encoder *encoder;
    const char *id_prefix; /* "chatcmpl-", "cmpl-" */
};

/* Handles a request for ep: parse, validate, run; answers ex in every case. */
void openai_serve(struct http_exchange *ex, struct api_ctx *api, const struct openai_endpoint *ep);

/* Returns: a new {"prompt_tokens", "completion_tokens", "total_tokens"}. */
json_t *openai_usage(const struct call *c);

/* Returns: "stop" or "length" for the call's finish. */
const char *openai_finish(const struct call *c);

/* The stream error event: data: {"error": {...}}. */
sy_code openai_stream_error(struct call *c, const struct sy_err *e, struct sy_buf *out);

/* Final usage chunk (if asked for) and data: [DONE]. `object` is the chunk type. */
sy_code openai_stream_tail(struct call *c, const char *object, struct sy_buf *out);

#endif
