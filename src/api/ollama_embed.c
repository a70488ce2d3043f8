/* ollama_embed.c -- Ollama's embeddings: POST /api/embed and the older
 * POST /api/embeddings.
 *
 * /api/embed takes `input` (a string or an array of strings) and answers
 * {"model", "embeddings": [[...]], "total_duration", "load_duration",
 * "prompt_eval_count"}; an input longer than the model takes is cut unless
 * "truncate": false, as in Ollama. /api/embeddings takes one `prompt` and
 * answers {"embedding": [...]}. Options that shape generation have no
 * meaning here and are refused by name; options about running the model are
 * accepted, as on /api/chat. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/call.h"
#include "api/embeddings.h"
#include "api/json_body.h"
#include "api/ollama.h"

struct embed_opts {
    char model[SY_MODEL_ID_MAX + 1]; /* as the client named it */
    bool legacy;                     /* /api/embeddings */
};

static const char *const embed_keys[] = {"model", "input", "truncate", "dimensions", "options",
                                         "keep_alive", NULL};
static const char *const embeddings_keys[] = {"model", "prompt", "options", "keep_alive", NULL};

static json_t *complete(struct call *c)
{
    const struct embed_opts *o = c->surface;
    if (o->legacy)
        return json_pack("{s:o}", "embedding", c->n_vectors ? embeddings_vector(c, 0, false)
                                                            : json_array());
    return json_pack("{s:s, s:o, s:I, s:I, s:I}", "model", o->model, "embeddings",
                     embeddings_all(c), "total_duration",
                     (json_int_t)ollama_ns_between(&c->t_submit, &c->t_done), "load_duration",
                     (json_int_t)ollama_ns_between(&c->t_submit, &c->t_start),
                     "prompt_eval_count", (json_int_t)c->usage.prompt_tokens);
}

static const struct call_encoder encoder = {
    .complete = complete,
    .respond_error = api_respond_error_ollama,
};

static sy_code read_options(const json_t *body, struct sy_err *err)
{
    const json_t *options = json_object_get(body, "options");
    if (!json_body_present(options))
        return SY_OK;
    if (!json_is_object(options))
        return sy_errp(err, SY_EINVAL, "options", "'options' must be an object");
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)options, key, v) {
        if (ollama_run_option(key))
            continue;
        char param[64];
        snprintf(param, sizeof param, "options.%.50s", key);
        return sy_errp(err, SY_EUNSUPPORTED, param,
                       "option '%.50s' shapes generated text and has no meaning for embeddings; "
                       "remove it",
                       key);
    }
    return SY_OK;
}

static sy_code parse(const json_t *body, struct sy_request *req, struct embed_opts *o,
                     struct sy_err *err)
{
    sy_code rc = json_body_known_keys(body, o->legacy ? embeddings_keys : embed_keys, "", err);
    if (rc != SY_OK)
        return rc;
    const json_t *model = json_object_get(body, "model");
    if (!json_is_string(model))
        return sy_errp(err, SY_EINVAL, "model", "model is required");
    char id[SY_MODEL_ID_MAX + 1];
    if (ollama_model_name(json_string_value(model), id, sizeof id) != 0)
        return sy_errp(err, SY_EINVAL, "model", "model name is too long");
    json_t *idv = json_string(id);
    rc = request_set_model(req, idv, "model", err);
    json_decref(idv);
    if (rc != SY_OK)
        return rc;
    snprintf(o->model, sizeof o->model, "%s", json_string_value(model));
    if (o->legacy) {
        rc = request_set_inputs(req, json_object_get(body, "prompt"), "prompt", err);
        req->embed.truncate = true;
    } else {
        rc = request_set_inputs(req, json_object_get(body, "input"), "input", err);
        const json_t *truncate = json_object_get(body, "truncate");
        if (rc == SY_OK && json_body_present(truncate) && !json_is_boolean(truncate))
            rc = sy_errp(err, SY_EINVAL, "truncate", "truncate must be true or false");
        req->embed.truncate = !json_is_false(truncate);
        if (rc == SY_OK)
            rc = embeddings_read_dimensions(json_object_get(body, "dimensions"), "dimensions",
                                            req, err);
    }
    if (rc == SY_OK)
        rc = read_options(body, err);
    if (rc == SY_OK)
        rc = request_set_keep_alive(req, json_object_get(body, "keep_alive"), "keep_alive", err);
    return rc;
}

static void serve(struct http_exchange *ex, struct api_ctx *api, bool legacy)
{
    struct sy_request req;
    request_init(&req);
    struct embed_opts *o = calloc(1, sizeof *o);
    json_t *body = NULL;
    struct sy_err err;
    sy_code rc = o ? json_body_parse_any_type(ex, &body, &err)
                   : sy_errf(&err, SY_ENOMEM, "out of memory reading the request");
    if (rc == SY_OK) {
        o->legacy = legacy;
        rc = parse(body, &req, o, &err);
    }
    json_decref(body);
    if (rc != SY_OK) {
        free(o);
        request_cleanup(&req);
        api_respond_error_ollama(ex, &err);
        return;
    }
    call_start(api, &encoder, "ollama-embed-", &req, o, ex);
}

void ollama_embed(struct http_exchange *ex, void *app)
{
    serve(ex, app, false);
}

void ollama_embeddings(struct http_exchange *ex, void *app)
{
    serve(ex, app, true);
}
