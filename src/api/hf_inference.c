/* hf_inference.c -- the Hugging Face Inference API: POST /models/{model_id}.
 *
 * {"inputs": "...", "parameters": {...}, "options": {...}} for text-generation,
 * answered with [{"generated_text": "..."}]. As on the Hub, the prompt is part
 * of generated_text unless parameters.return_full_text is false, and decoding
 * is greedy unless do_sample is true or a sampling parameter (temperature,
 * top_k, top_p) asks for sampling (TGI's rule). A model whose one task is
 * text-to-image, text-to-video or text-to-audio takes "inputs" as its prompt
 * and answers with the file's bytes (parameters.duration: seconds of video
 * or music). A model that draws from pictures (image-to-image) takes one as
 * the body itself (Content-Type image/png, jpeg or webp), or as the base64
 * "inputs" with the prompt in "parameters.prompt". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/call.h"
#include "api/hf.h"
#include "api/json_body.h"
#include "util/base64.h"
#include "util/picture.h"

static const struct setting_alias hf_aliases[] = {
    {"parameters.temperature", SY_SETTING_TEMPERATURE},
    {"parameters.top_p", SY_SETTING_TOP_P},
    {"parameters.top_k", SY_SETTING_TOP_K},
    {"parameters.max_new_tokens", SY_SETTING_MAX_NEW_TOKENS},
    {"parameters.do_sample", SY_SETTING_DO_SAMPLE},
    {"parameters.repetition_penalty", SY_SETTING_REPETITION_PENALTY},
    {"parameters.frequency_penalty", SY_SETTING_FREQUENCY_PENALTY},
    {"parameters.return_full_text", SY_SETTING_RETURN_FULL_TEXT},
    {"parameters.stop", SY_SETTING_STOP},
    {"parameters.stop_sequences", SY_SETTING_STOP},
    {"parameters.seed", SY_SETTING_SEED},
    {"parameters.guidance_scale", SY_SETTING_GUIDANCE_SCALE},
    {"parameters.num_inference_steps", SY_SETTING_NUM_INFERENCE_STEPS},
    {"parameters.width", SY_SETTING_WIDTH},
    {"parameters.height", SY_SETTING_HEIGHT},
    {"parameters.scheduler", SY_SETTING_SCHEDULER},
    {"parameters.negative_prompt", SY_SETTING_NEGATIVE_PROMPT},
    {"options.use_cache", SY_SETTING_USE_CACHE},
    {"options.wait_for_model", SY_SETTING_WAIT_FOR_MODEL},
};

static const char *const hf_keys[] = {"inputs", "parameters", "options", "stream", NULL};
static const char *const hf_parameter_keys[] = {
    "temperature", "top_p", "top_k", "max_new_tokens", "do_sample", "repetition_penalty",
    "frequency_penalty", "return_full_text", "stop", "stop_sequences", "seed", "guidance_scale",
    "num_inference_steps", "width", "height", "scheduler", "negative_prompt",
    "num_return_sequences", "details", "duration", "prompt", NULL};
static const char *const hf_option_keys[] = {"use_cache", "wait_for_model", NULL};

static json_t *hf_complete(struct call *c)
{
    struct sy_buf text;
    buf_init(&text, SIZE_MAX / 2);
    json_t *body = NULL;
    if (call_output_text(c, &text, NULL) == SY_OK)
        body = json_pack("[{s:s%}]", "generated_text", text.data ? text.data : "", text.len);
    buf_cleanup(&text);
    return body;
}

static const struct call_encoder hf_encoder = {.complete = hf_complete};

/* text-to-image: the first picture's bytes, as the HF API answers. */
static sy_code hf_picture(struct call *c, struct sy_buf *out, const char **content_type)
{
    *content_type = c->n_pictures ? c->picture_type[0] : "application/octet-stream";
    return c->n_pictures ? buf_append(out, c->pictures.data, c->picture_size[0], NULL)
                         : SY_OK;
}

static const struct call_encoder hf_image_encoder = {.complete_raw = hf_picture};

/* text-to-video and text-to-audio: the file's bytes, as the HF API answers. */
static sy_code hf_media(struct call *c, struct sy_buf *out, const char **content_type)
{
    *content_type = c->media_type ? c->media_type : "application/octet-stream";
    return buf_append(out, c->media.data ? c->media.data : "", c->media.len, NULL);
}

static const struct call_encoder hf_media_encoder = {.complete_raw = hf_media};

/* parameters.duration (seconds): how long a video or music piece is to be. */
static sy_code read_duration(const json_t *body, struct sy_request *req, struct sy_err *err)
{
    const json_t *v = settings_lookup(body, "parameters.duration");
    if (!v || json_is_null(v))
        return SY_OK;
    if (req->task != SY_TASK_TEXT_TO_VIDEO && req->task != SY_TASK_TEXT_TO_AUDIO)
        return sy_errp(err, SY_EINVAL, "parameters.duration", "'parameters.duration' is for "
                       "text-to-video and text-to-audio models, not %s", task_name(req->task));
    double s = json_number_value(v);
    if (!json_is_number(v) || !(s > 0 && s <= SY_MEDIA_SECONDS_MAX))
        return sy_errp(err, SY_EINVAL, "parameters.duration", "'parameters.duration' must be "
                       "seconds, above 0 and at most %d", SY_MEDIA_SECONDS_MAX);
    req->media.duration_s = s;
    snprintf(req->options_at, sizeof req->options_at, "parameters.");
    return SY_OK;
}

static sy_code check_object(const json_t *body, const char *key, const char *const *known,
                            struct sy_err *err)
{
    const json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v))
        return SY_OK;
    if (!json_is_object(v))
        return sy_errp(err, SY_EINVAL, key, "'%s' must be an object", key);
    return json_body_known_keys(v, known, key, err);
}

/* The HF fields that would change the answer in ways we do not implement. */
static sy_code refuse_unsupported(const json_t *body, struct sy_err *err)
{
    const json_t *v = json_object_get(body, "stream");
    if (v && !json_is_null(v) && !json_is_false(v))
        return sy_errp(err, SY_EUNSUPPORTED, "stream",
                       "streaming is not offered on the Hugging Face surface; use "
                       "POST /v1/chat/completions or /api/inference/stream");
    v = settings_lookup(body, "parameters.num_return_sequences");
    if (v && !json_is_null(v) && !(json_is_integer(v) && json_integer_value(v) == 1))
        return sy_errp(err, SY_EUNSUPPORTED, "parameters.num_return_sequences",
                       "'parameters.num_return_sequences' other than 1 is not supported");
    v = settings_lookup(body, "parameters.details");
    if (v && json_is_true(v))
        return sy_errp(err, SY_EUNSUPPORTED, "parameters.details",
                       "'parameters.details' is not supported yet");
    return SY_OK;
}

/* TGI samples when asked to, or when a sampling parameter is set. */
static void apply_hf_sampling_rule(struct sy_settings *s)
{
    if (s->given & SY_SETTING_BIT(SY_SETTING_DO_SAMPLE))
        return;
    s->do_sample = ((s->given & SY_SETTING_BIT(SY_SETTING_TEMPERATURE)) && s->temperature != 1.0) ||
                   ((s->given & SY_SETTING_BIT(SY_SETTING_TOP_K)) && s->top_k > 0) ||
                   ((s->given & SY_SETTING_BIT(SY_SETTING_TOP_P)) && s->top_p < 1.0);
}

/* image-to-image as the HF API sends it in JSON: {"inputs": the picture's
 * base64, "parameters": {"prompt", ...}}. Sets *taken when inputs is a
 * picture (for a model that draws from one); parameters.prompt is refused
 * anywhere else, as it would be dropped. */
static sy_code read_picture_inputs(const json_t *body, struct sy_request *req, bool takes_pictures,
                                   bool *taken, struct sy_err *err)
{
    *taken = false;
    const json_t *inputs = json_object_get(body, "inputs");
    const json_t *prompt = settings_lookup(body, "parameters.prompt");
    struct sy_buf picture;
    buf_init(&picture, SY_REFERENCE_IMAGE_BYTES_MAX);
    bool is_picture = takes_pictures && json_is_string(inputs) &&
                      base64_decode(json_string_value(inputs), json_string_length(inputs),
                                    &picture, NULL) == SY_OK &&
                      picture_type((const unsigned char *)picture.data, picture.len);
    sy_code rc = SY_OK;
    if (is_picture) {
        req->images.refs_param = "inputs";
        rc = request_add_reference_image(req, picture.data, picture.len, NULL, "inputs", err);
        if (rc == SY_OK && json_body_present(prompt))
            rc = request_set_prompt(req, prompt, "parameters.prompt", err);
        *taken = true;
    } else if (json_body_present(prompt)) {
        rc = sy_errp(err, SY_EINVAL, "parameters.prompt", "'parameters.prompt' is for "
                     "image-to-image: a model that draws from a picture, with the picture's "
                     "base64 in 'inputs'");
    }
    buf_cleanup(&picture);
    return rc;
}

static sy_code hf_parse(const json_t *body, struct sy_request *req, bool takes_pictures,
                        struct sy_err *err)
{
    sy_code rc = json_body_known_keys(body, hf_keys, "", err);
    if (rc == SY_OK)
        rc = check_object(body, "parameters", hf_parameter_keys, err);
    if (rc == SY_OK)
        rc = check_object(body, "options", hf_option_keys, err);
    if (rc == SY_OK)
        rc = refuse_unsupported(body, err);
    if (rc == SY_OK)
        rc = read_duration(body, req, err);
    req->settings.return_full_text = true;
    if (rc == SY_OK)
        rc = settings_read(body, hf_aliases, sizeof hf_aliases / sizeof hf_aliases[0],
                           &req->settings, err);
    if (rc != SY_OK)
        return rc;
    apply_hf_sampling_rule(&req->settings);
    /* As on the HF Inference API: without wait_for_model, a model that is not
     * loaded yet answers 503 with estimated_time while it loads. */
    req->residency.wait_for_load = req->settings.wait_for_model;
    bool taken = false;
    rc = read_picture_inputs(body, req, takes_pictures, &taken, err);
    if (rc != SY_OK || taken)
        return rc;
    const json_t *inputs = json_object_get(body, "inputs");
    if (!json_is_string(inputs))
        return sy_errp(err, SY_EINVAL, "inputs",
                       "'inputs' must be the prompt text (a string) for %s",
                       task_name(req->task));
    return request_set_prompt(req, inputs, "inputs", err);
}

/* image-to-image with the picture itself as the body (an image Content-Type,
 * as the HF API's clients send it without parameters). Returns: whether it
 * answered ex (or handed it to a call). */
static bool serve_picture_body(struct http_exchange *ex, struct api_ctx *api,
                               struct sy_request *req, bool takes_pictures)
{
    const char *type = http_header(ex, "Content-Type");
    if (!takes_pictures || !type || strncmp(type, "image/", 6) != 0)
        return false;
    char declared[64];
    snprintf(declared, sizeof declared, "%.*s", (int)strcspn(type, "; "), type);
    size_t len = 0;
    const char *body = http_body(ex, &len);
    struct sy_err err;
    req->images.refs_param = "inputs";
    if (request_add_reference_image(req, body, len, declared, "inputs", &err) != SY_OK) {
        request_cleanup(req);
        api_respond_error(ex, &err);
        return true;
    }
    call_start(api, &hf_image_encoder, "hf-", req, NULL, ex);
    return true;
}

void hf_models_post(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    struct sy_request req;
    request_init(&req);
    json_t *body = NULL;
    struct sy_err err;
    json_t *model = json_string(http_path_rest(ex));
    sy_code rc = request_set_model(&req, model, "model", &err);
    json_decref(model);
    /* What the model does decides how the body is read: described once. */
    bool pipeline = rc == SY_OK && hf_embed_pipeline(&req);
    struct sy_model_info info;
    const struct sy_model_info *described =
        rc == SY_OK && router_describe(api->router, req.model, &info, NULL) == SY_OK ? &info
                                                                                   : NULL;
    if (rc == SY_OK && (hf_embed_serve(ex, api, &req, pipeline, described) ||
                        hf_speech_serve(ex, api, &req, described)))
        return;
    /* A model that only draws (or films, or composes) takes the prompt for that. */
    static const enum sy_task only[] = {SY_TASK_TEXT_TO_IMAGE, SY_TASK_TEXT_TO_VIDEO,
                                        SY_TASK_TEXT_TO_AUDIO};
    for (size_t i = 0; described && i < sizeof only / sizeof only[0]; i++)
        if (described->caps.tasks == SY_TASK_BIT(only[i]))
            req.task = only[i];
    bool takes_pictures = req.task == SY_TASK_TEXT_TO_IMAGE && described &&
                          described->caps.reference_images;
    if (rc == SY_OK && serve_picture_body(ex, api, &req, takes_pictures))
        return;
    if (rc == SY_OK)
        rc = json_body_parse(ex, &body, &err);
    if (rc == SY_OK)
        rc = hf_parse(body, &req, takes_pictures, &err);
    json_decref(body);
    if (rc != SY_OK) {
        request_cleanup(&req);
        api_respond_error(ex, &err);
        return;
    }
    bool media = req.task == SY_TASK_TEXT_TO_VIDEO || req.task == SY_TASK_TEXT_TO_AUDIO;
    call_start(api, req.task == SY_TASK_TEXT_TO_IMAGE ? &hf_image_encoder
                    : media                           ? &hf_media_encoder
                                                      : &hf_encoder,
               "hf-", &req, NULL, ex);
}
