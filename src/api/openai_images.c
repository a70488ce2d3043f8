/* openai_images.c -- POST /v1/images/generations and /v1/images/edits, as
 * OpenAI's API has them.
 *
 * {"model", "prompt", "n", "size": "WxH", "response_format"} plus the
 * diffusion settings by their GenerationSettings names (negative_prompt,
 * num_inference_steps, guidance_scale, seed, scheduler). Pictures come back
 * inline as b64_json (as gpt-image-1 answers): this server keeps no files to
 * point a URL at, so "response_format": "url" is refused rather than
 * answered differently. OpenAI's quality and style pass on to the upstream.
 * An edit is the same request as a multipart form with the pictures to start
 * from in `image` (or `image[]`, several), for models that take them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/call.h"
#include "api/images.h"
#include "api/json_body.h"
#include "api/openai.h"
#include "app/provider_config.h"
#include "http/form.h"

static const char *const keys[] = {"model",  "prompt", "n", "size", "response_format", "quality",
                                   "style", "user", "negative_prompt", "num_inference_steps",
                                   "guidance_scale", "seed", "scheduler", "provider_overrides",
                                   "providerOptions", NULL};

static const struct setting_alias aliases[] = {
    {"negative_prompt", SY_SETTING_NEGATIVE_PROMPT},
    {"num_inference_steps", SY_SETTING_NUM_INFERENCE_STEPS},
    {"guidance_scale", SY_SETTING_GUIDANCE_SCALE},
    {"seed", SY_SETTING_SEED},
    {"scheduler", SY_SETTING_SCHEDULER},
};

static json_t *complete(struct call *c)
{
    json_t *data = images_json(c, "b64_json", NULL);
    return data ? json_pack("{s:I, s:o}", "created", (json_int_t)c->created, "data", data) : NULL;
}

static const struct call_encoder encoder = {.complete = complete};

static sy_code read_size(const json_t *v, struct sy_settings *s, struct sy_err *err)
{
    if (!json_body_present(v) || (json_is_string(v) && strcmp(json_string_value(v), "auto") == 0))
        return SY_OK;
    unsigned w, h;
    if (!json_is_string(v) || provider_parse_size(json_string_value(v), &w, &h) != 0)
        return sy_errp(err, SY_EINVAL, "size",
                       "'size' must be \"WxH\" (e.g. \"1024x1024\") with sides of 1 to 16384, or "
                       "\"auto\"");
    s->width = w;
    s->height = h;
    s->given |= SY_SETTING_BIT(SY_SETTING_WIDTH) | SY_SETTING_BIT(SY_SETTING_HEIGHT);
    s->given_as[SY_SETTING_WIDTH] = s->given_as[SY_SETTING_HEIGHT] = "size";
    return SY_OK;
}

/* quality and style are OpenAI's own; they reach the upstream as they are. */
static sy_code pass_on(const json_t *body, struct sy_request *req, struct sy_err *err)
{
    static const char *const fields[] = {"quality", "style", NULL};
    for (size_t i = 0; fields[i]; i++) {
        const json_t *v = json_object_get(body, fields[i]);
        if (!json_body_present(v))
            continue;
        if (!json_is_string(v))
            return sy_errp(err, SY_EINVAL, fields[i], "'%s' must be a string", fields[i]);
        if (!req->provider_overrides && !(req->provider_overrides = json_object()))
            return sy_errf(err, SY_ENOMEM, "out of memory reading the request");
        if (!json_object_get(req->provider_overrides, fields[i]))
            json_object_set(req->provider_overrides, fields[i], (json_t *)v);
    }
    return SY_OK;
}

static sy_code parse(const json_t *body, struct sy_request *req, struct sy_err *err)
{
    sy_code rc = json_body_known_keys(body, keys, "", err);
    if (rc == SY_OK)
        rc = request_set_model(req, json_object_get(body, "model"), "model", err);
    if (rc != SY_OK)
        return rc;
    req->task = SY_TASK_TEXT_TO_IMAGE;
    const json_t *prompt = json_object_get(body, "prompt");
    if (!json_is_string(prompt) || json_string_length(prompt) == 0)
        return sy_errp(err, SY_EINVAL, "prompt", "'prompt' is required: what to draw");
    if ((rc = request_set_prompt(req, prompt, "prompt", err)) != SY_OK)
        return rc;
    const json_t *n = json_object_get(body, "n");
    if (json_body_present(n) && (!json_is_integer(n) || json_integer_value(n) < 1 ||
                       json_integer_value(n) > SY_IMAGES_MAX))
        return sy_errp(err, SY_EINVAL, "n", "'n' must be an integer from 1 to %d",
                       SY_IMAGES_MAX);
    req->images.n = json_body_present(n) ? (unsigned)json_integer_value(n) : 1;
    const json_t *format = json_object_get(body, "response_format");
    if (json_body_present(format) && !(json_is_string(format) &&
                             strcmp(json_string_value(format), "b64_json") == 0))
        return sy_errp(err, SY_EUNSUPPORTED, "response_format",
                       "'response_format' must be \"b64_json\": pictures come back inline, and "
                       "this server keeps no files for a URL to point at");
    const json_t *user = json_object_get(body, "user");
    if (json_body_present(user) && !json_is_string(user))
        return sy_errp(err, SY_EINVAL, "user", "'user' must be a string");
    const json_t *ov = json_object_get(body, "provider_overrides");
    if (!json_body_present(ov))
        ov = json_object_get(body, "providerOptions");
    if ((rc = request_set_overrides(req, ov, "provider_overrides", err)) != SY_OK ||
        (rc = settings_read(body, aliases, sizeof aliases / sizeof aliases[0], &req->settings,
                            err)) != SY_OK ||
        (rc = read_size(json_object_get(body, "size"), &req->settings, err)) != SY_OK)
        return rc;
    return pass_on(body, req, err);
}

void openai_images_generations(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    struct sy_request req;
    request_init(&req);
    json_t *body = NULL;
    struct sy_err err;
    sy_code rc = json_body_parse(ex, &body, &err);
    if (rc == SY_OK)
        rc = parse(body, &req, &err);
    json_decref(body);
    if (rc != SY_OK) {
        request_cleanup(&req);
        api_respond_error(ex, &err);
        return;
    }
    call_start(api, &encoder, "img-", &req, NULL, ex);
}

/* ---- POST /v1/images/edits ------------------------------------------------------------- */

/* What the form said: its pictures go straight into the request; every
 * other field becomes the JSON member a generation request would have. */
struct edit_form {
    struct sy_request *req;
    json_t *body;
    size_t n_images;
};

static sy_code on_edit_field(void *ctx, const struct http_form_field *f, struct sy_err *err)
{
    struct edit_form *ef = ctx;
    if (strcmp(f->name, "image") == 0 || strcmp(f->name, "image[]") == 0) {
        char where[32];
        snprintf(where, sizeof where, "image[%zu]", ef->n_images++);
        return request_add_reference_image(ef->req, f->data, f->len, f->content_type, where,
                                           err);
    }
    if (strcmp(f->name, "mask") == 0)
        return sy_errp(err, SY_EUNSUPPORTED, "mask", "'mask' is not relayed: the whole picture "
                       "is the model's to change; remove 'mask'");
    static const char *const integers[] = {"n", "seed", "num_inference_steps", NULL};
    static const char *const reals[] = {"guidance_scale", NULL};
    return json_body_put_form_field(ef->body, f, integers, reals, err);
}

void openai_images_edits(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    struct sy_request req;
    request_init(&req);
    struct edit_form ef = {.req = &req, .body = json_object()};
    req.images.refs_param = "image";
    struct sy_err err;
    sy_code rc = ef.body ? http_form_parse(ex, on_edit_field, &ef, &err)
                         : sy_errf(&err, SY_ENOMEM, "out of memory reading the form");
    if (rc == SY_OK && !req.images.n_refs)
        rc = sy_errp(&err, SY_EINVAL, "image",
                     "'image' is required: the picture (or 'image[]', pictures) to start from");
    if (rc == SY_OK)
        rc = parse(ef.body, &req, &err);
    json_decref(ef.body);
    if (rc != SY_OK) {
        request_cleanup(&req);
        api_respond_error(ex, &err);
        return;
    }
    call_start(api, &encoder, "img-", &req, NULL, ex);
}
