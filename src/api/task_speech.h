/* task_speech.h -- speech in the task API (/api/inference and its stream).
 *
 * text-to-speech:  inputs {"text", "voice"?, "speed"?, "format"? (wav)}
 *   → task_output {"audio": base64 file, "content_type", "format", "duration_s"};
 *   streamed as `audio` events {"audio": base64 bytes of the file, in order}.
 * automatic-speech-recognition: inputs {"audio": base64 file, "language"?, "phrases"?}
 *   → task_output {"text", "segments": [{"id", "start", "end", "text"}]};
 *   streamed as `segment` events.
 * Both end with timings that add "audio_seconds" and "real_time_factor"
 * (engine time / audio time: below 1 is faster than real time). */
#ifndef SY_TASK_SPEECH_H
#define SY_TASK_SPEECH_H

#include <jansson.h>

#include "api/call.h"
#include "audio/audio_encode.h"
#include "core/request.h"

struct api_ctx;

/* Reads the inputs of a speech task into req; the output format (TTS) is
 * kept for task_speech_attach. Returns: SY_OK; SY_EINVAL naming the input. */
sy_code task_speech_inputs(struct api_ctx *api, const json_t *inputs, struct sy_request *req,
                           enum audio_format *format, struct sy_err *err);

/* Sets up c's surface state for a speech task. Returns: SY_OK; SY_ENOMEM. */
sy_code task_speech_attach(struct call *c, enum audio_format format, struct sy_err *err);

/* Encoder pieces (task_inference.c's encoder calls them for speech calls). */
sy_code task_speech_stream_audio(struct call *c, const int16_t *pcm, size_t n, unsigned rate,
                                 struct sy_buf *out);
sy_code task_speech_stream_segment(struct call *c, const json_t *segment, struct sy_buf *out);
/* The audio file's last bytes (TTS) before the `done` event. */
sy_code task_speech_stream_tail(struct call *c, struct sy_buf *out);
json_t *task_speech_output(struct call *c); /* task_output; NULL if out of memory */
/* Adds audio_seconds and real_time_factor to a timings object. */
void task_speech_timings(const struct call *c, json_t *timings);

#endif
