/* test_http.c -- the HTTP layer of the real server: routing errors, body
 * limits, content types, keep-alive, request ids and malformed bytes. No
 * model is needed for any of it. */
#include <stdlib.h>
#include <string.h>

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

int main(void)
{
    if (test_env_init(&srv) != 0)
        return 1;
    const char *args[] = {"--max-body-bytes", "4096", NULL};
    if (test_server_start(&srv, args) != 0) {
        printf("Bail out! the server did not start\n");
        return 1;
    }
    T_RUN(test_health_and_request_id);
    T_RUN(test_not_found_and_method);
    T_RUN(test_bodies);
    T_RUN(test_keep_alive);
    T_RUN(test_garbage_bytes);
    T_EQ_INT(test_server_stop(&srv), 0);
    test_env_cleanup(&srv);
    return t_done();
}
