/* sse.h -- Server-Sent Events framing (text/event-stream). */
#ifndef SY_SSE_H
#define SY_SSE_H

#include <jansson.h>

#include "util/buf.h"

/* Appends "event: <name>\n" (if name is not NULL) and "data: <json>\n\n".
 * Takes ownership of data. Returns: SY_OK; SY_ENOMEM; buf's limit error. */
/* The comment a quiet stream sends to say it is alive (clients skip it). */
#define SSE_HEARTBEAT ": keep-alive\n\n"

sy_code sse_write(struct sy_buf *out, const char *name, json_t *data, struct sy_err *err);

/* Appends "data: <text>\n\n" for a literal payload such as [DONE]. */
sy_code sse_write_raw(struct sy_buf *out, const char *text, struct sy_err *err);

#endif
