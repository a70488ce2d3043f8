/* task_media.h -- video and music in the task API (/api/inference and its
 * stream), seed 000's VideoRequest and MusicRequest.
 *
 * text-to-video: inputs {"text", "duration"?, "quality"?}, settings
 *   {"width", "height"}? → task_output {"video": base64 file, "content_type",
 *   "bytes"}.
 * text-to-audio (music): inputs {"text", "duration"?}
 *   → task_output {"audio": base64 file, "content_type", "bytes"}.
 * Streamed, a job's state comes as `progress` events {"state", "progress"}
 * (percent) while it is made, then the file as one `video` or `audio` event
 * of the same shape as task_output, then `done`. */
#ifndef SY_TASK_MEDIA_H
#define SY_TASK_MEDIA_H

#include <jansson.h>

#include "api/call.h"

/* Returns: whether c is a video or music request. */
bool task_media_is(const struct call *c);

/* task_output of a video or music call; NULL if out of memory. */
json_t *task_media_output(const struct call *c);

/* Encoder pieces (task_inference.c's encoder calls them). */
sy_code task_media_stream_progress(struct call *c, struct sy_buf *out);
sy_code task_media_stream_file(struct call *c, struct sy_buf *out);

#endif
