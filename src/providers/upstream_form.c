/* upstream_form.c -- the transcription upload, built with libcurl's mime API. */
#include "providers/upstream_form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audio/audio_encode.h"
#include "providers/upstream_request.h"
#include "util/buf.h"

/* The request's samples as a WAV file at their own rate. */
static sy_code wav_of(const struct sy_request *req, struct sy_buf *out, struct sy_err *err)
{
    struct audio_encoder *enc = NULL;
    sy_code rc = audio_encoder_create(AUDIO_WAV, req->speech.sample_rate, &enc, err);
    if (rc == SY_OK)
        rc = audio_encoder_write(enc, req->speech.samples, req->speech.n_samples, out, err);
    if (rc == SY_OK)
        rc = audio_encoder_finish(enc, out, err);
    audio_encoder_destroy(enc);
    return rc;
}

static bool add_part(curl_mime *form, const char *name, const char *value)
{
    curl_mimepart *part = curl_mime_addpart(form);
    return part && curl_mime_name(part, name) == CURLE_OK &&
           curl_mime_data(part, value, CURL_ZERO_TERMINATED) == CURLE_OK;
}

/* A field of ours, unless provider_overrides has one of that name: theirs
 * wins, and a form must not carry both. */
static bool add_field(curl_mime *form, const struct sy_request *req, const char *name,
                      const char *value)
{
    return json_object_get(req->provider_overrides, name) ? true : add_part(form, name, value);
}

/* Each override as a field of its name: a string as it is, anything else as
 * its JSON text (OpenAI's form takes arrays such as timestamp_granularities
 * that way from most clients). */
static bool add_overrides(curl_mime *form, const json_t *overrides)
{
    const char *key;
    const json_t *value;
    bool ok = true;
    json_object_foreach((json_t *)overrides, key, value) {
        if (json_is_string(value)) {
            ok = ok && add_part(form, key, json_string_value(value));
            continue;
        }
        char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
        ok = ok && text && add_part(form, key, text);
        free(text);
    }
    return ok;
}

sy_code upstream_transcription_form(CURL *easy, const struct sy_request *req, const char *model,
                                    curl_mime **out, struct sy_err *err)
{
    *out = NULL;
    if (!req->speech.samples || !req->speech.n_samples)
        return sy_errp(err, SY_EINVAL, "file", "there is no audio to transcribe");
    struct sy_buf wav;
    buf_init(&wav, SIZE_MAX / 2);
    sy_code rc = wav_of(req, &wav, err);
    curl_mime *form = rc == SY_OK ? curl_mime_init(easy) : NULL;
    curl_mimepart *file = form ? curl_mime_addpart(form) : NULL;
    bool ok = file && curl_mime_name(file, "file") == CURLE_OK &&
              curl_mime_filename(file, "audio.wav") == CURLE_OK &&
              curl_mime_type(file, "audio/wav") == CURLE_OK &&
              curl_mime_data(file, wav.data, wav.len) == CURLE_OK &&
              add_field(form, req, "model", model) &&
              add_field(form, req, "response_format", "verbose_json");
    buf_cleanup(&wav);
    if (ok && req->speech.language[0] && !req->speech.translate) /* translations take none */
        ok = add_field(form, req, "language", req->speech.language);
    if (ok && req->prompt)
        ok = add_field(form, req, "prompt", req->prompt);
    if (ok && (req->settings.given & SY_SETTING_BIT(SY_SETTING_TEMPERATURE))) {
        char t[32];
        snprintf(t, sizeof t, "%g", req->settings.temperature);
        ok = add_field(form, req, "temperature", t);
    }
    if (ok && json_is_object(req->provider_overrides))
        ok = add_overrides(form, req->provider_overrides);
    if (rc == SY_OK && !ok)
        rc = sy_errf(err, SY_ENOMEM, "out of memory building the upload");
    if (rc != SY_OK) {
        curl_mime_free(form);
        return rc;
    }
    *out = form;
    return SY_OK;
}

/* One number field, as text. */
static bool add_number(curl_mime *form, const struct sy_request *req, const char *name, double v,
                       bool whole)
{
    char text[40];
    snprintf(text, sizeof text, whole ? "%.0f" : "%g", v);
    return add_field(form, req, name, text);
}

/* Ends a form whose fields went in (ok): the overrides, then *out gets it;
 * if anything failed, it is freed. */
static sy_code form_done(curl_mime *form, const struct sy_request *req, bool ok,
                         curl_mime **out, struct sy_err *err)
{
    if (ok && json_is_object(req->provider_overrides))
        ok = add_overrides(form, req->provider_overrides);
    if (!ok) {
        curl_mime_free(form);
        return sy_errf(err, SY_ENOMEM, "out of memory building the upload");
    }
    *out = form;
    return SY_OK;
}

/* The width and height given, as OpenAI's "size": "WxH". */
static bool add_size(curl_mime *form, const struct sy_request *req)
{
    char size[32];
    snprintf(size, sizeof size, "%lldx%lld", (long long)req->settings.width,
             (long long)req->settings.height);
    return add_field(form, req, "size", size);
}

static bool add_picture(curl_mime *form, const char *name, size_t i, const struct sy_picture *p)
{
    static const struct {
        const char *type, *ext;
    } ext[] = {{"image/png", "png"}, {"image/jpeg", "jpg"}, {"image/webp", "webp"}};
    char file[32];
    const char *e = "bin";
    for (size_t k = 0; k < sizeof ext / sizeof ext[0]; k++)
        if (strcmp(ext[k].type, p->type) == 0)
            e = ext[k].ext;
    snprintf(file, sizeof file, "image-%zu.%s", i + 1, e);
    curl_mimepart *part = curl_mime_addpart(form);
    return part && curl_mime_name(part, name) == CURLE_OK &&
           curl_mime_filename(part, file) == CURLE_OK &&
           curl_mime_type(part, p->type) == CURLE_OK &&
           curl_mime_data(part, (const char *)p->data, p->size) == CURLE_OK;
}

sy_code upstream_image_edit_form(const struct sy_provider_config *cfg, CURL *easy,
                                 const struct sy_request *req, const char *model,
                                 curl_mime **out, struct sy_err *err)
{
    *out = NULL;
    const struct sy_settings *s = &req->settings;
    sy_code rc = upstream_check_image_size(cfg, model, s, err);
    if (rc != SY_OK)
        return rc;
    curl_mime *form = curl_mime_init(easy);
    bool ok = form && add_field(form, req, "model", model) &&
              add_field(form, req, "prompt", req->prompt ? req->prompt : "") &&
              add_number(form, req, "n", req->images.n, true) &&
              add_field(form, req, "response_format", "b64_json");
    const char *name = req->images.n_refs > 1 ? "image[]" : "image";
    for (size_t i = 0; ok && i < req->images.n_refs; i++)
        ok = add_picture(form, name, i, &req->images.refs[i]);
    if (ok && (s->given & SY_SETTING_BIT(SY_SETTING_WIDTH)))
        ok = add_size(form, req);
    if (ok && (s->given & SY_SETTING_BIT(SY_SETTING_SEED)))
        ok = add_number(form, req, "seed", (double)s->seed, true);
    if (ok && (s->given & SY_SETTING_BIT(SY_SETTING_NEGATIVE_PROMPT)))
        ok = add_field(form, req, "negative_prompt", s->negative_prompt);
    if (ok && (s->given & SY_SETTING_BIT(SY_SETTING_NUM_INFERENCE_STEPS)))
        ok = add_number(form, req, "num_inference_steps", (double)s->num_inference_steps, true);
    if (ok && (s->given & SY_SETTING_BIT(SY_SETTING_GUIDANCE_SCALE)))
        ok = add_number(form, req, "guidance_scale", s->guidance_scale, false);
    if (ok && (s->given & SY_SETTING_BIT(SY_SETTING_SCHEDULER)))
        ok = add_field(form, req, "scheduler", s->scheduler);
    return form_done(form, req, ok, out, err);
}

sy_code upstream_video_form(const struct sy_provider_config *cfg, CURL *easy,
                            const struct sy_request *req, const char *model, curl_mime **out,
                            struct sy_err *err)
{
    *out = NULL;
    const struct sy_settings *s = &req->settings;
    sy_code rc = upstream_check_video_size(cfg, model, s, err);
    if (rc != SY_OK)
        return rc;
    curl_mime *form = curl_mime_init(easy);
    bool ok = form && add_field(form, req, "model", model) &&
              add_field(form, req, "prompt", req->prompt ? req->prompt : "");
    if (ok && req->media.duration_s > 0) /* OpenAI's seconds: "4", a string */
        ok = add_number(form, req, "seconds", req->media.duration_s, false);
    if (ok && (s->given & SY_SETTING_BIT(SY_SETTING_WIDTH)))
        ok = add_size(form, req);
    return form_done(form, req, ok, out, err);
}
