/* openai_audio.c -- OpenAI's audio API: POST /v1/audio/speech and
 * POST /v1/audio/transcriptions.
 *
 * Speech answers with the audio file itself, streamed as it is synthesised.
 * Transcriptions take a multipart form (the file and the options) and answer
 * in the response_format asked: json, text, srt, vtt or verbose_json, or as
 * server-sent transcript.text.delta events with stream=true. Options a model
 * cannot honour are refused by name (422), never ignored. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/call.h"
#include "api/json_body.h"
#include "api/openai.h"
#include "api/speech.h"
#include "api/sse.h"
#include "http/form.h"

/* ---- POST /v1/audio/speech -------------------------------------------------------------- */

static const char *const speech_keys[] = {"model", "input", "voice", "response_format", "speed",
                                          "instructions", "stream_format", NULL};

static const struct call_encoder speech_encoder = {
    .stream_audio = speech_out_audio,
    .stream_done = speech_out_done,
};

static sy_code speech_parse(const json_t *body, struct sy_request *req, enum audio_format *format,
                            struct sy_err *err)
{
    sy_code rc = json_body_known_keys(body, speech_keys, "", err);
    if (rc == SY_OK)
        rc = request_set_model(req, json_object_get(body, "model"), "model", err);
    if (rc != SY_OK)
        return rc;
    req->task = SY_TASK_TEXT_TO_SPEECH;
    const json_t *input = json_object_get(body, "input");
    if (!json_is_string(input))
        return sy_errp(err, SY_EINVAL, "input", "'input' is required: the text to speak");
    if ((rc = request_set_prompt(req, input, "input", err)) != SY_OK ||
        (rc = request_set_voice(req, json_object_get(body, "voice"), "voice", err)) != SY_OK ||
        (rc = request_set_speed(req, json_object_get(body, "speed"), "speed", err)) != SY_OK)
        return rc;
    const json_t *v = json_object_get(body, "instructions");
    if (v && !json_is_null(v) && !(json_is_string(v) && json_string_length(v) == 0))
        return sy_errp(err, SY_EUNSUPPORTED, "instructions",
                       "'instructions' (how to speak) needs a model that follows them; the "
                       "local speech engines do not, so remove it");
    v = json_object_get(body, "stream_format");
    if (v && !json_is_null(v) && !(json_is_string(v) && strcmp(json_string_value(v), "audio") == 0))
        return sy_errp(err, SY_EUNSUPPORTED, "stream_format",
                       "'stream_format' must be \"audio\": the audio file is streamed as it is "
                       "made");
    *format = AUDIO_MP3; /* OpenAI's default */
    v = json_object_get(body, "response_format");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v))
            return sy_errp(err, SY_EINVAL, "response_format", "'response_format' must be a string");
        if ((rc = audio_format_parse(json_string_value(v), format, err)) != SY_OK)
            return rc;
    }
    if ((rc = audio_format_check(*format, err)) != SY_OK && err)
        snprintf(err->param, sizeof err->param, "response_format");
    return rc;
}

void openai_audio_speech(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    struct sy_request req;
    request_init(&req);
    json_t *body = NULL;
    struct sy_err err;
    enum audio_format format;
    sy_code rc = json_body_parse(ex, &body, &err);
    if (rc == SY_OK)
        rc = speech_parse(body, &req, &format, &err);
    json_decref(body);
    if (rc != SY_OK) {
        request_cleanup(&req);
        api_respond_error(ex, &err);
        return;
    }
    req.stream = true; /* the file goes out as it is made */
    struct call *c = call_create(api, &speech_encoder, "speech-", &req);
    if (!c || speech_out_attach(c, format, &err) != SY_OK) {
        api_respond_errorf(ex, SY_ENOMEM, NULL, "out of memory starting the request");
        if (c)
            call_discard(c);
        return;
    }
    call_run(c, ex);
}

/* ---- POST /v1/audio/transcriptions ------------------------------------------------------ */

struct transcription_opts {
    enum transcript_format format;
};

/* What the form said, before it becomes a request. */
struct form_fields {
    struct sy_request *req;
    const char *file;  /* the upload (owned copy) */
    size_t file_len;
    bool has_file;
    char model[SY_MODEL_ID_MAX + 1];
    char response_format[32];
    json_t *options;   /* everything else, as JSON values for the request readers */
    json_t *phrases;   /* phrases[] fields */
    bool translate;    /* /v1/audio/translations: fewer fields */
};

static sy_code copy_field(const struct http_form_field *f, char *out, size_t size,
                          struct sy_err *err)
{
    if (f->len >= size || strlen(f->data) != f->len)
        return sy_errp(err, SY_EINVAL, f->name, "'%s' must be text of at most %zu bytes",
                       f->name, size - 1);
    memcpy(out, f->data, f->len + 1);
    return SY_OK;
}

static sy_code on_field(void *ctx, const struct http_form_field *f, struct sy_err *err)
{
    struct form_fields *ff = ctx;
    if (strcmp(f->name, "file") == 0) {
        if (ff->has_file)
            return sy_errp(err, SY_EINVAL, "file", "send one 'file' per request");
        char *copy = malloc(f->len ? f->len : 1);
        if (!copy)
            return sy_errf(err, SY_ENOMEM, "out of memory reading the upload");
        memcpy(copy, f->data, f->len);
        ff->file = copy;
        ff->file_len = f->len;
        ff->has_file = true;
        return SY_OK;
    }
    if (strcmp(f->name, "model") == 0)
        return copy_field(f, ff->model, sizeof ff->model, err);
    if (strcmp(f->name, "response_format") == 0)
        return copy_field(f, ff->response_format, sizeof ff->response_format, err);
    if (ff->translate && strcmp(f->name, "prompt") != 0 && strcmp(f->name, "temperature") != 0)
        return sy_errp(err, SY_EINVAL, f->name,
                       "unknown field '%s'; a translation takes file, model, prompt, "
                       "response_format, temperature (the text is always English)",
                       f->name);
    if (strcmp(f->name, "phrases[]") == 0) {
        char phrase[SY_PHRASE_LEN_MAX + 1];
        sy_code rc = copy_field(f, phrase, sizeof phrase, err);
        if (rc == SY_OK && json_array_append_new(ff->phrases, json_string(phrase)) != 0)
            rc = sy_errp(err, SY_EINVAL, "phrases[]", "'phrases[]' must be UTF-8 text");
        return rc;
    }
    static const char *const known[] = {"language", "prompt", "temperature", "stream",
                                        "phrases", "timestamp_granularities[]", "include[]",
                                        "chunking_strategy", NULL};
    for (size_t i = 0; known[i]; i++) {
        if (strcmp(f->name, known[i]) != 0)
            continue;
        char value[4096];
        sy_code rc = copy_field(f, value, sizeof value, err);
        if (rc != SY_OK)
            return rc;
        json_t *list = json_object_get(ff->options, f->name);
        if (list) /* repeated fields (the [] ones) collect into an array */
            return json_array_append_new(list, json_string(value)) == 0
                       ? SY_OK
                       : sy_errp(err, SY_EINVAL, f->name, "'%s' must be UTF-8 text", f->name);
        json_t *v = json_string(value);
        if (!v)
            return sy_errp(err, SY_EINVAL, f->name, "'%s' must be UTF-8 text", f->name);
        json_object_set_new(ff->options, f->name, strstr(f->name, "[]") ? json_pack("[o]", v) : v);
        return SY_OK;
    }
    return sy_errp(err, SY_EINVAL, f->name,
                   "unknown field '%s'; a transcription takes file, model, language, prompt, "
                   "response_format, temperature, stream, phrases",
                   f->name);
}

static const char *option(const struct form_fields *ff, const char *name)
{
    return json_string_value(json_object_get(ff->options, name));
}

/* Turns the form's options into request members. */
static sy_code read_options(struct form_fields *ff, struct transcription_opts *opts,
                            struct sy_err *err)
{
    struct sy_request *req = ff->req;
    sy_code rc = request_set_language(req, json_object_get(ff->options, "language"), "language",
                                      err);
    if (rc == SY_OK && option(ff, "prompt") && option(ff, "prompt")[0])
        rc = request_set_prompt(req, json_object_get(ff->options, "prompt"), "prompt", err);
    if (rc == SY_OK && option(ff, "temperature")) {
        char *end;
        errno = 0;
        double t = strtod(option(ff, "temperature"), &end);
        if (errno || *end || end == option(ff, "temperature") || !(t >= 0 && t <= 1))
            return sy_errp(err, SY_EINVAL, "temperature",
                           "'temperature' must be a number from 0 to 1");
        json_t *s = json_pack("{s:f}", "temperature", t);
        static const struct setting_alias alias[] = {{"temperature", SY_SETTING_TEMPERATURE}};
        rc = settings_read(s, alias, 1, &req->settings, err);
        json_decref(s);
    }
    if (rc == SY_OK && option(ff, "stream")) {
        const char *s = option(ff, "stream");
        if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
            return sy_errp(err, SY_EINVAL, "stream", "'stream' must be true or false");
        req->stream = strcmp(s, "true") == 0;
    }
    if (rc == SY_OK && option(ff, "phrases")) {
        json_error_t jerr;
        json_t *list = json_loads(option(ff, "phrases"), 0, &jerr);
        if (!list)
            return sy_errp(err, SY_EINVAL, "phrases",
                           "'phrases' must be a JSON array of strings (or send phrases[] "
                           "fields)");
        rc = request_set_phrases(req, list, "phrases", err);
        json_decref(list);
    } else if (rc == SY_OK && json_array_size(ff->phrases)) {
        rc = request_set_phrases(req, ff->phrases, "phrases[]", err);
    }
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(ff->options, "timestamp_granularities[]"), i, v)
        if (rc == SY_OK && strcmp(json_string_value(v), "segment") != 0)
            rc = sy_errp(err, SY_EUNSUPPORTED, "timestamp_granularities[]",
                         "only segment timestamps are available, not '%s'",
                         json_string_value(v));
    if (rc == SY_OK && json_object_get(ff->options, "include[]"))
        rc = sy_errp(err, SY_EUNSUPPORTED, "include[]",
                     "'include[]' (logprobs) is not available for local speech models");
    if (rc == SY_OK && option(ff, "chunking_strategy") &&
        strcmp(option(ff, "chunking_strategy"), "auto") != 0)
        rc = sy_errp(err, SY_EUNSUPPORTED, "chunking_strategy",
                     "only \"auto\" chunking is available: the audio is split at pauses");
    opts->format = TRANSCRIPT_JSON;
    if (rc == SY_OK && ff->response_format[0])
        rc = transcript_format_parse(ff->response_format, &opts->format, err);
    if (rc == SY_OK && req->stream && opts->format != TRANSCRIPT_JSON &&
        opts->format != TRANSCRIPT_TEXT)
        rc = sy_errp(err, SY_EUNSUPPORTED, "stream",
                     "streamed transcripts come as text events; use response_format json or "
                     "text with stream=true");
    return rc;
}

static json_t *duration_usage(const struct call *c)
{
    return json_pack("{s:s, s:f}", "type", "duration", "seconds", c->usage.audio_seconds);
}

static json_t *transcription_complete(struct call *c)
{
    const struct transcription_opts *opts = c->surface;
    const char *text = c->text.data ? c->text.data : "";
    if (opts->format != TRANSCRIPT_VERBOSE_JSON)
        return json_pack("{s:s, s:o}", "text", text, "usage", duration_usage(c));
    const char *lang = c->language[0]               ? c->language
                       : c->req.speech.language[0] ? c->req.speech.language
                                                   : c->model.caps.languages;
    if (c->req.speech.translate)
        lang = "en";
    return json_pack("{s:s, s:s%, s:f, s:s, s:o, s:o}", "task",
                     c->req.speech.translate ? "translate" : "transcribe", "language", lang,
                     strcspn(lang, ","), "duration", c->usage.audio_seconds, "text", text,
                     "segments", transcript_segments(c), "usage", duration_usage(c));
}

static sy_code transcription_raw(struct call *c, struct sy_buf *out, const char **type)
{
    const struct transcription_opts *opts = c->surface;
    if (opts->format == TRANSCRIPT_JSON || opts->format == TRANSCRIPT_VERBOSE_JSON) {
        json_t *body = transcription_complete(c);
        char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
        json_decref(body);
        sy_code rc = text ? buf_append_str(out, text, NULL) : SY_ENOMEM;
        free(text);
        *type = "application/json";
        return rc;
    }
    *type = opts->format == TRANSCRIPT_VTT ? "text/vtt; charset=utf-8" : "text/plain; charset=utf-8";
    return transcript_write(c, opts->format, out, NULL);
}

static sy_code transcription_segment(struct call *c, const json_t *seg, struct sy_buf *out)
{
    /* Deltas join with a space, as the segments do in the final text. */
    const char *text = json_string_value(json_object_get(seg, "text"));
    bool first = json_integer_value(json_object_get(seg, "id")) == 0;
    (void)c;
    json_t *ev = json_pack("{s:s, s:s+}", "type", "transcript.text.delta", "delta",
                           first ? "" : " ", text ? text : "");
    return sse_write(out, NULL, ev, NULL);
}

static sy_code transcription_done(struct call *c, struct sy_buf *out)
{
    json_t *ev = json_pack("{s:s, s:s%, s:o}", "type", "transcript.text.done", "text",
                           c->text.data ? c->text.data : "", c->text.len, "usage",
                           duration_usage(c));
    return sse_write(out, NULL, ev, NULL);
}

static sy_code transcription_error(struct call *c, const struct sy_err *e, struct sy_buf *out)
{
    (void)c;
    json_t *ev = api_error_body(e); /* {"error": {...}}, as before the stream */
    if (ev)
        json_object_set_new(ev, "type", json_string("error"));
    return sse_write(out, NULL, ev, NULL);
}

static const struct call_encoder transcription_encoder = {
    .stream_content_type = "text/event-stream",
    .stream_segment = transcription_segment,
    .stream_done = transcription_done,
    .stream_error = transcription_error,
    .complete = transcription_complete,
    .complete_raw = transcription_raw,
};

/* Transcriptions, and translations into English (translate). */
static void audio_to_text(struct http_exchange *ex, struct api_ctx *api, bool translate)
{
    struct sy_request req;
    request_init(&req);
    req.task = SY_TASK_AUTOMATIC_SPEECH_RECOGNITION;
    req.speech.translate = translate;
    struct form_fields ff = {.req = &req, .options = json_object(), .phrases = json_array(),
                             .translate = translate};
    struct transcription_opts *opts = calloc(1, sizeof *opts);
    struct sy_err err;
    sy_code rc = ff.options && ff.phrases && opts
                     ? http_form_parse(ex, on_field, &ff, &err)
                     : sy_errf(&err, SY_ENOMEM, "out of memory reading the request");
    if (rc == SY_OK && !ff.model[0])
        rc = sy_errp(&err, SY_EINVAL, "model", "'model' is required: name the model to run");
    if (rc == SY_OK && !ff.has_file)
        rc = sy_errp(&err, SY_EINVAL, "file", "'file' is required: upload the audio to transcribe");
    if (rc == SY_OK) {
        json_t *model = json_string(ff.model);
        rc = request_set_model(&req, model, "model", &err);
        json_decref(model);
    }
    if (rc == SY_OK)
        rc = read_options(&ff, opts, &err);
    if (rc == SY_OK)
        rc = speech_take_upload(api, &req, ff.file, ff.file_len, "file", &err);
    free((void *)ff.file);
    json_decref(ff.options);
    json_decref(ff.phrases);
    if (rc != SY_OK) {
        free(opts);
        request_cleanup(&req);
        api_respond_error(ex, &err);
        return;
    }
    call_start(api, &transcription_encoder, translate ? "translation-" : "transcript-", &req,
               opts, ex);
}

void openai_audio_transcriptions(struct http_exchange *ex, void *app)
{
    audio_to_text(ex, app, false);
}

/* ---- POST /v1/audio/translations -------------------------------------------------------- */

void openai_audio_translations(struct http_exchange *ex, void *app)
{
    audio_to_text(ex, app, true);
}
