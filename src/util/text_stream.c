/* text_stream.c -- UTF-8 and stop-string holdback for streamed generation. */
#include "util/text_stream.h"

#include <string.h>

#include "util/limits.h"

void text_stream_init(struct text_stream *t, const char *const *stop, size_t n_stop)
{
    utf8_stream_init(&t->utf8);
    buf_init(&t->held, SY_CALL_TEXT_MAX);
    t->stop = stop;
    t->n_stop = n_stop;
    t->stopped = false;
}

void text_stream_cleanup(struct text_stream *t)
{
    if (t)
        buf_cleanup(&t->held);
}

/* Length of the longest suffix of s[0..n) that is a proper prefix of a stop string. */
static size_t partial_stop_suffix(const struct text_stream *t, const char *s, size_t n)
{
    size_t best = 0;
    for (size_t j = 0; j < t->n_stop; j++) {
        size_t len = strlen(t->stop[j]);
        for (size_t k = len - 1 < n ? len - 1 : n; k > best; k--) {
            if (memcmp(s + n - k, t->stop[j], k) == 0) {
                best = k;
                break;
            }
        }
    }
    return best;
}

sy_code text_stream_push(struct text_stream *t, const char *piece, size_t n, struct sy_buf *out,
                         bool *stopped, struct sy_err *err)
{
    *stopped = t->stopped;
    if (t->stopped)
        return SY_OK;
    sy_code rc = utf8_stream_feed(&t->utf8, piece, n, &t->held, err);
    if (rc != SY_OK || t->held.len == 0)
        return rc;
    const char *s = t->held.data;
    size_t len = t->held.len;
    /* The earliest complete stop string ends generation right before it. */
    const char *first = NULL;
    for (size_t j = 0; j < t->n_stop; j++) {
        const char *at = memmem(s, len, t->stop[j], strlen(t->stop[j]));
        if (at && (!first || at < first))
            first = at;
    }
    if (first) {
        rc = buf_append(out, s, (size_t)(first - s), err);
        buf_reset(&t->held);
        t->stopped = true;
        *stopped = true;
        return rc;
    }
    size_t keep = partial_stop_suffix(t, s, len);
    rc = buf_append(out, s, len - keep, err);
    if (rc == SY_OK)
        buf_consume(&t->held, len - keep);
    return rc;
}

sy_code text_stream_finish(struct text_stream *t, struct sy_buf *out, struct sy_err *err)
{
    if (t->stopped)
        return SY_OK;
    sy_code rc = utf8_stream_finish(&t->utf8, &t->held, err);
    if (rc == SY_OK && t->held.len)
        rc = buf_append(out, t->held.data, t->held.len, err);
    buf_reset(&t->held);
    return rc;
}
