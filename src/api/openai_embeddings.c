/* openai_embeddings.c -- POST /v1/embeddings, as OpenAI's API has it.
 *
 * `input` is a string or an array of strings; each becomes one entry of
 * `data`, in order. `encoding_format` base64 sends each vector as base64 of
 * little-endian float32 (what the OpenAI SDKs ask for by default, to save
 * bytes); `dimensions` cuts vectors to fewer floats and renormalises them.
 * An input longer than the model takes is refused (400), as OpenAI does. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/call.h"
#include "api/embeddings.h"
#include "api/json_body.h"
#include "api/openai.h"

struct embeddings_opts {
    bool base64;
};

static const char *const keys[] = {"model", "input", "encoding_format", "dimensions", "user",
                                   "provider_overrides", "providerOptions", "keep_alive", NULL};

static json_t *complete(struct call *c)
{
    const struct embeddings_opts *o = c->surface;
    json_t *data = json_array();
    for (size_t i = 0; data && i < c->n_vectors; i++) {
        json_t *v = embeddings_vector(c, i, o->base64);
        json_t *item = v ? json_pack("{s:s, s:I, s:o}", "object", "embedding", "index",
                                     (json_int_t)i, "embedding", v)
                         : NULL;
        if (!item || json_array_append_new(data, item) != 0) {
            json_decref(data);
            data = NULL;
        }
    }
    if (!data)
        return NULL;
    return json_pack("{s:s, s:o, s:s, s:{s:I, s:I}}", "object", "list", "data", data, "model",
                     c->req.model, "usage", "prompt_tokens", (json_int_t)c->usage.prompt_tokens,
                     "total_tokens", (json_int_t)c->usage.prompt_tokens);
}

static const struct call_encoder encoder = {.complete = complete};

static sy_code parse(const json_t *body, struct sy_request *req, struct embeddings_opts *o,
                     struct sy_err *err)
{
    sy_code rc = json_body_known_keys(body, keys, "", err);
    if (rc == SY_OK)
        rc = request_set_model(req, json_object_get(body, "model"), "model", err);
    if (rc == SY_OK)
        rc = request_set_inputs(req, json_object_get(body, "input"), "input", err);
    if (rc == SY_OK)
        rc = embeddings_read_dimensions(json_object_get(body, "dimensions"), "dimensions", req,
                                        err);
    if (rc == SY_OK)
        rc = request_set_keep_alive(req, json_object_get(body, "keep_alive"), "keep_alive", err);
    if (rc != SY_OK)
        return rc;
    const json_t *user = json_object_get(body, "user");
    if (user && !json_is_null(user) && !json_is_string(user))
        return sy_errp(err, SY_EINVAL, "user", "'user' must be a string");
    const json_t *f = json_object_get(body, "encoding_format");
    if (f && !json_is_null(f)) {
        const char *name = json_string_value(f);
        if (!name || (strcmp(name, "float") != 0 && strcmp(name, "base64") != 0))
            return sy_errp(err, SY_EINVAL, "encoding_format",
                           "'encoding_format' must be \"float\" or \"base64\"");
        o->base64 = strcmp(name, "base64") == 0;
    }
    const json_t *ov = json_object_get(body, "provider_overrides");
    if (!ov || json_is_null(ov))
        ov = json_object_get(body, "providerOptions");
    return request_set_overrides(req, ov, "provider_overrides", err);
}

void openai_embeddings(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    struct sy_request req;
    request_init(&req);
    struct embeddings_opts *o = calloc(1, sizeof *o);
    json_t *body = NULL;
    struct sy_err err;
    sy_code rc = o ? json_body_parse(ex, &body, &err)
                   : sy_errf(&err, SY_ENOMEM, "out of memory reading the request");
    if (rc == SY_OK)
        rc = parse(body, &req, o, &err);
    json_decref(body);
    if (rc != SY_OK) {
        free(o);
        request_cleanup(&req);
        api_respond_error(ex, &err);
        return;
    }
    call_start(api, &encoder, "embd-", &req, o, ex);
}
