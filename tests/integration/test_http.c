/* test_http.c -- the HTTP layer of the real server: routing errors, body
 * limits, content types, keep-alive, request ids, malformed bytes, request
 * targets and framing that smuggle or traverse, and slowloris clients. No
 * model is needed for any of it. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_client.h"
#include "t.h"
#include "test_server.h"

static struct test_server srv;

static void expect_json_error(const struct http_response *r, int status, const char *code)
{
    T_EQ_INT(r->status, status);
    char ct[64];
    T_ASSERT(http_response_header(r, "Content-Type", ct, sizeof ct) &&
             strcmp(ct, "application/json") == 0);
    json_t *body = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
    json_t *err = json_object_get(body, "error");
    T_ASSERT(json_is_string(json_object_get(err, "message")));
    T_EQ_STR(json_string_value(json_object_get(err, "code")), code);
    json_decref(body);
}

static void test_health_and_request_id(void)
{
    struct http_response r;
    T_REQUIRE(http_request(srv.port, "GET", "/health", NULL, NULL, &r) == 0);
    T_EQ_INT(r.status, 200);
    T_CONTAINS(r.body.data, "\"status\":\"ok\"");
    char id[64];
    T_ASSERT(http_response_header(&r, "X-Request-Id", id, sizeof id) != NULL);
    http_response_cleanup(&r);
}

static void test_not_found_and_method(void)
{
    struct http_response r;
    T_REQUIRE(http_request(srv.port, "GET", "/v2/nothing", NULL, NULL, &r) == 0);
    expect_json_error(&r, 404, "not_found");
    http_response_cleanup(&r);
    T_REQUIRE(http_request(srv.port, "GET", "/v1/chat/completions", NULL, NULL, &r) == 0);
    expect_json_error(&r, 405, "method_not_allowed");
    char allow[64];
    T_ASSERT(http_response_header(&r, "Allow", allow, sizeof allow) && strcmp(allow, "POST") == 0);
    http_response_cleanup(&r);
    T_REQUIRE(http_request(srv.port, "DELETE", "/v1/models", NULL, NULL, &r) == 0);
    expect_json_error(&r, 405, "method_not_allowed");
    http_response_cleanup(&r);
}

static void test_bodies(void)
{
    struct http_response r;
    /* Over the configured 4096-byte limit: 413 before the body is buffered. */
    char *big = malloc(8192);
    memset(big, ' ', 8191);
    big[0] = '{';
    big[8190] = '}';
    big[8191] = '\0';
    T_REQUIRE(http_request(srv.port, "POST", "/v1/chat/completions",
                           "Content-Type: application/json\r\n", big, &r) == 0);
    expect_json_error(&r, 413, "too_large");
    http_response_cleanup(&r);
    free(big);

    T_REQUIRE(http_request(srv.port, "POST", "/v1/chat/completions",
                           "Content-Type: application/json\r\n", "{\"model\": ", &r) == 0);
    expect_json_error(&r, 400, "invalid_value");
    T_CONTAINS(r.body.data, "not valid JSON");
    http_response_cleanup(&r);

    T_REQUIRE(http_request(srv.port, "POST", "/v1/chat/completions",
                           "Content-Type: application/json\r\n", "[1,2]", &r) == 0);
    expect_json_error(&r, 400, "invalid_value");
    http_response_cleanup(&r);

    T_REQUIRE(http_request(srv.port, "POST", "/v1/chat/completions",
                           "Content-Type: text/plain\r\n", "{}", &r) == 0);
    expect_json_error(&r, 415, "unsupported_media_type");
    http_response_cleanup(&r);

    /* Deep nesting is refused before the parser recurses. */
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 99);
    deep[199] = '\0';
    char body[300];
    snprintf(body, sizeof body, "{\"model\":%s]}", deep);
    T_REQUIRE(http_request(srv.port, "POST", "/v1/chat/completions",
                           "Content-Type: application/json\r\n", body, &r) == 0);
    expect_json_error(&r, 400, "invalid_value");
    T_CONTAINS(r.body.data, "nests deeper");
    http_response_cleanup(&r);

    /* Invalid UTF-8 inside a JSON string. */
    T_REQUIRE(http_request(srv.port, "POST", "/v1/chat/completions",
                           "Content-Type: application/json\r\n", "{\"model\":\"\xff\xfe\"}", &r) == 0);
    expect_json_error(&r, 400, "invalid_value");
    http_response_cleanup(&r);
}

static void test_keep_alive(void)
{
    struct http_conn c;
    T_REQUIRE(http_conn_open(&c, srv.port) == 0);
    for (int i = 0; i < 3; i++) {
        struct http_response r;
        T_REQUIRE(http_conn_send(&c, "GET", "/health", NULL, NULL, 0) == 0);
        T_REQUIRE(http_conn_read_head(&c, &r) == 0);
        T_REQUIRE(http_conn_read_body(&c, &r) == 0);
        T_EQ_INT(r.status, 200);
        char conn[32];
        T_ASSERT(!http_response_header(&r, "Connection", conn, sizeof conn) ||
                 strcmp(conn, "close") != 0);
        http_response_cleanup(&r);
    }
    /* An error answer keeps the connection too. */
    struct http_response r;
    T_REQUIRE(http_conn_send(&c, "GET", "/nope", NULL, NULL, 0) == 0);
    T_REQUIRE(http_conn_read_head(&c, &r) == 0 && http_conn_read_body(&c, &r) == 0);
    T_EQ_INT(r.status, 404);
    http_response_cleanup(&r);
    T_REQUIRE(http_conn_send(&c, "GET", "/health", NULL, NULL, 0) == 0);
    T_REQUIRE(http_conn_read_head(&c, &r) == 0 && http_conn_read_body(&c, &r) == 0);
    T_EQ_INT(r.status, 200);
    http_response_cleanup(&r);
    http_conn_close(&c);
}

static void test_garbage_bytes(void)
{
    const char *junk[] = {"\x00\x01\x02\r\n\r\n", "GET\r\n\r\n", "GET / HTTP/9.9\r\n\r\n",
                          "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                          "GET /health HTTP/1.1\r\nHost: x\r\nX: " /* truncated */};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        struct http_conn c;
        T_REQUIRE(http_conn_open(&c, srv.port) == 0);
        http_conn_send_raw(&c, junk[i], i == 0 ? 7 : strlen(junk[i]));
        http_conn_close(&c);
    }
    /* The server is still there. */
    struct http_response r;
    T_REQUIRE(http_request(srv.port, "GET", "/health", NULL, NULL, &r) == 0);
    T_EQ_INT(r.status, 200);
    http_response_cleanup(&r);
}

/* Sends raw bytes on a fresh connection; returns the answer's status, -1 if none. */
static int raw_status(const char *request, char *body, size_t size)
{
    struct http_conn c;
    struct http_response r;
    if (http_conn_open(&c, srv.port) != 0)
        return -1;
    int status = -1;
    if (http_conn_send_raw(&c, request, strlen(request)) == 0 && http_conn_read_head(&c, &r) == 0) {
        status = r.status;
        if (body) {
            http_conn_read_body(&c, &r);
            snprintf(body, size, "%s", r.body.data ? r.body.data : "");
        }
        http_response_cleanup(&r);
    }
    http_conn_close(&c);
    return status;
}

static void test_request_targets_and_framing(void)
{
    /* Never routed: 400 before any handler sees them. */
    static const char *const targets[][2] = {
        {"GET http://127.0.0.1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "path"},
        {"GET /v1/models/ti%00ny HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "NUL"},
        {"GET /v1/models/%2e%2e%2f%2e%2e%2fetc%2fpasswd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
         "'..'"},
        {"GET /api/models/../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "'..'"},
        {"GET /api/models/./tiny HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "'.'"},
    };
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        char body[512] = "";
        T_EQ_INT(raw_status(targets[i][0], body, sizeof body), 400);
        T_CONTAINS(body, targets[i][1]);
    }
    /* Framing two servers could read differently (request smuggling). */
    static const char *const framing[] = {
        "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof framing / sizeof framing[0]; i++)
        T_EQ_INT(raw_status(framing[i], NULL, 0), 400);
    /* An encoded slash inside a segment is data, not a traversal. */
    T_EQ_INT(raw_status("GET /v1/models/org%2Fname HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", NULL, 0),
             404);
}

static void test_slowloris(void)
{
    /* Clients that trickle their headers a byte at a time are cut off at the
     * header deadline (--header-timeout 1), though each byte would restart an
     * idle timeout; meanwhile everyone else is served. */
    enum { N = 20 };
    int fds[N];
    for (int i = 0; i < N; i++) {
        struct http_conn c;
        T_REQUIRE(http_conn_open(&c, srv.port) == 0);
        fds[i] = c.fd;
        const char *start = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
        T_REQUIRE(send(fds[i], start, strlen(start), MSG_NOSIGNAL) > 0);
    }
    struct http_response r;
    T_REQUIRE(http_request(srv.port, "GET", "/health", NULL, NULL, &r) == 0);
    T_EQ_INT(r.status, 200);
    http_response_cleanup(&r);
    int open = N;
    /* A safety net against hanging, not a timing claim: 300 rounds of 100 ms. */
    for (int round = 0; round < 300 && open > 0; round++) {
        for (int i = 0; i < N; i++) {
            if (fds[i] < 0)
                continue;
            char byte;
            ssize_t n = recv(fds[i], &byte, 1, MSG_DONTWAIT);
            bool closed = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) ||
                          send(fds[i], "a", 1, MSG_NOSIGNAL) < 0;
            if (closed) {
                close(fds[i]);
                fds[i] = -1;
                open--;
            }
        }
        nanosleep(&(struct timespec){.tv_nsec = 100 * 1000 * 1000}, NULL);
    }
    T_EQ_INT(open, 0);
    for (int i = 0; i < N; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    T_REQUIRE(http_request(srv.port, "GET", "/health", NULL, NULL, &r) == 0);
    T_EQ_INT(r.status, 200);
    http_response_cleanup(&r);
}

/* Sends `total` body bytes after headers declaring them, `piece` bytes every
 * `gap_ms`, and reports whether the server answered (true) or cut the
 * connection off first (false). */
static bool send_body_slowly(size_t total, size_t piece, long gap_ms)
{
    struct http_conn c;
    if (http_conn_open(&c, srv.port) != 0)
        return false;
    char head[256];
    snprintf(head, sizeof head,
             "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
             total);
    bool cut = send(c.fd, head, strlen(head), MSG_NOSIGNAL) <= 0;
    char bytes[128];
    memset(bytes, ' ', sizeof bytes);
    for (size_t sent = 0; sent < total && !cut; sent += piece) {
        size_t n = total - sent < piece ? total - sent : piece;
        cut = send(c.fd, bytes, n, MSG_NOSIGNAL) < 0;
        char byte;
        ssize_t got = recv(c.fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK); /* an answer stays */
        cut = cut || got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
        nanosleep(&(struct timespec){.tv_nsec = gap_ms * 1000 * 1000}, NULL);
    }
    struct http_response r;
    bool answered = !cut && http_conn_read_head(&c, &r) == 0;
    if (answered)
        http_response_cleanup(&r);
    printf("#   %zu bytes, %zu every %ld ms: %s\n", total, piece, gap_ms,
           answered ? "answered" : cut ? "cut off while sending" : "no answer");
    http_conn_close(&c);
    return answered;
}

static void test_minimum_body_rate(void)
{
    /* --body-timeout 1 --min-body-rate 100: a body trickled at 10 bytes/s is
     * cut off once its grace runs out, well before its 400 bytes arrive ... */
    T_ASSERT(!send_body_slowly(400, 1, 100));
    /* ... while a steady body at some 2,000 bytes/s is read and answered. */
    T_ASSERT(send_body_slowly(3000, 100, 50));
    struct http_response r;
    T_REQUIRE(http_request(srv.port, "GET", "/health", NULL, NULL, &r) == 0);
    T_EQ_INT(r.status, 200);
    http_response_cleanup(&r);
}

/* A connection from source address 127.0.0.2 (another client than the
 * machine's own 127.0.0.1), which has sent one keep-alive request and had its
 * answer. Returns the fd, or -1 if the server would not take it. */
static int other_client(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in from = {.sin_family = AF_INET};
    from.sin_addr.s_addr = htonl(0x7f000002);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv.port)};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const char *req = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    char buf[512];
    if (fd < 0 || bind(fd, (struct sockaddr *)&from, sizeof from) != 0 ||
        connect(fd, (struct sockaddr *)&to, sizeof to) != 0 ||
        send(fd, req, strlen(req), MSG_NOSIGNAL) < 0 || recv(fd, buf, sizeof buf, 0) <= 0 ||
        strncmp(buf, "HTTP/1.1 200", 12) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static void test_connections_per_client(void)
{
    /* --max-connections-per-client 4: a fifth from one address is refused,
     * the machine's own clients are not counted against it. */
    int fds[5];
    for (int i = 0; i < 4; i++)
        T_ASSERT((fds[i] = other_client()) >= 0);
    T_EQ_INT(other_client(), -1);
    struct http_response r;
    T_REQUIRE(http_request(srv.port, "GET", "/health", NULL, NULL, &r) == 0);
    T_EQ_INT(r.status, 200);
    http_response_cleanup(&r);
    /* One leaves: its place is free again (once the server has seen it go;
     * a net against hanging: 100 tries). */
    close(fds[0]);
    fds[4] = -1;
    for (int i = 0; i < 100 && fds[4] < 0; i++) {
        fds[4] = other_client();
        if (fds[4] < 0)
            nanosleep(&(struct timespec){.tv_nsec = 50 * 1000 * 1000}, NULL);
    }
    T_ASSERT(fds[4] >= 0);
    for (int i = 1; i < 5; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

int main(void)
{
    if (test_env_init(&srv) != 0)
        return 1;
    const char *args[] = {"--max-body-bytes", "4096", "--header-timeout", "1", "--body-timeout",
                          "1", "--min-body-rate", "100", "--max-connections-per-client", "4",
                          NULL};
    if (test_server_start(&srv, args) != 0) {
        printf("Bail out! the server did not start\n");
        return 1;
    }
    T_RUN(test_health_and_request_id);
    T_RUN(test_not_found_and_method);
    T_RUN(test_bodies);
    T_RUN(test_keep_alive);
    T_RUN(test_garbage_bytes);
    T_RUN(test_request_targets_and_framing);
    T_RUN(test_slowloris);
    T_RUN(test_minimum_body_rate);
    T_RUN(test_connections_per_client);
    T_EQ_INT(test_server_stop(&srv), 0);
    test_env_cleanup(&srv);
    return t_done();
}
