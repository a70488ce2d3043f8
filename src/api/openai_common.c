/* openai_common.c -- parsing and encoding shared by the OpenAI endpoints. */
#include "api/openai_common.h"

#include <stdlib.h>
#include <string.h>

#include "api/api_error.h"
#include "api/json_body.h"
#include "api/sse.h"

static const struct setting_alias openai_aliases[] = {
    {"temperature", SY_SETTING_TEMPERATURE},
    {"top_p", SY_SETTING_TOP_P},
    {"top_k", SY_SETTING_TOP_K}, /* not OpenAI's, but vLLM and llama-server take it */
    {"max_tokens", SY_SETTING_MAX_NEW_TOKENS},
    {"max_completion_tokens", SY_SETTING_MAX_NEW_TOKENS},
    {"stop", SY_SETTING_STOP},
    {"seed", SY_SETTING_SEED},
    {"presence_penalty", SY_SETTING_PRESENCE_PENALTY},
    {"frequency_penalty", SY_SETTING_FREQUENCY_PENALTY},
    {"repetition_penalty", SY_SETTING_REPETITION_PENALTY},
};

/* Fields OpenAI defines that would change the answer in ways we do not
 * implement. Sending their neutral value is fine; anything else is a 422, so
 * a client never gets an answer that silently ignored what it asked for. */
static sy_code refuse_unsupported(const json_t *body, struct sy_err *err)
{
    const json_t *v;
    if (json_body_present(v = json_object_get(body, "n")) &&
        !(json_is_integer(v) && json_integer_value(v) == 1))
        return sy_errp(err, SY_EUNSUPPORTED, "n",
                       "'n' other than 1 is not supported; send one request per choice");
    if (json_body_present(v = json_object_get(body, "best_of")) &&
        !(json_is_integer(v) && json_integer_value(v) == 1))
        return sy_errp(err, SY_EUNSUPPORTED, "best_of", "'best_of' other than 1 is not supported");
    if (json_body_present(v = json_object_get(body, "logprobs")) && !json_is_false(v) &&
        !(json_is_integer(v) && json_integer_value(v) == 0))
        return sy_errp(err, SY_EUNSUPPORTED, "logprobs", "'logprobs' is not supported yet");
    if (json_body_present(json_object_get(body, "top_logprobs")))
        return sy_errp(err, SY_EUNSUPPORTED, "top_logprobs", "'top_logprobs' is not supported yet");
    if (json_body_present(v = json_object_get(body, "tools")) &&
        !(json_is_array(v) && json_array_size(v) == 0))
        return sy_errp(err, SY_EUNSUPPORTED, "tools", "tool calling is not supported yet");
    if (json_body_present(v = json_object_get(body, "tool_choice")) && json_is_string(v) &&
        strcmp(json_string_value(v), "none") != 0 && strcmp(json_string_value(v), "auto") != 0)
        return sy_errp(err, SY_EUNSUPPORTED, "tool_choice", "tool calling is not supported yet");
    if (json_body_present(v = json_object_get(body, "tool_choice")) && !json_is_string(v))
        return sy_errp(err, SY_EUNSUPPORTED, "tool_choice", "tool calling is not supported yet");
    if (json_body_present(v = json_object_get(body, "response_format"))) {
        const char *type = json_string_value(json_object_get(v, "type"));
        if (!type || strcmp(type, "text") != 0)
            return sy_errp(err, SY_EUNSUPPORTED, "response_format",
                           "'response_format' other than {\"type\": \"text\"} is not supported yet");
    }
    if (json_body_present(v = json_object_get(body, "logit_bias")) &&
        !(json_is_object(v) && json_object_size(v) == 0))
        return sy_errp(err, SY_EUNSUPPORTED, "logit_bias", "'logit_bias' is not supported yet");
    if (json_body_present(v = json_object_get(body, "modalities"))) {
        if (!json_is_array(v) || json_array_size(v) != 1 ||
            !json_is_string(json_array_get(v, 0)) ||
            strcmp(json_string_value(json_array_get(v, 0)), "text") != 0)
            return sy_errp(err, SY_EUNSUPPORTED, "modalities", "only the \"text\" modality is supported");
    }
    if (json_body_present(json_object_get(body, "reasoning_effort")))
        return sy_errp(err, SY_EUNSUPPORTED, "reasoning_effort",
                       "'reasoning_effort' is not supported by local models");
    if (json_body_present(v = json_object_get(body, "suffix")) &&
        !(json_is_string(v) && json_string_length(v) == 0))
        return sy_errp(err, SY_EUNSUPPORTED, "suffix", "'suffix' (fill-in-the-middle) is not supported yet");
    return SY_OK;
}

sy_code openai_read_common(const json_t *body, struct sy_request *req, struct openai_opts *opts,
                           struct sy_err *err)
{
    sy_code rc = request_set_model(req, json_object_get(body, "model"), "model", err);
    if (rc == SY_OK)
        rc = json_body_bool(body, "stream", &req->stream, err);
    if (rc == SY_OK)
        rc = settings_read(body, openai_aliases, sizeof openai_aliases / sizeof openai_aliases[0],
                           &req->settings, err);
    if (rc == SY_OK)
        rc = refuse_unsupported(body, err);
    if (rc == SY_OK) /* Ollama's, accepted here too: the same clients mix both */
        rc = request_set_keep_alive(req, json_object_get(body, "keep_alive"), "keep_alive", err);
    if (rc != SY_OK)
        return rc;
    const json_t *so = json_object_get(body, "stream_options");
    if (json_body_present(so)) {
        if (!req->stream)
            return sy_errp(err, SY_EINVAL, "stream_options",
                           "'stream_options' is only allowed when 'stream' is true");
        if (!json_is_object(so))
            return sy_errp(err, SY_EINVAL, "stream_options", "'stream_options' must be an object");
        static const char *const known[] = {"include_usage", "include_obfuscation", NULL};
        if ((rc = json_body_known_keys(so, known, "stream_options", err)) != SY_OK)
            return rc;
        const json_t *iu = json_object_get(so, "include_usage");
        if (json_body_present(iu) && !json_is_boolean(iu))
            return sy_errp(err, SY_EINVAL, "stream_options.include_usage",
                           "'stream_options.include_usage' must be true or false");
        opts->include_usage = json_is_true(iu);
    }
    const json_t *ov = json_object_get(body, "provider_overrides");
    if (!json_body_present(ov))
        ov = json_object_get(body, "providerOptions");
    return request_set_overrides(req, ov, "provider_overrides", err);
}

json_t *openai_usage(const struct call *c)
{
    return json_pack("{s:I, s:I, s:I, s:{s:I}}", "prompt_tokens",
                     (json_int_t)c->usage.prompt_tokens, "completion_tokens",
                     (json_int_t)c->usage.completion_tokens, "total_tokens",
                     (json_int_t)(c->usage.prompt_tokens + c->usage.completion_tokens),
                     "prompt_tokens_details", "cached_tokens",
                     (json_int_t)c->usage.cached_tokens);
}

const char *openai_finish(const struct call *c)
{
    return c->finish == SY_FINISH_LENGTH ? "length" : "stop";
}

sy_code openai_stream_error(struct call *c, const struct sy_err *e, struct sy_buf *out)
{
    (void)c;
    return sse_write(out, NULL, api_error_body(e), NULL);
}

sy_code openai_stream_tail(struct call *c, const char *object, struct sy_buf *out)
{
    const struct openai_opts *opts = c->surface;
    if (opts->include_usage) {
        json_t *chunk = json_pack("{s:s, s:s, s:I, s:s, s:[], s:o}", "id", c->id, "object", object,
                                  "created", (json_int_t)c->created, "model", c->req.model,
                                  "choices", "usage", openai_usage(c));
        sy_code rc = sse_write(out, NULL, chunk, NULL);
        if (rc != SY_OK)
            return rc;
    }
    return sse_write_raw(out, "[DONE]", NULL);
}

void openai_serve(struct http_exchange *ex, struct api_ctx *api, const struct openai_endpoint *ep)
{
    struct sy_request req;
    request_init(&req);
    struct openai_opts *opts = calloc(1, sizeof *opts);
    json_t *body = NULL;
    struct sy_err err;
    sy_code rc = opts ? json_body_parse(ex, &body, &err)
                      : sy_errf(&err, SY_ENOMEM, "out of memory reading the request");
    if (rc == SY_OK)
        rc = json_body_known_keys(body, ep->keys, "", &err);
    if (rc == SY_OK)
        rc = openai_read_common(body, &req, opts, &err);
    if (rc == SY_OK)
        rc = ep->read(body, &req, opts, &err);
    json_decref(body);
    if (rc != SY_OK) {
        free(opts);
        request_cleanup(&req);
        api_respond_error(ex, &err);
        return;
    }
    call_start(api, ep->encoder, ep->id_prefix, &req, opts, ex);
}
