/* base64.h -- standard base64 (RFC 4648, with padding) for bytes inside JSON.
 *
 * Audio travels between the server and the speech workers inside JSON frames,
 * and JSON carries no raw bytes. Decoding is strict: no whitespace, padding
 * required, nothing after it. Reentrant. */
#ifndef SY_BASE64_H
#define SY_BASE64_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

/* Returns: the length of the encoding of n bytes (without a NUL). */
size_t base64_encoded_len(size_t n);

/* Appends the encoding of n bytes to out.
 * Returns: SY_OK; out's SY_ETOOLARGE or SY_ENOMEM. */
sy_code base64_encode(const void *data, size_t n, struct sy_buf *out, struct sy_err *err);

/* Appends the bytes text (len characters) encodes to out.
 * Returns: SY_OK; SY_EINVAL if text is not canonical padded base64;
 *          out's SY_ETOOLARGE or SY_ENOMEM. */
sy_code base64_decode(const char *text, size_t len, struct sy_buf *out, struct sy_err *err);

#endif
