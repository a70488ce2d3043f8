/* openai_completions.c -- POST /v1/completions (the legacy text endpoint).
 *
 * The prompt is sent to the model as is, with no chat template. `echo`
 * prepends it to the output, as OpenAI does. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/json_body.h"
#include "api/openai.h"
#include "api/openai_common.h"
#include "api/sse.h"

static const char *const completion_keys[] = {
    "model", "prompt", "stream", "stream_options", "temperature", "top_p", "top_k", "max_tokens",
    "stop", "seed", "presence_penalty", "frequency_penalty", "repetition_penalty", "n", "best_of",
    "logprobs", "logit_bias", "echo", "suffix", "user", "provider_overrides", "providerOptions",
    "keep_alive", NULL};

static json_t *text_chunk(const struct call *c, const char *text, size_t len, const char *finish)
{
    const struct openai_opts *opts = c->surface;
    json_t *chunk = json_pack("{s:s, s:s, s:I, s:s, s:[{s:i, s:s%, s:n, s:o}]}", "id", c->id,
                              "object", "text_completion", "created", (json_int_t)c->created,
                              "model", c->req.model, "choices", "index", 0, "text", text, len,
                              "logprobs", "finish_reason",
                              finish ? json_string(finish) : json_null());
    if (chunk && opts->include_usage)
        json_object_set_new(chunk, "usage", json_null());
    return chunk;
}

static sy_code completion_start(struct call *c, struct sy_buf *out)
{
    if (!c->req.settings.return_full_text || !c->req.prompt[0])
        return SY_OK;
    return sse_write(out, NULL, text_chunk(c, c->req.prompt, strlen(c->req.prompt), NULL), NULL);
}

static sy_code completion_token(struct call *c, const char *text, size_t len, struct sy_buf *out)
{
    return sse_write(out, NULL, text_chunk(c, text, len, NULL), NULL);
}

static sy_code completion_done(struct call *c, struct sy_buf *out)
{
    sy_code rc = sse_write(out, NULL, text_chunk(c, "", 0, openai_finish(c)), NULL);
    return rc == SY_OK ? openai_stream_tail(c, "text_completion", out) : rc;
}

static json_t *completion_complete(struct call *c)
{
    struct sy_buf text;
    buf_init(&text, SIZE_MAX / 2);
    if (call_output_text(c, &text, NULL) != SY_OK) {
        buf_cleanup(&text);
        return NULL;
    }
    json_t *body = json_pack("{s:s, s:s, s:I, s:s, s:[{s:i, s:s%, s:n, s:s}], s:o}", "id", c->id,
                             "object", "text_completion", "created", (json_int_t)c->created,
                             "model", c->req.model, "choices", "index", 0, "text",
                             text.data ? text.data : "", text.len, "logprobs", "finish_reason",
                             openai_finish(c), "usage", openai_usage(c));
    buf_cleanup(&text);
    return body;
}

const struct call_encoder openai_completion_encoder = {
    .heartbeat = SSE_HEARTBEAT,
    .stream_content_type = "text/event-stream",
    .stream_start = completion_start,
    .stream_token = completion_token,
    .stream_done = completion_done,
    .stream_error = openai_stream_error,
    .complete = completion_complete,
};

/* OpenAI takes a string or an array of prompts; we take one string. */
static sy_code read_prompt(const json_t *body, struct sy_request *req, struct sy_err *err)
{
    const json_t *p = json_object_get(body, "prompt");
    if (!p || json_is_null(p))
        return sy_errp(err, SY_EINVAL, "prompt", "'prompt' is required");
    if (json_is_array(p)) {
        if (json_array_size(p) != 1 || !json_is_string(json_array_get(p, 0)))
            return sy_errp(err, SY_EUNSUPPORTED, "prompt",
                           "'prompt' must be one string (or an array holding one string); "
                           "batches and token arrays are not supported");
        p = json_array_get(p, 0);
    }
    return request_set_prompt(req, p, "prompt", err);
}

static sy_code completion_read(const json_t *body, struct sy_request *req,
                               struct openai_opts *opts, struct sy_err *err)
{
    (void)opts;
    /* echo is OpenAI's name for return_full_text */
    sy_code rc = json_body_bool(body, "echo", &req->settings.return_full_text, err);
    return rc == SY_OK ? read_prompt(body, req, err) : rc;
}

static const struct openai_endpoint completion_endpoint = {
    .keys = completion_keys,
    .read = completion_read,
    .encoder = &openai_completion_encoder,
    .id_prefix = "cmpl-",
};

void openai_completions(struct http_exchange *ex, void *app)
{
    openai_serve(ex, app, &completion_endpoint);
}
