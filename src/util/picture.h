/* picture.h -- what kind of picture some bytes are, from their first bytes.
 * Thread-safety: pure functions. */
#ifndef SY_PICTURE_H
#define SY_PICTURE_H

#include <stddef.h>

/* Returns: "image/png", "image/jpeg" or "image/webp" (static storage), or
 * NULL if the bytes begin none of those files. */
const char *picture_type(const unsigned char *b, size_t n);

#endif
