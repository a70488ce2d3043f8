/* buf.h -- a growable byte buffer with a hard size limit.
 *
 * Every buffer that grows from input has a limit; appending past it fails with
 * SY_ETOOLARGE and leaves the buffer as it was. The content is always followed
 * by a NUL byte (not counted in len), so text can be used as a C string.
 * Not thread-safe: the owner serialises access. */
#ifndef SY_BUF_H
#define SY_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "util/err.h"

struct sy_buf {
    char *data;   /* NULL until the first append */
    size_t len;   /* bytes in use, excluding the trailing NUL */
    size_t cap;   /* bytes allocated */
    size_t limit; /* most bytes len may reach */
};

/* Initialises caller storage as an empty buffer that may hold up to limit bytes. */
void buf_init(struct sy_buf *b, size_t limit);

/* Frees the content and resets to empty (limit kept). NULL is a no-op. */
void buf_cleanup(struct sy_buf *b);

/* Appends n bytes. Returns: SY_OK; SY_ETOOLARGE past the limit; SY_ENOMEM. */
sy_code buf_append(struct sy_buf *b, const void *p, size_t n, struct sy_err *err);

/* Appends a NUL-terminated string. */
sy_code buf_append_str(struct sy_buf *b, const char *s, struct sy_err *err);

/* Appends printf-style text. */
sy_code buf_printf(struct sy_buf *b, struct sy_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Removes the first n bytes (n <= len), keeping the rest in order. */
void buf_consume(struct sy_buf *b, size_t n);

/* Moves up to max bytes from the front of b into dst. Returns how many. */
size_t buf_take(struct sy_buf *b, void *dst, size_t max);

/* Empties the buffer, keeping its allocation. */
void buf_reset(struct sy_buf *b);

/* Hands the content to the caller: returns a NUL-terminated string owned by the
 * caller (free()), or NULL if the buffer never held anything; b becomes empty. */
char *buf_detach(struct sy_buf *b, size_t *len);

#endif
