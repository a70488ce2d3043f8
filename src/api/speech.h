/* speech.h -- what every surface that speaks or listens shares: audio in
 * (decoded for the model's engine), audio out (encoded as the client asked,
 * streamed where the format allows) and transcripts in the usual text formats. */
#ifndef SY_API_SPEECH_H
#define SY_API_SPEECH_H

#include <jansson.h>
#include <stddef.h>

#include "api/call.h"
#include "audio/audio_encode.h"
#include "core/request.h"

struct api_ctx;

/* Decodes an uploaded audio file for the model req->model names (at its
 * engine's rate, at most api->max_audio_seconds long) into req's audio.
 * Returns: SY_OK; the router's lookup errors; SY_EUNSUPPORTED if the model
 *          takes no audio; audio_decode()'s errors (with param). */
sy_code speech_take_upload(struct api_ctx *api, struct sy_request *req, const void *data,
                           size_t len, const char *param, struct sy_err *err);

/* Audio out: the call's surface state for a raw audio response. */
struct speech_out {
    enum audio_format format;
    struct audio_encoder *enc; /* made at the first samples (their rate is the engine's) */
};

/* Sets up c for a raw audio stream in format: c->surface, c->content_type.
 * Returns: SY_OK; SY_ENOMEM. */
sy_code speech_out_attach(struct call *c, enum audio_format format, struct sy_err *err);

/* call_encoder slots for raw audio bodies (stream_error stays NULL: audio
 * bytes cannot carry an error, so a late failure cuts the connection). */
sy_code speech_out_audio(struct call *c, const int16_t *pcm, size_t n, unsigned rate,
                         struct sy_buf *out);
sy_code speech_out_done(struct call *c, struct sy_buf *out);

/* Transcript formats (OpenAI's response_format values). */
enum transcript_format {
    TRANSCRIPT_JSON,
    TRANSCRIPT_TEXT,
    TRANSCRIPT_SRT,
    TRANSCRIPT_VTT,
    TRANSCRIPT_VERBOSE_JSON
};

/* Parses a response_format name. Returns: SY_OK; SY_EINVAL listing them. */
sy_code transcript_format_parse(const char *name, enum transcript_format *out,
                                struct sy_err *err);

/* Appends c's transcript (c->text, c->segments) as text, SRT or WebVTT. */
sy_code transcript_write(const struct call *c, enum transcript_format format, struct sy_buf *out,
                         struct sy_err *err);

/* Returns: a new [{"id", "start", "end", "text"}, ...] copy of c's segments. */
json_t *transcript_segments(const struct call *c);

#endif
