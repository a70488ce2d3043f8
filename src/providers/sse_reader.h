/* sse_reader.h -- reading a Server-Sent Events stream from an upstream, in
 * whatever pieces the network delivers it.
 *
 * Follows the WHATWG parsing rules that matter for API streams: lines end in
 * LF, CRLF or CR; "data:" lines of one event are joined with LF; comment lines
 * (":" first) and other fields are skipped; a blank line ends an event. A line
 * longer than the limit is an error, so a hostile upstream cannot grow memory
 * without bound. Not thread-safe; one per stream. */
#ifndef SY_SSE_READER_H
#define SY_SSE_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

struct sse_reader {
    struct sy_buf line;  /* the line being read */
    struct sy_buf data;  /* the event's data so far */
    bool has_data;
    bool after_cr;       /* the last byte was CR: a following LF belongs to it */
};

/* Called for each complete event with its data (NUL-terminated, len bytes).
 * A non-SY_OK return stops reading and is returned by sse_reader_push. */
typedef sy_code (*sse_event_fn)(void *ctx, const char *data, size_t len);

/* Initialises caller storage; events (line and data) may be up to max bytes. */
void sse_reader_init(struct sse_reader *r, size_t max);
void sse_reader_cleanup(struct sse_reader *r);

/* Feeds bytes. Returns: SY_OK; SY_ETOOLARGE for an over-long event; or the
 * callback's code. */
sy_code sse_reader_push(struct sse_reader *r, const char *p, size_t n, sse_event_fn fn, void *ctx,
                        struct sy_err *err);

#endif
