/* frame.c -- framed JSON messages between the supervisor and workers. */
#include "engines/frame.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/limits.h"

static sy_code write_all(int fd, const void *p, size_t n, struct sy_err *err)
{
    const char *c = p;
    while (n > 0) {
        /* send + MSG_NOSIGNAL: a dead peer must be an error, not a SIGPIPE. */
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == ENOTSOCK)
            w = write(fd, c, n);
        if (w <= 0)
            return sy_errf(err, SY_EIO, "writing a frame failed: %s", strerror(errno));
        c += w;
        n -= (size_t)w;
    }
    return SY_OK;
}

/* Reads exactly n bytes. Returns SY_EEOF only if nothing was read at all. */
static sy_code read_all(int fd, void *p, size_t n, struct sy_err *err)
{
    char *c = p;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, c + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return sy_errf(err, SY_EIO, "reading a frame failed: %s", strerror(errno));
        if (r == 0)
            return got == 0 ? sy_errf(err, SY_EEOF, "peer closed the connection")
                            : sy_errf(err, SY_EIO, "peer closed the connection mid-frame");
        got += (size_t)r;
    }
    return SY_OK;
}

sy_code frame_write_json(int fd, const json_t *obj, struct sy_err *err)
{
    char *text = json_dumps(obj, JSON_COMPACT);
    if (!text)
        return sy_errf(err, SY_ENOMEM, "cannot encode a frame");
    size_t n = strlen(text);
    sy_code rc;
    if (n == 0 || n > SY_FRAME_MAX) {
        rc = sy_errf(err, SY_ETOOLARGE, "frame of %zu bytes exceeds the %u-byte limit", n,
                     SY_FRAME_MAX);
        goto out;
    }
    /* Header and payload in one buffer: one send for small frames. */
    char *frame = malloc(n + 4);
    if (!frame) {
        rc = sy_errf(err, SY_ENOMEM, "cannot allocate a frame of %zu bytes", n);
        goto out;
    }
    frame[0] = (char)((n >> 24) & 0xFF);
    frame[1] = (char)((n >> 16) & 0xFF);
    frame[2] = (char)((n >> 8) & 0xFF);
    frame[3] = (char)(n & 0xFF);
    memcpy(frame + 4, text, n);
    rc = write_all(fd, frame, n + 4, err);
    free(frame);
out:
    free(text);
    return rc;
}

sy_code frame_read_json(int fd, json_t **out, struct sy_err *err)
{
    unsigned char hdr[4];
    *out = NULL;
    sy_code rc = read_all(fd, hdr, 4, err);
    if (rc != SY_OK)
        return rc;
    uint32_t n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
    if (n == 0 || n > SY_FRAME_MAX)
        return sy_errf(err, SY_EIO, "frame length %u outside 1..%u", n, SY_FRAME_MAX);
    char *payload = malloc(n);
    if (!payload)
        return sy_errf(err, SY_ENOMEM, "cannot allocate a frame of %u bytes", n);
    rc = read_all(fd, payload, n, err);
    if (rc == SY_EEOF)
        rc = sy_errf(err, SY_EIO, "peer closed the connection mid-frame");
    if (rc != SY_OK) {
        free(payload);
        return rc;
    }
    json_error_t jerr;
    /* Generated text may hold U+0000 (a byte-level token for byte 0); it travels
     * with its length everywhere, so NUL is allowed here. */
    json_t *obj = json_loadb(payload, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    free(payload);
    if (!obj || !json_is_object(obj) || !json_is_string(json_object_get(obj, "type"))) {
        json_decref(obj);
        return sy_errf(err, SY_EINVAL, "frame is not a JSON object with a \"type\": %s",
                       obj ? "missing type" : jerr.text);
    }
    *out = obj;
    return SY_OK;
}

const char *frame_type(const json_t *obj)
{
    const char *t = json_string_value(json_object_get(obj, "type"));
    return t ? t : "";
}
