/* buf.c -- bounded growable byte buffer. */
#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct sy_buf *b, size_t limit)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->limit = limit;
}

void buf_cleanup(struct sy_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

/* Makes room for `extra` more bytes plus the NUL terminator. */
static sy_code buf_reserve(struct sy_buf *b, size_t extra, struct sy_err *err)
{
    if (extra > b->limit || b->len > b->limit - extra)
        return sy_errf(err, SY_ETOOLARGE, "buffer limit of %zu bytes exceeded", b->limit);
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return SY_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return sy_errf(err, SY_ENOMEM, "out of memory growing a buffer to %zu bytes", cap);
    b->data = p;
    b->cap = cap;
    return SY_OK;
}

sy_code buf_append(struct sy_buf *b, const void *p, size_t n, struct sy_err *err)
{
    sy_code rc = buf_reserve(b, n, err);
    if (rc != SY_OK)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return SY_OK;
}

sy_code buf_append_str(struct sy_buf *b, const char *s, struct sy_err *err)
{
    return buf_append(b, s, strlen(s), err);
}

sy_code buf_printf(struct sy_buf *b, struct sy_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return sy_errf(err, SY_EINTERNAL, "bad format string");
    sy_code rc = buf_reserve(b, (size_t)n, err);
    if (rc != SY_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return SY_OK;
}

void buf_consume(struct sy_buf *b, size_t n)
{
    if (n >= b->len) {
        buf_reset(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

size_t buf_take(struct sy_buf *b, void *dst, size_t max)
{
    size_t n = b->len < max ? b->len : max;
    if (n) {
        memcpy(dst, b->data, n);
        buf_consume(b, n);
    }
    return n;
}

void buf_reset(struct sy_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *buf_detach(struct sy_buf *b, size_t *len)
{
    char *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
