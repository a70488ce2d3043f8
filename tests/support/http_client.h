/* http_client.h -- a small HTTP/1.1 client over raw sockets, for tests.
 *
 * Raw on purpose: tests need to send malformed bytes, reuse a connection to
 * check keep-alive, read a stream event by event and drop the connection in
 * the middle. Responses may be Content-Length, chunked, or read-until-close. */
#ifndef SY_TEST_HTTP_CLIENT_H
#define SY_TEST_HTTP_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

struct http_conn {
    int fd;
    int port;
    char in[65536];
    size_t len, pos;
};

struct http_response {
    int status;
    char head[16384];        /* status line and headers as received */
    struct sy_buf body;      /* decoded body */
    /* body framing, for incremental reads */
    bool chunked;
    long long remaining;     /* Content-Length bytes left, or -1 until close */
    long long chunk_left;    /* bytes left in the current chunk */
    bool done;
};

/* Every later request to port carries this header line (ending in \r\n; NULL
 * stops it): a server that wants a key gets it from every helper. One port. */
void http_client_set_header(int port, const char *line);

/* Connects to 127.0.0.1:port. Returns 0 or -1. */
int http_conn_open(struct http_conn *c, int port);

/* Same, with the socket's receive buffer set to rcvbuf bytes first: a client
 * whose kernel holds little of what it does not read. */
int http_conn_open_rcvbuf(struct http_conn *c, int port, int rcvbuf);
void http_conn_close(struct http_conn *c);

/* Sends raw bytes. Returns 0 or -1. */
int http_conn_send_raw(struct http_conn *c, const void *p, size_t n);

/* Sends a request with Host, Content-Length (if body) and extra header lines
 * (each ending in \r\n, may be NULL). Returns 0 or -1. */
int http_conn_send(struct http_conn *c, const char *method, const char *path, const char *extra,
                   const char *body, size_t len);

/* Reads status line and headers into r (initialising it). Returns 0 or -1. */
int http_conn_read_head(struct http_conn *c, struct http_response *r);

/* Reads some more body into r->body. Returns 1 if bytes were added, 0 at the
 * end of the body, -1 on error or timeout. */
int http_conn_read_more(struct http_conn *c, struct http_response *r);

/* Reads the rest of the body. Returns 0 or -1. */
int http_conn_read_body(struct http_conn *c, struct http_response *r);

void http_response_cleanup(struct http_response *r);

/* Returns: a header's value (copied into out) or NULL. Case-insensitive name. */
const char *http_response_header(const struct http_response *r, const char *name, char *out,
                                 size_t size);

/* One whole request on a fresh connection. Returns 0 or -1. */
int http_request(int port, const char *method, const char *path, const char *extra,
                 const char *body, struct http_response *r);

/* Same, with a JSON body (Content-Type: application/json); *json gets the
 * parsed response body or NULL if it is not JSON. Returns the status or -1. */
int http_json(int port, const char *method, const char *path, const char *body, json_t **json);

/* Returns: the bytes of a JSON string as a C string, with any NUL byte written
 * as the six characters \u0000, so generated text compares whole (NULL if v is
 * not a string). The result lives until 16 more calls. */
const char *jstr(const json_t *v);

/* Like jstr, but returns a new copy owned by the caller (free()). */
char *jstr_dup(const json_t *v);

/* POSTs body (owned; encoded compactly) as JSON to path. Returns the status
 * or -1; *json gets the parsed response (NULL if none or not JSON). */
int http_post_json(int port, const char *path, json_t *body, json_t **json);

/* POSTs a multipart/form-data body to path: the fields (name, value pairs,
 * NULL-ended; may be NULL), then file (if not NULL) as the part "file"
 * (speech.wav, audio/wav), as OpenAI's audio uploads are sent. Reads the
 * whole answer into *r (http_response_cleanup it). Returns the status or -1. */
int http_post_multipart(int port, const char *path, const struct sy_buf *file,
                        const char *const *fields, struct http_response *r);

/* The same with any files: each its part name, file name and Content-Type. */
struct http_form_file {
    const char *name, *filename, *type;
    const struct sy_buf *data;
};
int http_post_form(int port, const char *path, const char *const *fields,
                   const struct http_form_file *files, size_t n_files, struct http_response *r);

/* Reads SSE events from a stream response: fills `data` with the next event's
 * data lines joined (and `event` with its name, "" if none). Returns 1 for an
 * event, 0 at the end of the stream, -1 on error. `pending` carries bytes
 * between calls (buf_init it once). */
int http_sse_next(struct http_conn *c, struct http_response *r, struct sy_buf *pending,
                  char *event, size_t event_size, struct sy_buf *data);

/* POSTs body (owned) and reads the whole response as SSE. Returns the status
 * or -1. For a 200, *events gets an array of {"event", "raw", "json"} (json is
 * null when the data is not JSON, e.g. [DONE]); otherwise *events is the
 * parsed error body. *complete says whether the stream ended cleanly (the
 * final zero-length chunk arrived). */
int http_stream_collect(int port, const char *path, json_t *body, json_t **events,
                        bool *complete);

#endif
