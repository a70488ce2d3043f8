/* utf8.h -- UTF-8 validation and a streaming sanitizer.
 *
 * Engines produce text a token at a time, and a token may end in the middle
 * of a multi-byte character or hold bytes that are not UTF-8 at all (byte-level
 * vocabularies). Clients need valid UTF-8 in every chunk, so the stream holds
 * back an incomplete sequence until the next piece completes it and replaces
 * invalid bytes with U+FFFD, as browsers and Python's "replace" do. */
#ifndef SY_UTF8_H
#define SY_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

struct utf8_stream {
    unsigned char held[4]; /* an incomplete sequence waiting for its tail */
    size_t n_held;
};

/* Initialises caller storage. */
void utf8_stream_init(struct utf8_stream *s);

/* Appends in[0..n) to out as valid UTF-8, holding back a trailing incomplete
 * sequence. Returns: SY_OK, or buf_append's error (out's limit). */
sy_code utf8_stream_feed(struct utf8_stream *s, const char *in, size_t n, struct sy_buf *out,
                         struct sy_err *err);

/* Ends the stream: a held incomplete sequence becomes U+FFFD. */
sy_code utf8_stream_finish(struct utf8_stream *s, struct sy_buf *out, struct sy_err *err);

/* Returns: true if s[0..n) is entirely valid UTF-8 (no overlongs, surrogates
 * or code points past U+10FFFF). */
bool utf8_valid(const char *s, size_t n);

#endif
