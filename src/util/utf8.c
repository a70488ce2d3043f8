/* utf8.c -- UTF-8 validation per RFC 3629 and the streaming sanitizer. */
#include "util/utf8.h"

#include <string.h>

static const char REPLACEMENT[] = "\xEF\xBF\xBD";

/* Length a lead byte announces, or 0 if c cannot start a sequence. */
static size_t seq_len(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return 2;
    if (c >= 0xE0 && c <= 0xEF)
        return 3;
    if (c >= 0xF0 && c <= 0xF4)
        return 4;
    return 0;
}

/* Whether byte c may follow lead at position i (1-based) of a sequence. The
 * second byte's range depends on the lead; that is what rules out overlongs,
 * surrogates and values past U+10FFFF. */
static bool cont_ok(unsigned char lead, size_t i, unsigned char c)
{
    if (i == 1) {
        switch (lead) {
        case 0xE0: return c >= 0xA0 && c <= 0xBF;
        case 0xED: return c >= 0x80 && c <= 0x9F;
        case 0xF0: return c >= 0x90 && c <= 0xBF;
        case 0xF4: return c >= 0x80 && c <= 0x8F;
        default: break;
        }
    }
    return c >= 0x80 && c <= 0xBF;
}

/* Classifies the sequence at p[0..n): returns its length if complete and
 * valid, 0 if invalid at p[0], or -(available) if it is a valid but incomplete
 * prefix that runs off the end. */
static long classify(const unsigned char *p, size_t n)
{
    size_t len = seq_len(p[0]);
    if (len == 0)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if (i >= n)
            return -(long)n;
        if (!cont_ok(p[0], i, p[i]))
            return 0;
    }
    return (long)len;
}

bool utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        long k = classify(p + i, n - i);
        if (k <= 0)
            return false;
        i += (size_t)k;
    }
    return true;
}

void utf8_stream_init(struct utf8_stream *s)
{
    s->n_held = 0;
}

/* Sanitizes p[0..n) into out; an incomplete tail is stored in s->held. */
static sy_code sanitize(struct utf8_stream *s, const unsigned char *p, size_t n,
                        struct sy_buf *out, struct sy_err *err)
{
    size_t i = 0, run = 0; /* run: start of the valid bytes not yet appended */
    sy_code rc = SY_OK;
    while (i < n) {
        long k = classify(p + i, n - i);
        if (k > 0) {
            i += (size_t)k;
            continue;
        }
        if ((rc = buf_append(out, p + run, i - run, err)) != SY_OK)
            return rc;
        if (k < 0) {
            memcpy(s->held, p + i, n - i);
            s->n_held = n - i;
            return SY_OK;
        }
        if ((rc = buf_append(out, REPLACEMENT, 3, err)) != SY_OK)
            return rc;
        i++;
        run = i;
    }
    return buf_append(out, p + run, i - run, err);
}

sy_code utf8_stream_feed(struct utf8_stream *s, const char *in, size_t n, struct sy_buf *out,
                         struct sy_err *err)
{
    const unsigned char *p = (const unsigned char *)in;
    if (s->n_held) {
        /* Complete the held sequence from the new bytes first; at most 3 are needed. */
        unsigned char joined[8];
        size_t take = n < 4 ? n : 4;
        size_t held = s->n_held;
        memcpy(joined, s->held, held);
        memcpy(joined + held, p, take);
        s->n_held = 0;
        long k = classify(joined, held + take);
        if (k < 0) { /* still incomplete: everything so far is held */
            memcpy(s->held, joined, held + take);
            s->n_held = held + take;
            return SY_OK;
        }
        if (k == 0) {
            /* The held prefix is the maximal invalid subpart: one U+FFFD for it
             * (WHATWG), then the new bytes are read afresh. */
            sy_code rc = buf_append(out, REPLACEMENT, 3, err);
            if (rc != SY_OK)
                return rc;
            return sanitize(s, p, n, out, err);
        }
        sy_code rc = buf_append(out, joined, (size_t)k, err);
        if (rc != SY_OK)
            return rc;
        size_t used = (size_t)k - held;
        p += used;
        n -= used;
    }
    return sanitize(s, p, n, out, err);
}

sy_code utf8_stream_finish(struct utf8_stream *s, struct sy_buf *out, struct sy_err *err)
{
    if (!s->n_held)
        return SY_OK;
    s->n_held = 0;
    return buf_append(out, REPLACEMENT, 3, err);
}
