/* upstream_form.c -- the transcription upload, built with libcurl's mime API. */
#include "providers/upstream_form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audio/audio_encode.h"
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

static bool add_field(curl_mime *form, const char *name, const char *value)
{
    curl_mimepart *part = curl_mime_addpart(form);
    return part && curl_mime_name(part, name) == CURLE_OK &&
           curl_mime_data(part, value, CURL_ZERO_TERMINATED) == CURLE_OK;
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
            ok = ok && add_field(form, key, json_string_value(value));
            continue;
        }
        char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
        ok = ok && text && add_field(form, key, text);
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
              add_field(form, "model", model) &&
              add_field(form, "response_format", "verbose_json");
    buf_cleanup(&wav);
    if (ok && req->speech.language[0] && !req->speech.translate) /* translations take none */
        ok = add_field(form, "language", req->speech.language);
    if (ok && req->prompt)
        ok = add_field(form, "prompt", req->prompt);
    if (ok && (req->settings.given & SY_SETTING_BIT(SY_SETTING_TEMPERATURE))) {
        char t[32];
        snprintf(t, sizeof t, "%g", req->settings.temperature);
        ok = add_field(form, "temperature", t);
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
