/* fuzz_form.c -- libFuzzer entry point for form bodies: the bytes as the body
 * of a multipart/form-data (boundary "xyz") POST when they start with '-', else
 * of an application/x-www-form-urlencoded one, to the real HTTP server, in
 * process, whose handler reads it with http_form_parse.
 *
 * The form parser needs a live connection (libmicrohttpd's post processor
 * reads the headers from it), so each input goes over loopback. Whatever the
 * bytes, the answer is 200 or a 4xx; every field handed over is
 * NUL-terminated at its length; nothing crashes or leaks. Built and run by
 * scripts/fuzz.sh. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/form.h"
#include "http/server.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t port;

static sy_code on_field(void *ctx, const struct http_form_field *f, struct sy_err *err)
{
    (void)err;
    size_t *n = ctx;
    if (!f->name || !f->data || f->data[f->len] != '\0')
        abort();
    (*n)++;
    return SY_OK;
}

static void form(struct http_exchange *ex, void *app)
{
    (void)app;
    size_t fields = 0;
    struct sy_err err;
    sy_code rc = http_form_parse(ex, on_field, &fields, &err);
    unsigned status = rc == SY_OK ? 200 : rc == SY_EMEDIA ? 415 : 400;
    if (rc != SY_OK && rc != SY_EINVAL && rc != SY_EMEDIA && rc != SY_ETOOLARGE)
        abort(); /* a form is the client's fault or fine, never the server's */
    char body[32];
    int n = snprintf(body, sizeof body, "%zu", fields);
    http_respond(ex, status, "text/plain", body, (size_t)n);
}

static void refuse(struct http_exchange *ex, void *app, sy_code code, const char *detail)
{
    (void)app;
    (void)detail;
    http_respond(ex, code == SY_ETOOLARGE ? 413 : code == SY_ENOTFOUND ? 404 : 400, "text/plain",
                 "", 0);
}

static const struct http_route routes[] = {{"POST", "/form", form, 1u << 20, true}};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct http_server_config cfg = {
        .host = "127.0.0.1",
        .threads = 1,
        .body_max = 1u << 20,
        .connection_timeout = 5,
        .routes = routes,
        .n_routes = 1,
        .refuse = refuse,
    };
    struct http_server *srv;
    struct sy_err err;
    if (http_server_start(&cfg, &srv, &err) != SY_OK) {
        fprintf(stderr, "fuzz_form: %s\n", err.msg);
        abort();
    }
    port = http_server_port(srv);
    return 0; /* the server lives as long as the fuzzer */
}

static int send_all(int fd, const void *p, size_t n)
{
    for (size_t at = 0; at < n;) {
        ssize_t w = send(fd, (const char *)p + at, n - at, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        at += (size_t)w;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool urlencoded = size == 0 || data[0] != '-';
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int c = fd >= 0 ? connect(fd, (struct sockaddr *)&addr, sizeof addr) : -1;
    if (c != 0 && errno == EINTR) { /* the connection goes on by itself: wait for it */
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int soerr = 0;
        socklen_t len = sizeof soerr;
        while (poll(&p, 1, 5000) < 0 && errno == EINTR)
            ;
        c = getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0 ? 0 : -1;
    }
    if (c != 0)
        abort();
    char head[256];
    int n = snprintf(head, sizeof head,
                     "POST /form HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                     urlencoded ? "application/x-www-form-urlencoded"
                                : "multipart/form-data; boundary=xyz",
                     size);
    /* One send: a head and a body sent apart wait on Nagle and delayed ACKs. */
    char *request = malloc((size_t)n + size);
    if (!request)
        abort();
    memcpy(request, head, (size_t)n);
    if (size)
        memcpy(request + n, data, size);
    send_all(fd, request, (size_t)n + size);
    free(request);
    char answer[4096];
    size_t got = 0;
    ssize_t r = 0;
    int recv_errno = 0;
    /* libFuzzer's timer interrupts blocking calls now and then: go on. */
    while (got < sizeof answer - 1) {
        r = recv(fd, answer + got, sizeof answer - 1 - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (r < 0)
        recv_errno = errno;
    answer[got] = '\0';
    close(fd);
    unsigned status = 0;
    if (sscanf(answer, "HTTP/1.1 %u", &status) != 1 || status >= 500) {
        fprintf(stderr, "fuzz_form: the server answered %zu bytes (%s): %.300s\n", got,
                recv_errno ? strerror(recv_errno) : "then closed", answer);
        abort(); /* no answer, or the server's own failure */
    }
    return 0;
}
