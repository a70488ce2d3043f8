/* hf_speech.c -- speech on the Hugging Face Inference API: POST /models/{id}
 * for automatic-speech-recognition and text-to-speech models.
 *
 * Recognition takes the audio file as the raw body (any audio Content-Type),
 * or JSON {"inputs": "<base64 audio>", "parameters": {...}}, and answers
 * {"text": "..."} (with "chunks" of timed text when
 * parameters.return_timestamps is true). Synthesis takes
 * {"inputs": "text", "parameters": {"voice", "speed"}} and answers the audio
 * itself, FLAC unless the Accept header asks for wav, mpeg or ogg. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/call.h"
#include "api/hf.h"
#include "api/json_body.h"
#include "api/speech.h"
#include "util/base64.h"

static const char *const speech_keys[] = {"inputs", "parameters", "options", NULL};
static const char *const tts_parameter_keys[] = {"voice", "speed", NULL};
static const char *const asr_parameter_keys[] = {"return_timestamps", "language", "phrases",
                                                 NULL};
static const char *const option_keys[] = {"use_cache", "wait_for_model", NULL};

static const struct setting_alias option_aliases[] = {
    {"options.use_cache", SY_SETTING_USE_CACHE},
    {"options.wait_for_model", SY_SETTING_WAIT_FOR_MODEL},
};

struct hf_asr_opts {
    bool timestamps;
};

static sy_code check_members(const json_t *body, const char *const *parameter_keys,
                             struct sy_request *req, struct sy_err *err)
{
    sy_code rc = json_body_known_keys(body, speech_keys, "", err);
    snprintf(req->options_at, sizeof req->options_at, "parameters.");
    const json_t *p = json_object_get(body, "parameters");
    const json_t *o = json_object_get(body, "options");
    if (rc == SY_OK && p && !json_is_null(p))
        rc = json_is_object(p) ? json_body_known_keys(p, parameter_keys, "parameters", err)
                               : sy_errp(err, SY_EINVAL, "parameters",
                                         "'parameters' must be an object");
    if (rc == SY_OK && o && !json_is_null(o))
        rc = json_is_object(o) ? json_body_known_keys(o, option_keys, "options", err)
                               : sy_errp(err, SY_EINVAL, "options", "'options' must be an object");
    if (rc == SY_OK)
        rc = settings_read(body, option_aliases, 2, &req->settings, err);
    /* As for text: a model that is not loaded answers 503 unless told to wait. */
    req->residency.wait_for_load = req->settings.wait_for_model;
    return rc;
}

/* ---- text-to-speech --------------------------------------------------------------------- */

static const struct call_encoder tts_encoder = {
    .stream_audio = speech_out_audio,
    .stream_done = speech_out_done,
};

/* The format the Accept header asks for; FLAC (the Inference API's) if none. */
static enum audio_format accepted_format(const char *accept)
{
    static const struct {
        const char *type;
        enum audio_format format;
    } types[] = {{"audio/wav", AUDIO_WAV},   {"audio/x-wav", AUDIO_WAV}, {"audio/mpeg", AUDIO_MP3},
                 {"audio/ogg", AUDIO_OPUS},  {"audio/opus", AUDIO_OPUS}, {"audio/flac", AUDIO_FLAC}};
    for (size_t i = 0; accept && i < sizeof types / sizeof types[0]; i++)
        if (strcasestr(accept, types[i].type))
            return types[i].format;
    return AUDIO_FLAC;
}

static void serve_tts(struct http_exchange *ex, struct api_ctx *api, struct sy_request *req)
{
    json_t *body = NULL;
    struct sy_err err;
    sy_code rc = json_body_parse(ex, &body, &err);
    if (rc == SY_OK)
        rc = check_members(body, tts_parameter_keys, req, &err);
    const json_t *inputs = json_object_get(body, "inputs");
    if (rc == SY_OK && !json_is_string(inputs))
        rc = sy_errp(&err, SY_EINVAL, "inputs",
                     "'inputs' must be the text to speak (a string) for text-to-speech");
    if (rc == SY_OK)
        rc = request_set_prompt(req, inputs, "inputs", &err);
    if (rc == SY_OK)
        rc = request_set_voice(req, settings_lookup(body, "parameters.voice"), "parameters.voice",
                               &err);
    if (rc == SY_OK)
        rc = request_set_speed(req, settings_lookup(body, "parameters.speed"), "parameters.speed",
                               &err);
    enum audio_format format = accepted_format(http_header(ex, "Accept"));
    if (rc == SY_OK)
        rc = audio_format_check(format, &err);
    json_decref(body);
    if (rc != SY_OK) {
        request_cleanup(req);
        api_respond_error(ex, &err);
        return;
    }
    req->stream = true;
    struct call *c = call_create(api, &tts_encoder, "hf-", req);
    if (!c || speech_out_attach(c, format, &err) != SY_OK) {
        if (c)
            call_discard(c);
        api_respond_errorf(ex, SY_ENOMEM, NULL, "out of memory starting the request");
        return;
    }
    call_run(c, ex);
}

/* ---- automatic-speech-recognition ------------------------------------------------------- */

static json_t *asr_complete(struct call *c)
{
    const struct hf_asr_opts *opts = c->surface;
    json_t *out = json_pack("{s:s%}", "text", c->text.data ? c->text.data : "", c->text.len);
    if (!out || !opts->timestamps)
        return out;
    json_t *chunks = json_array();
    size_t i;
    json_t *seg;
    json_array_foreach(c->segments, i, seg)
        json_array_append_new(chunks, json_pack("{s:O, s:[O, O]}", "text",
                                                json_object_get(seg, "text"), "timestamp",
                                                json_object_get(seg, "start"),
                                                json_object_get(seg, "end")));
    json_object_set_new(out, "chunks", chunks);
    return out;
}

static const struct call_encoder asr_encoder = {.complete = asr_complete};

/* JSON bodies carry the audio as base64 in "inputs"; anything else is the file. */
static bool is_json(const char *type)
{
    return type && strncasecmp(type, "application/json", 16) == 0;
}

static void serve_asr(struct http_exchange *ex, struct api_ctx *api, struct sy_request *req)
{
    struct hf_asr_opts *opts = calloc(1, sizeof *opts);
    struct sy_err err;
    sy_code rc = opts ? SY_OK : sy_errf(&err, SY_ENOMEM, "out of memory reading the request");
    size_t len;
    const char *data = http_body(ex, &len);
    struct sy_buf audio;
    buf_init(&audio, SY_AUDIO_UPLOAD_MAX);
    if (rc == SY_OK && is_json(http_header(ex, "Content-Type"))) {
        json_t *body = NULL;
        rc = json_body_parse(ex, &body, &err);
        if (rc == SY_OK)
            rc = check_members(body, asr_parameter_keys, req, &err);
        const json_t *inputs = json_object_get(body, "inputs");
        if (rc == SY_OK && !json_is_string(inputs))
            rc = sy_errp(&err, SY_EINVAL, "inputs",
                         "'inputs' must be the audio file, base64-encoded, or send the file "
                         "itself as the body with its audio Content-Type");
        if (rc == SY_OK &&
            base64_decode(json_string_value(inputs), json_string_length(inputs), &audio, &err) !=
                SY_OK)
            rc = sy_errp(&err, SY_EINVAL, "inputs", "'inputs' is not valid base64: %s", err.msg);
        const json_t *ts = settings_lookup(body, "parameters.return_timestamps");
        if (rc == SY_OK && ts && !json_is_null(ts) && !json_is_boolean(ts))
            rc = sy_errp(&err, SY_EINVAL, "parameters.return_timestamps",
                         "'parameters.return_timestamps' must be true or false");
        if (rc == SY_OK)
            opts->timestamps = json_is_true(ts);
        if (rc == SY_OK)
            rc = request_set_language(req, settings_lookup(body, "parameters.language"),
                                      "parameters.language", &err);
        if (rc == SY_OK)
            rc = request_set_phrases(req, settings_lookup(body, "parameters.phrases"),
                                     "parameters.phrases", &err);
        json_decref(body);
        data = audio.data;
        len = audio.len;
    } else if (rc == SY_OK) {
        req->residency.wait_for_load = false; /* as with JSON bodies without the option */
        const char *wait = http_header(ex, "X-Wait-For-Model");
        if (wait && strcasecmp(wait, "true") == 0)
            req->residency.wait_for_load = true;
    }
    if (rc == SY_OK)
        rc = speech_take_upload(api, req, data ? data : "", len, "inputs", &err);
    buf_cleanup(&audio);
    if (rc != SY_OK) {
        free(opts);
        request_cleanup(req);
        api_respond_error(ex, &err);
        return;
    }
    call_start(api, &asr_encoder, "hf-", req, opts, ex);
}

bool hf_speech_serve(struct http_exchange *ex, struct api_ctx *api, struct sy_request *req,
                     const struct sy_model_info *model)
{
    if (!model)
        return false; /* the text path reports it */
    uint32_t tasks = model->caps.tasks;
    if (tasks & SY_TASK_BIT(SY_TASK_TEXT_GENERATION))
        return false;
    if (tasks & SY_TASK_BIT(SY_TASK_TEXT_TO_SPEECH)) {
        req->task = SY_TASK_TEXT_TO_SPEECH;
        serve_tts(ex, api, req);
        return true;
    }
    if (tasks & SY_TASK_BIT(SY_TASK_AUTOMATIC_SPEECH_RECOGNITION)) {
        req->task = SY_TASK_AUTOMATIC_SPEECH_RECOGNITION;
        serve_asr(ex, api, req);
        return true;
    }
    return false;
}
