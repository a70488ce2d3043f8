/* openai_chat.c -- POST /v1/chat/completions.
 *
 * Streams as OpenAI does: every chunk carries the same id and created; the
 * first chunk holds the assistant role, then one chunk per piece of text, then
 * an empty delta with finish_reason, the usage chunk when
 * stream_options.include_usage is set, and "data: [DONE]". */
#include "api/api.h"
#include "api/openai.h"
#include "api/openai_common.h"
#include "api/sse.h"

static const char *const chat_keys[] = {
    "model", "messages", "stream", "stream_options", "temperature", "top_p", "top_k",
    "max_tokens", "max_completion_tokens", "stop", "seed", "presence_penalty",
    "frequency_penalty", "repetition_penalty", "n", "logprobs", "top_logprobs", "tools",
    "tool_choice", "parallel_tool_calls", "response_format", "logit_bias", "modalities",
    "reasoning_effort", "user", "metadata", "store", "service_tier", "provider_overrides",
    "providerOptions", "keep_alive", NULL};

/* One chunk with the given delta (owned) and finish reason (NULL while going). */
static json_t *chat_chunk(const struct call *c, json_t *delta, const char *finish)
{
    const struct openai_opts *opts = c->surface;
    json_t *chunk = json_pack(
        "{s:s, s:s, s:I, s:s, s:[{s:i, s:o, s:n, s:o}]}", "id", c->id, "object",
        "chat.completion.chunk", "created", (json_int_t)c->created, "model", c->req.model,
        "choices", "index", 0, "delta", delta, "logprobs", "finish_reason",
        finish ? json_string(finish) : json_null());
    if (chunk && opts->include_usage)
        json_object_set_new(chunk, "usage", json_null());
    return chunk;
}

static sy_code chat_start(struct call *c, struct sy_buf *out)
{
    return sse_write(out, NULL,
                     chat_chunk(c, json_pack("{s:s, s:s}", "role", "assistant", "content", ""), NULL),
                     NULL);
}

static sy_code chat_token(struct call *c, const char *text, size_t len, struct sy_buf *out)
{
    return sse_write(out, NULL, chat_chunk(c, json_pack("{s:s%}", "content", text, len), NULL),
                     NULL);
}

static sy_code chat_done(struct call *c, struct sy_buf *out)
{
    sy_code rc = sse_write(out, NULL, chat_chunk(c, json_object(), openai_finish(c)), NULL);
    return rc == SY_OK ? openai_stream_tail(c, "chat.completion.chunk", out) : rc;
}

static json_t *chat_complete(struct call *c)
{
    return json_pack("{s:s, s:s, s:I, s:s, s:[{s:i, s:{s:s, s:s%}, s:n, s:s}], s:o}", "id", c->id,
                     "object", "chat.completion", "created", (json_int_t)c->created, "model",
                     c->req.model, "choices", "index", 0, "message", "role", "assistant",
                     "content", c->text.data ? c->text.data : "", c->text.len, "logprobs",
                     "finish_reason", openai_finish(c), "usage", openai_usage(c));
}

const struct call_encoder openai_chat_encoder = {
    .heartbeat = SSE_HEARTBEAT,
    .stream_content_type = "text/event-stream",
    .stream_start = chat_start,
    .stream_token = chat_token,
    .stream_done = chat_done,
    .stream_error = openai_stream_error,
    .complete = chat_complete,
};

static sy_code chat_read(const json_t *body, struct sy_request *req, struct openai_opts *opts,
                         struct sy_err *err)
{
    (void)opts;
    const json_t *messages = json_object_get(body, "messages");
    if (!messages || json_is_null(messages))
        return sy_errp(err, SY_EINVAL, "messages", "'messages' is required");
    return request_read_messages(req, messages, "messages", err);
}

static const struct openai_endpoint chat_endpoint = {
    .keys = chat_keys,
    .read = chat_read,
    .encoder = &openai_chat_encoder,
    .id_prefix = "chatcmpl-",
};

void openai_chat_completions(struct http_exchange *ex, void *app)
{
    openai_serve(ex, app, &chat_endpoint);
}
