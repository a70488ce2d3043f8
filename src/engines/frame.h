/* frame.h -- length-prefixed JSON frames over a stream socket (docs/PROTOCOL.md).
 *
 * A frame is a 4-byte big-endian length N (1..SY_FRAME_MAX) and N bytes of JSON
 * holding one object. Used by both the supervisor and the workers. Reads and
 * writes block until the whole frame moved; EINTR is retried. Callers serialise
 * writers on one descriptor; a single reader per descriptor. */
#ifndef SY_FRAME_H
#define SY_FRAME_H

#include <jansson.h>

#include "util/buf.h"
#include "util/err.h"

/* Writes obj (borrowed) as one frame.
 * Returns: SY_OK; SY_EIO if the peer is gone (EPIPE never raises SIGPIPE);
 *          SY_ETOOLARGE if the encoding exceeds SY_FRAME_MAX. */
sy_code frame_write_json(int fd, const json_t *obj, struct sy_err *err);

/* Reads one frame and parses it.
 * Returns: SY_OK and *out, a new reference owned by the caller (json_decref());
 *          SY_EEOF if the peer closed cleanly between frames;
 *          SY_EIO on a read error, a short frame or a bad length;
 *          SY_EINVAL if the payload is not a JSON object with a string "type". */
sy_code frame_read_json(int fd, json_t **out, struct sy_err *err);

/* Returns: the "type" member of a frame object (borrowed), or "" if absent. */
const char *frame_type(const json_t *obj);

#endif
