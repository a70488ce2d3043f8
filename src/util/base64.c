/* base64.c -- RFC 4648 base64 with padding. */
#include "util/base64.h"

#include <stdbool.h>
#include <stdint.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encoded_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

sy_code base64_encode(const void *data, size_t n, struct sy_buf *out, struct sy_err *err)
{
    const unsigned char *p = data;
    char quad[4 * 256];
    size_t used = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        quad[used++] = alphabet[(v >> 18) & 63];
        quad[used++] = alphabet[(v >> 12) & 63];
        quad[used++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
        quad[used++] = i + 2 < n ? alphabet[v & 63] : '=';
        if (used == sizeof quad) {
            sy_code rc = buf_append(out, quad, used, err);
            if (rc != SY_OK)
                return rc;
            used = 0;
        }
    }
    return used ? buf_append(out, quad, used, err) : SY_OK;
}

static int sextet(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

sy_code base64_decode(const char *text, size_t len, struct sy_buf *out, struct sy_err *err)
{
    if (len % 4 != 0)
        return sy_errf(err, SY_EINVAL, "base64 text of %zu characters is not a multiple of 4",
                       len);
    unsigned char bytes[3 * 256];
    size_t used = 0;
    for (size_t i = 0; i < len; i += 4) {
        bool last = i + 4 == len;
        int pad = last ? (text[i + 3] == '=') + (text[i + 2] == '=') : 0;
        if (pad == 1 && text[i + 2] == '=')
            return sy_errf(err, SY_EINVAL, "base64 padding in the wrong place");
        uint32_t v = 0;
        for (int k = 0; k < 4; k++) {
            int s = k >= 4 - pad ? 0 : sextet(text[i + k]);
            if (s < 0)
                return sy_errf(err, SY_EINVAL, "invalid base64 character at offset %zu", i + k);
            v = v << 6 | (uint32_t)s;
        }
        /* Canonical form: the bits under the padding are zero. */
        if ((pad == 1 && (v & 0xFF)) || (pad == 2 && (v & 0xFFFF)))
            return sy_errf(err, SY_EINVAL, "non-canonical base64 padding");
        bytes[used++] = (unsigned char)(v >> 16);
        if (pad < 2)
            bytes[used++] = (unsigned char)(v >> 8);
        if (pad < 1)
            bytes[used++] = (unsigned char)v;
        if (used + 3 > sizeof bytes) {
            sy_code rc = buf_append(out, bytes, used, err);
            if (rc != SY_OK)
                return rc;
            used = 0;
        }
    }
    return used ? buf_append(out, bytes, used, err) : SY_OK;
}
