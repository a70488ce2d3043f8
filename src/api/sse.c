/* sse.c -- SSE framing. JSON is encoded compactly, so it never holds a
 * newline and one data line is always enough. */
#include "api/sse.h"

#include <stdlib.h>

sy_code sse_write(struct sy_buf *out, const char *name, json_t *data, struct sy_err *err)
{
    char *text = data ? json_dumps(data, JSON_COMPACT) : NULL;
    json_decref(data);
    if (!text)
        return sy_errf(err, SY_ENOMEM, "out of memory encoding an event");
    sy_code rc = name ? buf_printf(out, err, "event: %s\ndata: %s\n\n", name, text)
                      : buf_printf(out, err, "data: %s\n\n", text);
    free(text);
    return rc;
}

sy_code sse_write_raw(struct sy_buf *out, const char *text, struct sy_err *err)
{
    return buf_printf(out, err, "data: %s\n\n", text);
}
