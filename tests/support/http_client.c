/* http_client.c -- the tests' HTTP client. */
#include "http_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_TIMEOUT_MS 120000 /* generous: sanitizer builds are slow */

static int header_port;
static char header_line[512];

void http_client_set_header(int port, const char *line)
{
    header_port = line ? port : 0;
    snprintf(header_line, sizeof header_line, "%s", line ? line : "");
}

int http_conn_open(struct http_conn *c, int port)
{
    return http_conn_open_rcvbuf(c, port, 0);
}

int http_conn_open_rcvbuf(struct http_conn *c, int port, int rcvbuf)
{
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    if (rcvbuf > 0 && setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) != 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    c->port = port;
    return 0;
}

void http_conn_close(struct http_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

int http_conn_send_raw(struct http_conn *c, const void *p, size_t n)
{
    const char *s = p;
    while (n) {
        ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

int http_conn_send(struct http_conn *c, const char *method, const char *path, const char *extra,
                   const char *body, size_t len)
{
    struct sy_buf req;
    buf_init(&req, 64u << 20);
    buf_printf(&req, NULL, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s", method, path,
               c->port && c->port == header_port ? header_line : "", extra ? extra : "");
    if (body)
        buf_printf(&req, NULL, "Content-Length: %zu\r\n", len);
    buf_append_str(&req, "\r\n", NULL);
    if (body)
        buf_append(&req, body, len, NULL);
    int rc = http_conn_send_raw(c, req.data, req.len);
    buf_cleanup(&req);
    return rc;
}

/* Makes at least one more byte available in c->in. Returns 1, 0 at EOF, -1. */
static int fill(struct http_conn *c)
{
    if (c->pos > 0) {
        memmove(c->in, c->in + c->pos, c->len - c->pos);
        c->len -= c->pos;
        c->pos = 0;
    }
    if (c->len == sizeof c->in)
        return -1;
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    int pr = poll(&p, 1, READ_TIMEOUT_MS);
    if (pr <= 0)
        return -1;
    ssize_t r = recv(c->fd, c->in + c->len, sizeof c->in - c->len, 0);
    if (r < 0)
        return errno == ECONNRESET ? 0 : -1;
    c->len += (size_t)r;
    return r > 0 ? 1 : 0;
}

/* Reads one line ending in \n (CRLF stripped) into out. Returns 0 or -1. */
static int read_line(struct http_conn *c, char *out, size_t size)
{
    for (;;) {
        char *nl = memchr(c->in + c->pos, '\n', c->len - c->pos);
        if (nl) {
            size_t n = (size_t)(nl - (c->in + c->pos));
            size_t keep = n && c->in[c->pos + n - 1] == '\r' ? n - 1 : n;
            if (keep >= size)
                return -1;
            memcpy(out, c->in + c->pos, keep);
            out[keep] = '\0';
            c->pos += n + 1;
            return 0;
        }
        if (fill(c) <= 0)
            return -1;
    }
}

const char *http_response_header(const struct http_response *r, const char *name, char *out,
                                 size_t size)
{
    size_t n = strlen(name);
    const char *line = strchr(r->head, '\n');
    while (line && *++line) {
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, "\r\n");
            if (len >= size)
                len = size - 1;
            memcpy(out, v, len);
            out[len] = '\0';
            return out;
        }
        line = strchr(line, '\n');
    }
    return NULL;
}

int http_conn_read_head(struct http_conn *c, struct http_response *r)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->body, 256u << 20);
    r->remaining = -1;
    char line[8192];
    size_t used = 0;
    if (read_line(c, line, sizeof line) != 0 || sscanf(line, "HTTP/1.%*d %d", &r->status) != 1)
        return -1;
    for (;;) {
        int w = snprintf(r->head + used, sizeof r->head - used, "%s\n", line);
        if (w > 0 && (size_t)w < sizeof r->head - used)
            used += (size_t)w;
        if (read_line(c, line, sizeof line) != 0)
            return -1;
        if (line[0] == '\0')
            break;
    }
    char v[64];
    if (http_response_header(r, "Transfer-Encoding", v, sizeof v) && strcasecmp(v, "chunked") == 0)
        r->chunked = true;
    else if (http_response_header(r, "Content-Length", v, sizeof v))
        r->remaining = atoll(v);
    if (r->remaining == 0)
        r->done = true;
    return 0;
}

int http_conn_read_more(struct http_conn *c, struct http_response *r)
{
    if (r->done)
        return 0;
    if (r->chunked) {
        if (r->chunk_left == 0) {
            char line[64];
            if (read_line(c, line, sizeof line) != 0)
                return -1;
            r->chunk_left = strtoll(line, NULL, 16);
            if (r->chunk_left == 0) { /* trailer: read through the empty line */
                while (read_line(c, line, sizeof line) == 0 && line[0])
                    ;
                r->done = true;
                return 0;
            }
        }
        if (c->pos == c->len && fill(c) <= 0)
            return -1;
        size_t avail = c->len - c->pos;
        size_t take = (size_t)r->chunk_left < avail ? (size_t)r->chunk_left : avail;
        buf_append(&r->body, c->in + c->pos, take, NULL);
        c->pos += take;
        r->chunk_left -= (long long)take;
        if (r->chunk_left == 0) {
            char crlf[8];
            if (read_line(c, crlf, sizeof crlf) != 0)
                return -1;
        }
        return 1;
    }
    if (c->pos == c->len) {
        int f = fill(c);
        if (f == 0 && r->remaining < 0) {
            r->done = true;
            return 0;
        }
        if (f <= 0)
            return -1;
    }
    size_t avail = c->len - c->pos;
    size_t take = r->remaining >= 0 && (size_t)r->remaining < avail ? (size_t)r->remaining : avail;
    buf_append(&r->body, c->in + c->pos, take, NULL);
    c->pos += take;
    if (r->remaining >= 0) {
        r->remaining -= (long long)take;
        if (r->remaining == 0)
            r->done = true;
    }
    return 1;
}

int http_conn_read_body(struct http_conn *c, struct http_response *r)
{
    int rc;
    while ((rc = http_conn_read_more(c, r)) == 1)
        ;
    return rc;
}

void http_response_cleanup(struct http_response *r)
{
    buf_cleanup(&r->body);
}

int http_request(int port, const char *method, const char *path, const char *extra,
                 const char *body, struct http_response *r)
{
    struct http_conn c;
    memset(r, 0, sizeof *r);
    if (http_conn_open(&c, port) != 0)
        return -1;
    int rc = http_conn_send(&c, method, path, extra, body, body ? strlen(body) : 0);
    if (rc == 0)
        rc = http_conn_read_head(&c, r);
    if (rc == 0)
        rc = http_conn_read_body(&c, r);
    http_conn_close(&c);
    return rc;
}

int http_json(int port, const char *method, const char *path, const char *body, json_t **json)
{
    struct http_response r;
    *json = NULL;
    int rc = http_request(port, method, path, body ? "Content-Type: application/json\r\n" : NULL,
                          body, &r);
    if (rc == 0 && r.body.len)
        *json = json_loadb(r.body.data, r.body.len, JSON_ALLOW_NUL, NULL);
    int status = rc == 0 ? r.status : -1;
    http_response_cleanup(&r);
    return status;
}

int http_post_json(int port, const char *path, json_t *body, json_t **json)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    int status = text ? http_json(port, "POST", path, text, json) : -1;
    free(text);
    return status;
}

int http_post_multipart(int port, const char *path, const struct sy_buf *file,
                        const char *const *fields, struct http_response *r)
{
    struct http_form_file f = {"file", "speech.wav", "audio/wav", file};
    return http_post_form(port, path, fields, &f, file ? 1 : 0, r);
}

int http_post_form(int port, const char *path, const char *const *fields,
                   const struct http_form_file *files, size_t n_files, struct http_response *r)
{
    struct sy_buf body;
    buf_init(&body, 256u << 20);
    for (size_t i = 0; fields && fields[i]; i += 2)
        buf_printf(&body, NULL,
                   "--XyZzY\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n",
                   fields[i], fields[i + 1]);
    for (size_t i = 0; i < n_files; i++) {
        buf_printf(&body, NULL,
                   "--XyZzY\r\nContent-Disposition: form-data; name=\"%s\"; "
                   "filename=\"%s\"\r\nContent-Type: %s\r\n\r\n",
                   files[i].name, files[i].filename, files[i].type);
        buf_append(&body, files[i].data->data, files[i].data->len, NULL);
        buf_append_str(&body, "\r\n", NULL);
    }
    buf_append_str(&body, "--XyZzY--\r\n", NULL);
    struct http_conn c;
    int rc = http_conn_open(&c, port);
    if (rc == 0)
        rc = http_conn_send(&c, "POST", path,
                            "Content-Type: multipart/form-data; boundary=XyZzY\r\n", body.data,
                            body.len);
    if (rc == 0)
        rc = http_conn_read_head(&c, r);
    if (rc == 0)
        rc = http_conn_read_body(&c, r);
    http_conn_close(&c);
    buf_cleanup(&body);
    return rc == 0 ? r->status : -1;
}

int http_sse_next(struct http_conn *c, struct http_response *r, struct sy_buf *pending,
                  char *event, size_t event_size, struct sy_buf *data)
{
    for (;;) {
        /* Move newly read body bytes into pending, then look for a blank line. */
        if (r->body.len) {
            buf_append(pending, r->body.data, r->body.len, NULL);
            buf_reset(&r->body);
        }
        char *end = pending->data ? strstr(pending->data, "\n\n") : NULL;
        if (end) {
            size_t n = (size_t)(end - pending->data);
            buf_reset(data);
            event[0] = '\0';
            char *p = pending->data;
            while (p < pending->data + n) {
                char *nl = memchr(p, '\n', (size_t)(pending->data + n - p));
                size_t len = nl ? (size_t)(nl - p) : (size_t)(pending->data + n - p);
                if (len >= 6 && strncmp(p, "data: ", 6) == 0) {
                    if (data->len)
                        buf_append(data, "\n", 1, NULL);
                    buf_append(data, p + 6, len - 6, NULL);
                } else if (len >= 7 && strncmp(p, "event: ", 7) == 0) {
                    snprintf(event, event_size, "%.*s", (int)(len - 7), p + 7);
                }
                p += len + 1;
            }
            buf_append(data, "", 0, NULL);
            buf_consume(pending, n + 2);
            return 1;
        }
        int rc = http_conn_read_more(c, r);
        if (rc <= 0)
            return rc;
    }
}

int http_stream_collect(int port, const char *path, json_t *body, json_t **events,
                        bool *complete)
{
    *events = NULL;
    *complete = false;
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    struct http_conn c;
    if (!text || http_conn_open(&c, port) != 0) {
        free(text);
        return -1;
    }
    int status = -1;
    struct http_response r;
    if (http_conn_send(&c, "POST", path, "Content-Type: application/json\r\n", text,
                       strlen(text)) == 0 &&
        http_conn_read_head(&c, &r) == 0) {
        status = r.status;
        if (status != 200) {
            if (http_conn_read_body(&c, &r) == 0)
                *events = json_loadb(r.body.data ? r.body.data : "", r.body.len, JSON_ALLOW_NUL, NULL);
        } else {
            json_t *list = json_array();
            struct sy_buf pending, data;
            buf_init(&pending, 64u << 20);
            buf_init(&data, 64u << 20);
            char name[64];
            int rc;
            while ((rc = http_sse_next(&c, &r, &pending, name, sizeof name, &data)) == 1) {
                json_t *parsed = json_loadb(data.data, data.len, JSON_ALLOW_NUL, NULL);
                json_array_append_new(list, json_pack("{s:s, s:s, s:o}", "event", name, "raw",
                                                      data.data, "json",
                                                      parsed ? parsed : json_null()));
            }
            *complete = rc == 0;
            *events = list;
            buf_cleanup(&pending);
            buf_cleanup(&data);
        }
        http_response_cleanup(&r);
    }
    http_conn_close(&c);
    free(text);
    return status;
}

char *jstr_dup(const json_t *v)
{
    if (!json_is_string(v))
        return NULL;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    char *out = malloc(6 * n + 1);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\0') {
            memcpy(out + k, "\\u0000", 6);
            k += 6;
        } else {
            out[k++] = s[i];
        }
    }
    out[k] = '\0';
    return out;
}

const char *jstr(const json_t *v)
{
    static char *ring[16];
    static unsigned next;
    char *out = jstr_dup(v);
    free(ring[next % 16]);
    ring[next++ % 16] = out;
    return out;
}
