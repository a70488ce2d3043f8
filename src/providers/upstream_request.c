/* upstream_request.c -- paths and bodies of upstream requests, per dialect. */
#include "providers/upstream_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/base64.h"
#include "util/buf.h"

enum upstream_dialect upstream_dialect_of(const char *kind)
{
    return strcmp(kind, "ollama") == 0 ? UPSTREAM_OLLAMA
           : strcmp(kind, "hf") == 0   ? UPSTREAM_HF
                                       : UPSTREAM_OPENAI;
}

const char *upstream_list_path(enum upstream_dialect d)
{
    return d == UPSTREAM_OLLAMA ? "/api/tags" : d == UPSTREAM_HF ? "/v1/models" : "/models";
}

sy_code upstream_url(const struct sy_provider_config *cfg, enum upstream_dialect d,
                     const struct sy_request *req, const char *model, char *url, size_t size,
                     struct sy_err *err)
{
    bool chat = req->messages && req->n_messages;
    int w;
    if (d == UPSTREAM_HF &&
        (req->task == SY_TASK_TEXT_TO_IMAGE || req->task == SY_TASK_TEXT_TO_AUDIO))
        w = snprintf(url, size, "%s/hf-inference/models/%s", cfg->base_url, model);
    else if (req->task == SY_TASK_TEXT_TO_VIDEO)
        w = snprintf(url, size, "%s/videos", cfg->base_url);
    else if (req->task == SY_TASK_TEXT_TO_IMAGE && req->images.n_refs)
        w = snprintf(url, size, "%s/images/edits", cfg->base_url);
    else if (d == UPSTREAM_HF && req->task == SY_TASK_FEATURE_EXTRACTION)
        w = snprintf(url, size, "%s/hf-inference/models/%s/pipeline/feature-extraction",
                     cfg->base_url, model);
    else if (req->task == SY_TASK_TEXT_TO_SPEECH)
        w = snprintf(url, size, "%s/audio/speech", cfg->base_url);
    else if (req->task == SY_TASK_AUTOMATIC_SPEECH_RECOGNITION)
        w = snprintf(url, size, "%s/audio/%s", cfg->base_url,
                     req->speech.translate ? "translations" : "transcriptions");
    else if (d == UPSTREAM_OLLAMA)
        w = snprintf(url, size, "%s/%s", cfg->base_url,
                     req->task == SY_TASK_FEATURE_EXTRACTION ? "api/embed"
                     : chat                                  ? "api/chat"
                                                             : "api/generate");
    else
        w = snprintf(url, size, "%s%s/%s", cfg->base_url, d == UPSTREAM_HF ? "/v1" : "",
                     req->task == SY_TASK_TEXT_TO_IMAGE       ? "images/generations"
                     : req->task == SY_TASK_FEATURE_EXTRACTION ? "embeddings"
                     : chat                                    ? "chat/completions"
                                                               : "completions");
    if (w < 0 || (size_t)w >= size)
        return sy_errp(err, SY_EINVAL, "model", "model id '%s' makes a URL too long for '%s'",
                       model, cfg->name);
    return SY_OK;
}

const char *upstream_accept(enum upstream_dialect d, const struct sy_request *req)
{
    if (d == UPSTREAM_HF && req->task == SY_TASK_TEXT_TO_IMAGE)
        return "Accept: image/png"; /* hf-inference answers with the picture's bytes */
    if (req->task == SY_TASK_TEXT_TO_AUDIO) /* hf-inference's: the file's bytes */
        return "Accept: audio/wav, audio/flac, audio/mpeg, audio/ogg, audio/*";
    if (req->task == SY_TASK_TEXT_TO_SPEECH)
        return "Accept: audio/pcm, application/octet-stream";
    if (req->task == SY_TASK_TEXT_TO_IMAGE || req->task == SY_TASK_FEATURE_EXTRACTION ||
        req->task == SY_TASK_AUTOMATIC_SPEECH_RECOGNITION || req->task == SY_TASK_TEXT_TO_VIDEO)
        return "Accept: application/json";
    return d == UPSTREAM_OLLAMA ? "Accept: application/x-ndjson" : "Accept: text/event-stream";
}

const struct sy_provider_audio_model *upstream_audio_model(const struct sy_provider_config *cfg,
                                                           const char *id)
{
    for (size_t i = 0; i < cfg->n_audio; i++)
        if (strcmp(cfg->audio[i].model, id) == 0)
            return &cfg->audio[i];
    return NULL;
}

const struct sy_provider_image_model *upstream_image_model(const struct sy_provider_config *cfg,
                                                           const char *id)
{
    for (size_t i = 0; i < cfg->n_images; i++)
        if (strcmp(cfg->images[i].model, id) == 0)
            return &cfg->images[i];
    return NULL;
}

const struct sy_provider_video_model *upstream_video_model(const struct sy_provider_config *cfg,
                                                           const char *id)
{
    for (size_t i = 0; i < cfg->n_videos; i++)
        if (strcmp(cfg->videos[i].model, id) == 0)
            return &cfg->videos[i];
    return NULL;
}

/* ---- text generation ------------------------------------------------------------------- */

/* Where each setting goes in the upstream's request: OpenAI's field or
 * Ollama's option (NULL: that dialect has none, and the capability check has
 * already refused it). */
static const struct {
    enum sy_setting setting;
    const char *openai, *ollama;
} setting_names[] = {
    {SY_SETTING_TEMPERATURE, "temperature", "temperature"},
    {SY_SETTING_TOP_P, "top_p", "top_p"},
    {SY_SETTING_TOP_K, NULL, "top_k"},
    {SY_SETTING_MAX_NEW_TOKENS, "max_tokens", "num_predict"},
    {SY_SETTING_REPETITION_PENALTY, NULL, "repeat_penalty"},
    {SY_SETTING_PRESENCE_PENALTY, "presence_penalty", "presence_penalty"},
    {SY_SETTING_FREQUENCY_PENALTY, "frequency_penalty", "frequency_penalty"},
    {SY_SETTING_SEED, "seed", "seed"},
    {SY_SETTING_STOP, "stop", "stop"},
};

/* A given setting's value as JSON; NULL when it says nothing to send. */
static json_t *setting_value(const struct sy_settings *s, enum sy_setting which)
{
    switch (which) {
    case SY_SETTING_TEMPERATURE: return json_real(s->temperature);
    case SY_SETTING_TOP_P: return json_real(s->top_p);
    case SY_SETTING_TOP_K: return json_integer(s->top_k);
    case SY_SETTING_MAX_NEW_TOKENS:
        return s->max_new_tokens > 0 ? json_integer(s->max_new_tokens) : NULL;
    case SY_SETTING_REPETITION_PENALTY: return json_real(s->repetition_penalty);
    case SY_SETTING_PRESENCE_PENALTY: return json_real(s->presence_penalty);
    case SY_SETTING_FREQUENCY_PENALTY: return json_real(s->frequency_penalty);
    case SY_SETTING_SEED: return json_integer(s->seed);
    case SY_SETTING_STOP: {
        json_t *stop = s->n_stop ? json_array() : NULL;
        for (size_t i = 0; i < s->n_stop; i++)
            json_array_append_new(stop, json_string(s->stop[i]));
        return stop;
    }
    default: return NULL;
    }
}

/* OpenAI (and the HF router): /chat/completions or /completions with the
 * settings as fields. Ollama: /api/chat or /api/generate with the settings as
 * its options, and a raw prompt sent raw (no template), as /v1/completions
 * means it; provider-specific fields are merged into "options" too. */
static json_t *text_body(enum upstream_dialect d, const struct sy_request *req, const char *model)
{
    bool ollama = d == UPSTREAM_OLLAMA;
    json_t *b = json_pack("{s:s, s:b}", "model", model, "stream", 1);
    json_t *opt = ollama ? json_object() : NULL;
    if (!b || (ollama && !opt)) {
        json_decref(b);
        json_decref(opt);
        return NULL;
    }
    if (!ollama)
        json_object_set_new(b, "stream_options", json_pack("{s:b}", "include_usage", 1));
    if (req->messages && req->n_messages) {
        json_t *msgs = json_array();
        for (size_t i = 0; i < req->n_messages; i++)
            json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", req->messages[i].role,
                                                  "content", req->messages[i].content));
        json_object_set_new(b, "messages", msgs);
    } else {
        json_object_set_new(b, "prompt", json_string(req->prompt ? req->prompt : ""));
        if (ollama)
            json_object_set_new(b, "raw", json_true());
    }
    const struct sy_settings *s = &req->settings;
    json_t *into = ollama ? opt : b;
    for (size_t i = 0; i < sizeof setting_names / sizeof setting_names[0]; i++) {
        const char *name = ollama ? setting_names[i].ollama : setting_names[i].openai;
        json_t *v = name && (s->given & SY_SETTING_BIT(setting_names[i].setting))
                        ? setting_value(s, setting_names[i].setting)
                        : NULL;
        if (v)
            json_object_set_new(into, name, v);
    }
    /* Greedy, asked for by name, is temperature 0 in both dialects. */
    if (!(s->given & SY_SETTING_BIT(SY_SETTING_TEMPERATURE)) &&
        (s->given & SY_SETTING_BIT(SY_SETTING_DO_SAMPLE)) && !s->do_sample)
        json_object_set_new(into, "temperature", json_real(0));
    if (opt)
        json_object_set_new(b, "options", opt);
    return b;
}

/* ---- embeddings ------------------------------------------------------------------------ */

/* OpenAI's /embeddings ({"model", "input", "encoding_format": "float",
 * "dimensions"?}), Ollama's /api/embed ({"model", "input", "truncate",
 * "dimensions"?}) or hf-inference's feature-extraction ({"inputs",
 * "truncate"}: the model is in the path, and it has no way to shorten). */
static json_t *embed_body(const struct sy_provider_config *cfg, enum upstream_dialect d,
                          const struct sy_request *req, const char *model, struct sy_err *err)
{
    if (d == UPSTREAM_HF && req->embed.dimensions) {
        char param[SY_ERR_PARAM_MAX];
        sy_errp(err, SY_EUNSUPPORTED, request_option_param(req, "dimensions", param, sizeof param),
                "provider '%s' (hf-inference) makes embeddings of the model's own length only; "
                "remove 'dimensions'", cfg->name);
        return NULL;
    }
    json_t *input = json_array();
    for (size_t i = 0; input && i < req->embed.n_inputs; i++)
        if (json_array_append_new(input, json_string(req->embed.inputs[i])) != 0) {
            json_decref(input);
            input = NULL;
        }
    json_t *b = !input             ? NULL
                : d == UPSTREAM_HF ? json_pack("{s:o}", "inputs", input)
                                   : json_pack("{s:s, s:o}", "model", model, "input", input);
    if (b && d != UPSTREAM_OPENAI)
        json_object_set_new(b, "truncate", json_boolean(req->embed.truncate));
    else if (b)
        json_object_set_new(b, "encoding_format", json_string("float"));
    if (b && req->embed.dimensions)
        json_object_set_new(b, "dimensions", json_integer(req->embed.dimensions));
    if (!b)
        sy_errf(err, SY_ENOMEM, "out of memory building a request");
    return b;
}

/* ---- images ---------------------------------------------------------------------------- */

/* Checks a width and height (settings) against the n sizes a model makes
 * (none: any); `what` names what it makes ("pictures", "videos"). */
static sy_code check_size(const struct sy_provider_config *cfg, const char *model,
                          const struct sy_settings *s, const unsigned *width,
                          const unsigned *height, size_t n, const char *what, struct sy_err *err)
{
    bool sized = s->given & (SY_SETTING_BIT(SY_SETTING_WIDTH) | SY_SETTING_BIT(SY_SETTING_HEIGHT));
    if (sized && (!(s->given & SY_SETTING_BIT(SY_SETTING_WIDTH)) ||
                  !(s->given & SY_SETTING_BIT(SY_SETTING_HEIGHT))))
        return sy_errp(err, SY_EINVAL, settings_param(s, SY_SETTING_WIDTH),
                       "give both width and height, or neither");
    if (!sized || !n)
        return SY_OK;
    char list[SY_PROVIDER_IMAGE_SIZES_MAX * 12] = "";
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (width[i] == (unsigned)s->width && height[i] == (unsigned)s->height)
            return SY_OK;
        int k = snprintf(list + used, sizeof list - used, "%s%ux%u", i ? ", " : "", width[i],
                         height[i]);
        if (k > 0 && (size_t)k < sizeof list - used)
            used += (size_t)k;
    }
    return sy_errp(err, SY_EUNSUPPORTED, settings_param(s, SY_SETTING_WIDTH),
                   "model '%s:%s' makes %s of %s only; %lldx%lld is not one of them", cfg->name,
                   model, what, list, (long long)s->width, (long long)s->height);
}

sy_code upstream_check_image_size(const struct sy_provider_config *cfg, const char *model,
                                  const struct sy_settings *s, struct sy_err *err)
{
    const struct sy_provider_image_model *im = upstream_image_model(cfg, model);
    return check_size(cfg, model, s, im ? im->width : NULL, im ? im->height : NULL,
                      im ? im->n_sizes : 0, "pictures", err);
}

sy_code upstream_check_video_size(const struct sy_provider_config *cfg, const char *model,
                                  const struct sy_settings *s, struct sy_err *err)
{
    const struct sy_provider_video_model *vm = upstream_video_model(cfg, model);
    return check_size(cfg, model, s, vm ? vm->width : NULL, vm ? vm->height : NULL,
                      vm ? vm->n_sizes : 0, "videos", err);
}

/* The diffusion settings given, under their own names (OpenAI's extensions
 * and the HF text-to-image parameters agree on them), into o. */
static void put_image_settings(const struct sy_settings *s, bool sizes_apart, json_t *o)
{
    if (sizes_apart && (s->given & SY_SETTING_BIT(SY_SETTING_WIDTH))) {
        json_object_set_new(o, "width", json_integer(s->width));
        json_object_set_new(o, "height", json_integer(s->height));
    }
    if (s->given & SY_SETTING_BIT(SY_SETTING_SEED))
        json_object_set_new(o, "seed", json_integer(s->seed));
    if (s->given & SY_SETTING_BIT(SY_SETTING_NEGATIVE_PROMPT))
        json_object_set_new(o, "negative_prompt", json_string(s->negative_prompt));
    if (s->given & SY_SETTING_BIT(SY_SETTING_NUM_INFERENCE_STEPS))
        json_object_set_new(o, "num_inference_steps", json_integer(s->num_inference_steps));
    if (s->given & SY_SETTING_BIT(SY_SETTING_GUIDANCE_SCALE))
        json_object_set_new(o, "guidance_scale", json_real(s->guidance_scale));
    if (s->given & SY_SETTING_BIT(SY_SETTING_SCHEDULER))
        json_object_set_new(o, "scheduler", json_string(s->scheduler));
}

/* A picture as a JSON string of its base64; NULL if out of memory. */
static json_t *base64_json(const struct sy_picture *p)
{
    struct sy_buf b64;
    buf_init(&b64, SIZE_MAX / 2);
    json_t *out = base64_encode(p->data, p->size, &b64, NULL) == SY_OK
                      ? json_stringn(b64.data, b64.len)
                      : NULL;
    buf_cleanup(&b64);
    return out;
}

/* OpenAI's /images/generations: {"model", "prompt", "n", "size"?,
 * "response_format": "b64_json"} and the diffusion settings. hf-inference:
 * {"inputs": prompt, "parameters": {width, height, ...}}, one picture per
 * request; with a reference picture (image-to-image), {"inputs": its base64,
 * "parameters": {"prompt", ...}}. */
static json_t *image_body(const struct sy_provider_config *cfg, enum upstream_dialect d,
                          const struct sy_request *req, const char *model, struct sy_err *err)
{
    const struct sy_settings *s = &req->settings;
    if (upstream_check_image_size(cfg, model, s, err) != SY_OK)
        return NULL;
    json_t *b;
    if (d == UPSTREAM_HF) {
        if (req->images.n > 1) {
            sy_errp(err, SY_EUNSUPPORTED, "n", "provider '%s' (hf-inference) makes one picture "
                    "per request; ask for n = 1 and send more requests", cfg->name);
            return NULL;
        }
        json_t *params = json_object();
        if (params)
            put_image_settings(s, true, params);
        if (params && req->images.n_refs) /* image-to-image: the picture is the input */
            json_object_set_new(params, "prompt", json_string(req->prompt ? req->prompt : ""));
        json_t *input = req->images.n_refs ? base64_json(&req->images.refs[0])
                                           : json_string(req->prompt ? req->prompt : "");
        b = params && input ? json_pack("{s:o, s:o}", "inputs", input, "parameters", params)
                            : NULL; /* json_pack takes both, even when it fails */
        if (!params || !input) {
            json_decref(params);
            json_decref(input);
        }
    } else {
        b = json_pack("{s:s, s:s, s:i, s:s}", "model", model, "prompt",
                      req->prompt ? req->prompt : "", "n", (int)req->images.n,
                      "response_format", "b64_json");
        if (b && (s->given & SY_SETTING_BIT(SY_SETTING_WIDTH))) {
            char size[32];
            snprintf(size, sizeof size, "%lldx%lld", (long long)s->width, (long long)s->height);
            json_object_set_new(b, "size", json_string(size));
        }
        if (b)
            put_image_settings(s, false, b);
    }
    if (!b)
        sy_errf(err, SY_ENOMEM, "out of memory building a request");
    return b;
}

/* OpenAI's /audio/speech: {"model", "input", "voice"?, "speed"?,
 * "response_format": "pcm"}. */
static json_t *speech_body(const struct sy_request *req, const char *model)
{
    json_t *b = json_pack("{s:s, s:s, s:s}", "model", model, "input",
                          req->prompt ? req->prompt : "", "response_format", "pcm");
    if (b && req->speech.voice[0])
        json_object_set_new(b, "voice", json_string(req->speech.voice));
    if (b && req->speech.speed > 0)
        json_object_set_new(b, "speed", json_real(req->speech.speed));
    return b;
}

/* hf-inference's text-to-audio: {"inputs": the text, "parameters": {}};
 * the length is the model's own (the capability check refuses a duration). */
static json_t *music_body(const struct sy_request *req)
{
    return json_pack("{s:s, s:{}}", "inputs", req->prompt ? req->prompt : "", "parameters");
}

sy_code upstream_body(const struct sy_provider_config *cfg, enum upstream_dialect d,
                      const struct sy_request *req, const char *model, char **out,
                      struct sy_err *err)
{
    *out = NULL;
    struct sy_err e = {0};
    json_t *b = req->task == SY_TASK_TEXT_TO_IMAGE        ? image_body(cfg, d, req, model, &e)
                : req->task == SY_TASK_FEATURE_EXTRACTION ? embed_body(cfg, d, req, model, &e)
                : req->task == SY_TASK_TEXT_TO_SPEECH     ? speech_body(req, model)
                : req->task == SY_TASK_TEXT_TO_AUDIO      ? music_body(req)
                                                          : text_body(d, req, model);
    if (!b) {
        if (err)
            *err = e;
        return e.code ? e.code : sy_errf(err, SY_ENOMEM, "out of memory building a request");
    }
    /* Ollama's options and hf-inference's parameters merge with what the
     * overrides say; any other field is replaced whole. */
    bool nested = (d == UPSTREAM_OLLAMA && req->task == SY_TASK_TEXT_GENERATION) ||
                  (d == UPSTREAM_HF && (req->task == SY_TASK_TEXT_TO_IMAGE ||
                                        req->task == SY_TASK_TEXT_TO_AUDIO));
    if (json_is_object(req->provider_overrides) && nested)
        json_object_update_recursive(b, req->provider_overrides);
    else if (json_is_object(req->provider_overrides))
        json_object_update(b, req->provider_overrides);
    *out = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    return *out ? SY_OK : sy_errf(err, SY_ENOMEM, "out of memory building a request");
}
