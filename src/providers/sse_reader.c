/* sse_reader.c -- an incremental Server-Sent Events reader. */
#include "providers/sse_reader.h"

#include <string.h>

void sse_reader_init(struct sse_reader *r, size_t max)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->line, max);
    buf_init(&r->data, max);
}

void sse_reader_cleanup(struct sse_reader *r)
{
    buf_cleanup(&r->line);
    buf_cleanup(&r->data);
}

static sy_code end_line(struct sse_reader *r, sse_event_fn fn, void *ctx, struct sy_err *err)
{
    const char *l = r->line.data ? r->line.data : "";
    size_t n = r->line.len;
    sy_code rc = SY_OK;
    if (n == 0) { /* a blank line dispatches the event */
        if (r->has_data)
            rc = fn(ctx, r->data.data ? r->data.data : "", r->data.len);
        buf_reset(&r->data);
        r->has_data = false;
    } else if (n >= 5 && memcmp(l, "data:", 5) == 0) {
        size_t skip = n > 5 && l[5] == ' ' ? 6 : 5;
        if (r->has_data)
            rc = buf_append(&r->data, "\n", 1, err);
        if (rc == SY_OK)
            rc = buf_append(&r->data, l + skip, n - skip, err);
        r->has_data = true;
    } /* comments, event:, id:, retry: carry nothing an API stream needs here */
    buf_reset(&r->line);
    return rc;
}

sy_code sse_reader_push(struct sse_reader *r, const char *p, size_t n, sse_event_fn fn, void *ctx,
                        struct sy_err *err)
{
    size_t i = 0;
    while (i < n) {
        if (r->after_cr && p[i] == '\n') {
            r->after_cr = false;
            i++;
            continue;
        }
        r->after_cr = false;
        size_t take = 0; /* bytes up to the line's end, or all that is left */
        while (i + take < n && p[i + take] != '\r' && p[i + take] != '\n')
            take++;
        sy_code rc = buf_append(&r->line, p + i, take, err);
        if (rc != SY_OK)
            return sy_errf(err, SY_ETOOLARGE, "an upstream stream line is longer than %zu bytes",
                           r->line.limit);
        i += take;
        if (i < n && (p[i] == '\r' || p[i] == '\n')) {
            r->after_cr = p[i] == '\r';
            i++;
            if ((rc = end_line(r, fn, ctx, err)) != SY_OK)
                return rc == SY_ETOOLARGE ? sy_errf(err, rc, "an upstream event is larger than "
                                                             "%zu bytes", r->data.limit)
                                          : rc;
        }
    }
    return SY_OK;
}
