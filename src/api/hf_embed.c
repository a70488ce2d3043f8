/* hf_embed.c -- feature extraction on the Hugging Face surface:
 * POST /models/{id}/pipeline/feature-extraction (where huggingface_hub's
 * InferenceClient.feature_extraction posts), and POST /models/{id} for a
 * model that does nothing but embed.
 *
 * {"inputs": "text" | ["text", ...], "truncate"?, "normalize"?} answers a
 * list of vectors, one per input (TEI's shape, which the Hub serves now).
 * Vectors are always normalised here, so "normalize": false is refused. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/call.h"
#include "api/embeddings.h"
#include "api/hf.h"
#include "api/json_body.h"

#define PIPELINE_SUFFIX "/pipeline/feature-extraction"

static const char *const keys[] = {"inputs", "truncate", "normalize", "truncation_direction",
                                   "prompt_name", "parameters", "options", NULL};

static json_t *complete(struct call *c)
{
    return embeddings_all(c);
}

static const struct call_encoder encoder = {.complete = complete};

static sy_code parse(const json_t *body, struct sy_request *req, struct sy_err *err)
{
    sy_code rc = json_body_known_keys(body, keys, "", err);
    if (rc != SY_OK)
        return rc;
    /* The older API wrapped the options in "parameters"; both are read. */
    const json_t *params = json_object_get(body, "parameters");
    if (json_body_present(params) && !json_is_object(params))
        return sy_errp(err, SY_EINVAL, "parameters", "'parameters' must be an object");
    const json_t *opts = json_object_get(body, "options");
    if (json_body_present(opts) && !json_is_object(opts))
        return sy_errp(err, SY_EINVAL, "options", "'options' must be an object");
    const json_t *v = json_object_get(body, "truncate");
    if (!json_body_present(v))
        v = json_object_get(params, "truncate");
    if (json_body_present(v) && !json_is_boolean(v))
        return sy_errp(err, SY_EINVAL, "truncate", "'truncate' must be true or false");
    req->embed.truncate = json_is_true(v);
    v = json_object_get(body, "normalize");
    if (!json_body_present(v))
        v = json_object_get(params, "normalize");
    if (json_body_present(v) && !json_is_true(v))
        return sy_errp(err, SY_EUNSUPPORTED, "normalize",
                       "vectors are always normalised here; remove 'normalize' or set it true");
    v = json_object_get(body, "prompt_name");
    if (json_body_present(v))
        return sy_errp(err, SY_EUNSUPPORTED, "prompt_name",
                       "'prompt_name' needs the model's sentence-transformers prompts, which a "
                       "GGUF file does not carry; put the prompt in the text instead");
    v = json_object_get(body, "truncation_direction");
    bool right = json_is_string(v) && strcasecmp(json_string_value(v), "right") == 0;
    if (json_body_present(v) && !right)
        return sy_errp(err, SY_EUNSUPPORTED, "truncation_direction",
                       "inputs are cut at the end only: 'truncation_direction' must be "
                       "\"right\"");
    /* As on the text path: without wait_for_model, a model still loading
     * answers 503 with estimated_time (huggingface_hub waits and retries). */
    req->residency.wait_for_load = json_is_true(json_object_get(opts, "wait_for_model"));
    return request_set_inputs(req, json_object_get(body, "inputs"), "inputs", err);
}

bool hf_embed_pipeline(struct sy_request *req)
{
    size_t len = strlen(req->model), suffix = strlen(PIPELINE_SUFFIX);
    bool pipeline = len > suffix && strcmp(req->model + len - suffix, PIPELINE_SUFFIX) == 0;
    if (pipeline)
        req->model[len - suffix] = '\0';
    return pipeline;
}

bool hf_embed_serve(struct http_exchange *ex, struct api_ctx *api, struct sy_request *req,
                    bool pipeline, const struct sy_model_info *model)
{
    if (!pipeline && (!model || model->caps.tasks != SY_TASK_BIT(SY_TASK_FEATURE_EXTRACTION)))
        return false;
    json_t *body = NULL;
    struct sy_err err;
    sy_code rc = json_body_parse(ex, &body, &err);
    if (rc == SY_OK)
        rc = parse(body, req, &err);
    json_decref(body);
    if (rc != SY_OK) {
        request_cleanup(req);
        api_respond_error(ex, &err);
        return true;
    }
    call_start(api, &encoder, "hf-embed-", req, NULL, ex);
    return true;
}
