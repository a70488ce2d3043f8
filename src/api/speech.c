/* speech.c -- audio in, audio out and transcripts for the API surfaces. */
#include "api/speech.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "audio/audio_decode.h"

sy_code speech_take_upload(struct api_ctx *api, struct sy_request *req, const void *data,
                           size_t len, const char *param, struct sy_err *err)
{
    struct sy_model_info model;
    sy_code rc = router_describe(api->router, req->model, &model, err);
    if (rc != SY_OK)
        return rc;
    if (model.problem[0]) /* as the router would say, before decoding the upload for nothing */
        return sy_errp(err, SY_EUNSUPPORTED, "model", "model '%s' cannot run: %s", req->model,
                       model.problem);
    if (!model.caps.sample_rate || !(model.caps.tasks & SY_TASK_BIT(req->task))) {
        char tasks[256];
        task_list(model.caps.tasks, tasks, sizeof tasks);
        return sy_errp(err, SY_EUNSUPPORTED, "model",
                       "model '%s' does not take audio for %s; it supports: %s", req->model,
                       task_name(req->task), tasks[0] ? tasks : "no task this server can run");
    }
    struct audio_pcm pcm;
    rc = audio_decode(data, len, model.caps.sample_rate, (double)api->max_audio_seconds, &pcm,
                      err);
    if (rc != SY_OK) {
        if (err && !err->param[0])
            snprintf(err->param, sizeof err->param, "%s", param);
        return rc;
    }
    request_take_audio(req, pcm.samples, pcm.n, pcm.sample_rate);
    pcm.samples = NULL; /* req owns them now */
    audio_pcm_cleanup(&pcm);
    return SY_OK;
}

/* ---- audio out -------------------------------------------------------------------------- */

static void speech_out_free(void *p)
{
    struct speech_out *so = p;
    if (!so)
        return;
    audio_encoder_destroy(so->enc);
    free(so);
}

sy_code speech_out_attach(struct call *c, enum audio_format format, struct sy_err *err)
{
    struct speech_out *so = calloc(1, sizeof *so);
    if (!so)
        return sy_errf(err, SY_ENOMEM, "out of memory starting the audio");
    so->format = format;
    c->surface = so;
    c->surface_free = speech_out_free;
    snprintf(c->content_type, sizeof c->content_type, "%s", audio_format_content_type(format));
    return SY_OK;
}

sy_code speech_out_audio(struct call *c, const int16_t *pcm, size_t n, unsigned rate,
                         struct sy_buf *out)
{
    struct speech_out *so = c->surface;
    struct sy_err err;
    if (!so->enc) {
        sy_code rc = audio_encoder_create(so->format, rate, &so->enc, &err);
        if (rc != SY_OK)
            return rc;
    }
    return audio_encoder_write(so->enc, pcm, n, out, &err);
}

sy_code speech_out_done(struct call *c, struct sy_buf *out)
{
    struct speech_out *so = c->surface;
    struct sy_err err;
    if (!so->enc) /* no audio at all: still a valid (empty) file */
        if (audio_encoder_create(so->format, c->audio_rate ? c->audio_rate : 22050, &so->enc,
                                 &err) != SY_OK)
            return err.code;
    return audio_encoder_finish(so->enc, out, &err);
}

/* ---- transcripts ------------------------------------------------------------------------ */

static const char *const transcript_names[] = {"json", "text", "srt", "vtt", "verbose_json"};

sy_code transcript_format_parse(const char *name, enum transcript_format *out,
                                struct sy_err *err)
{
    for (size_t i = 0; i < sizeof transcript_names / sizeof transcript_names[0]; i++) {
        if (strcmp(name, transcript_names[i]) == 0) {
            *out = (enum transcript_format)i;
            return SY_OK;
        }
    }
    return sy_errp(err, SY_EINVAL, "response_format",
                   "'response_format' must be one of json, text, srt, vtt, verbose_json");
}

/* "00:01:02,345" (SRT) or "00:01:02.345" (WebVTT). */
static sy_code timestamp(double s, char sep, struct sy_buf *out, struct sy_err *err)
{
    long ms = s > 0 ? (long)(s * 1000.0 + 0.5) : 0;
    return buf_printf(out, err, "%02ld:%02ld:%02ld%c%03ld", ms / 3600000, ms / 60000 % 60,
                      ms / 1000 % 60, sep, ms % 1000);
}

sy_code transcript_write(const struct call *c, enum transcript_format format, struct sy_buf *out,
                         struct sy_err *err)
{
    if (format == TRANSCRIPT_TEXT)
        return buf_printf(out, err, "%s\n", c->text.data ? c->text.data : "");
    char sep = format == TRANSCRIPT_SRT ? ',' : '.';
    sy_code rc = format == TRANSCRIPT_VTT ? buf_append_str(out, "WEBVTT\n\n", err) : SY_OK;
    size_t i;
    json_t *seg;
    json_array_foreach(c->segments, i, seg) {
        if (rc == SY_OK && format == TRANSCRIPT_SRT)
            rc = buf_printf(out, err, "%zu\n", i + 1);
        if (rc == SY_OK)
            rc = timestamp(json_real_value(json_object_get(seg, "start")), sep, out, err);
        if (rc == SY_OK)
            rc = buf_append_str(out, " --> ", err);
        if (rc == SY_OK)
            rc = timestamp(json_real_value(json_object_get(seg, "end")), sep, out, err);
        if (rc == SY_OK)
            rc = buf_printf(out, err, "\n%s\n\n",
                            json_string_value(json_object_get(seg, "text")));
    }
    return rc;
}

json_t *transcript_segments(const struct call *c)
{
    return json_deep_copy(c->segments);
}
