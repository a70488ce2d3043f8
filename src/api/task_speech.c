/* task_speech.c -- text-to-speech and speech recognition in the task API. */
#include "api/task_speech.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/json_body.h"
#include "api/speech.h"
#include "api/task.h"
#include "util/base64.h"

static const char *const tts_input_keys[] = {"text", "voice", "speed", "format", NULL};
static const char *const asr_input_keys[] = {"audio", "language", "phrases", "prompt",
                                             "translate", NULL};

sy_code task_speech_inputs(struct api_ctx *api, const json_t *inputs, struct sy_request *req,
                           enum audio_format *format, struct sy_err *err)
{
    sy_code rc;
    *format = AUDIO_WAV;
    snprintf(req->options_at, sizeof req->options_at, "inputs.");
    if (req->task == SY_TASK_TEXT_TO_SPEECH) {
        if ((rc = json_body_known_keys(inputs, tts_input_keys, "inputs", err)) != SY_OK)
            return rc;
        const json_t *text = json_object_get(inputs, "text");
        if (!json_is_string(text))
            return sy_errp(err, SY_EINVAL, "inputs.text",
                           "text-to-speech needs 'inputs.text', the text to speak");
        const json_t *f = json_object_get(inputs, "format");
        if (f && !json_is_null(f) &&
            (!json_is_string(f) || audio_format_parse(json_string_value(f), format, err) != SY_OK))
            return sy_errp(err, SY_EINVAL, "inputs.format",
                           "'inputs.format' must be one of mp3, opus, flac, wav, pcm");
        if ((rc = audio_format_check(*format, err)) != SY_OK) {
            if (err)
                snprintf(err->param, sizeof err->param, "inputs.format");
            return rc;
        }
        if ((rc = request_set_prompt(req, text, "inputs.text", err)) != SY_OK ||
            (rc = request_set_voice(req, json_object_get(inputs, "voice"), "inputs.voice",
                                    err)) != SY_OK)
            return rc;
        return request_set_speed(req, json_object_get(inputs, "speed"), "inputs.speed", err);
    }
    if ((rc = json_body_known_keys(inputs, asr_input_keys, "inputs", err)) != SY_OK)
        return rc;
    const json_t *audio = json_object_get(inputs, "audio");
    if (!json_is_string(audio))
        return sy_errp(err, SY_EINVAL, "inputs.audio",
                       "automatic-speech-recognition needs 'inputs.audio', the audio file "
                       "base64-encoded");
    if ((rc = request_set_language(req, json_object_get(inputs, "language"), "inputs.language",
                                   err)) != SY_OK ||
        (rc = request_set_phrases(req, json_object_get(inputs, "phrases"), "inputs.phrases",
                                  err)) != SY_OK)
        return rc;
    /* whisper's: context for the recogniser, and English text whatever was said. */
    const json_t *prompt = json_object_get(inputs, "prompt");
    if (prompt && !json_is_null(prompt) &&
        (rc = request_set_prompt(req, prompt, "inputs.prompt", err)) != SY_OK)
        return rc;
    const json_t *translate = json_object_get(inputs, "translate");
    if (translate && !json_is_null(translate) && !json_is_boolean(translate))
        return sy_errp(err, SY_EINVAL, "inputs.translate", "'inputs.translate' must be true or "
                                                           "false");
    req->speech.translate = json_is_true(translate);
    struct sy_buf bytes;
    buf_init(&bytes, SY_AUDIO_UPLOAD_MAX);
    rc = base64_decode(json_string_value(audio), json_string_length(audio), &bytes, err);
    if (rc == SY_EINVAL)
        sy_errp(err, rc, "inputs.audio", "'inputs.audio' is not valid base64");
    else if (rc == SY_ETOOLARGE)
        sy_errp(err, rc, "inputs.audio", "'inputs.audio' is larger than %u bytes",
                SY_AUDIO_UPLOAD_MAX);
    if (rc == SY_OK)
        rc = speech_take_upload(api, req, bytes.data ? bytes.data : "", bytes.len,
                                "inputs.audio", err);
    buf_cleanup(&bytes);
    return rc;
}

sy_code task_speech_attach(struct call *c, enum audio_format format, struct sy_err *err)
{
    sy_code rc = speech_out_attach(c, format, err);
    c->content_type[0] = '\0'; /* the stream itself is SSE; the format rides in the events */
    return rc;
}

/* An `audio` event carrying bytes of the file, if there are any. */
static sy_code audio_event(struct call *c, const struct sy_buf *bytes, struct sy_buf *out)
{
    if (bytes->len == 0)
        return SY_OK;
    struct speech_out *so = c->surface;
    struct sy_buf b64;
    buf_init(&b64, SIZE_MAX / 2);
    sy_code rc = base64_encode(bytes->data, bytes->len, &b64, NULL);
    if (rc == SY_OK)
        rc = task_event_write(out, "audio",
                              json_pack("{s:s%, s:s}", "audio", b64.data, b64.len, "content_type",
                                        audio_format_content_type(so->format)));
    buf_cleanup(&b64);
    return rc;
}

sy_code task_speech_stream_audio(struct call *c, const int16_t *pcm, size_t n, unsigned rate,
                                 struct sy_buf *out)
{
    struct sy_buf bytes;
    buf_init(&bytes, SIZE_MAX / 2);
    sy_code rc = speech_out_audio(c, pcm, n, rate, &bytes);
    if (rc == SY_OK)
        rc = audio_event(c, &bytes, out);
    buf_cleanup(&bytes);
    return rc;
}

sy_code task_speech_stream_tail(struct call *c, struct sy_buf *out)
{
    if (c->req.task != SY_TASK_TEXT_TO_SPEECH)
        return SY_OK;
    struct sy_buf bytes;
    buf_init(&bytes, SIZE_MAX / 2);
    sy_code rc = speech_out_done(c, &bytes);
    if (rc == SY_OK)
        rc = audio_event(c, &bytes, out);
    buf_cleanup(&bytes);
    return rc;
}

sy_code task_speech_stream_segment(struct call *c, const json_t *segment, struct sy_buf *out)
{
    (void)c;
    return task_event_write(out, "segment", json_deep_copy(segment));
}

json_t *task_speech_output(struct call *c)
{
    if (c->req.task == SY_TASK_AUTOMATIC_SPEECH_RECOGNITION)
        return json_pack("{s:s%, s:o}", "text", c->text.data ? c->text.data : "", c->text.len,
                         "segments", transcript_segments(c));
    /* Not streamed: the samples were collected; encode the whole file now. */
    struct speech_out *so = c->surface;
    struct sy_buf file, b64;
    buf_init(&file, SIZE_MAX / 2);
    buf_init(&b64, SIZE_MAX / 2);
    const int16_t *pcm = (const int16_t *)(const void *)c->audio.data;
    sy_code rc = speech_out_audio(c, pcm ? pcm : (const int16_t *)"\0", c->audio.len / 2,
                                  c->audio_rate ? c->audio_rate : 22050, &file);
    if (rc == SY_OK)
        rc = speech_out_done(c, &file);
    if (rc == SY_OK)
        rc = base64_encode(file.data, file.len, &b64, NULL);
    json_t *outj = rc == SY_OK ? json_pack("{s:s%, s:s, s:s, s:f}", "audio", b64.data ? b64.data : "",
                                           b64.len, "content_type",
                                           audio_format_content_type(so->format), "format",
                                           audio_format_name(so->format), "duration_s",
                                           c->usage.audio_seconds)
                               : NULL;
    buf_cleanup(&file);
    buf_cleanup(&b64);
    return outj;
}

void task_speech_timings(const struct call *c, json_t *timings)
{
    double audio_s = c->usage.audio_seconds;
    json_object_set_new(timings, "audio_seconds", json_real(audio_s));
    json_object_set_new(timings, "real_time_factor",
                        json_real(audio_s > 0 ? c->usage.decode_ms / 1e3 / audio_s : 0.0));
}
