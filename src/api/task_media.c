/* task_media.c -- video and music outputs of the task API. */
#include "api/task_media.h"

#include "api/task.h"
#include "util/base64.h"

bool task_media_is(const struct call *c)
{
    return c->req.task == SY_TASK_TEXT_TO_VIDEO || c->req.task == SY_TASK_TEXT_TO_AUDIO;
}

json_t *task_media_output(const struct call *c)
{
    struct sy_buf b64;
    buf_init(&b64, SIZE_MAX / 2);
    json_t *out = NULL;
    if (base64_encode(c->media.data, c->media.len, &b64, NULL) == SY_OK)
        out = json_pack("{s:s%, s:s, s:I}",
                        c->req.task == SY_TASK_TEXT_TO_VIDEO ? "video" : "audio",
                        b64.data ? b64.data : "", b64.len, "content_type",
                        c->media_type ? c->media_type : "application/octet-stream", "bytes",
                        (json_int_t)c->media.len);
    buf_cleanup(&b64);
    return out;
}

sy_code task_media_stream_progress(struct call *c, struct sy_buf *out)
{
    return task_event_write(out, "progress", json_pack("{s:s, s:f}", "state", c->state,
                                                       "progress", c->progress));
}

sy_code task_media_stream_file(struct call *c, struct sy_buf *out)
{
    struct sy_buf event;
    buf_init(&event, SIZE_MAX / 2);
    sy_code rc = task_event_write(&event, c->req.task == SY_TASK_TEXT_TO_VIDEO ? "video" : "audio",
                                  task_media_output(c));
    /* The stream's limit is for text a slow reader leaves queued; one file
     * may be larger, and is already held whole (c->media, SY_CALL_MEDIA_MAX). */
    if (rc == SY_OK && out->len + event.len > out->limit)
        out->limit = out->len + event.len;
    if (rc == SY_OK)
        rc = buf_append(out, event.data, event.len, NULL);
    buf_cleanup(&event);
    return rc;
}
