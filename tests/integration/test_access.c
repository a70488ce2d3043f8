/* test_access.c -- who may talk to the server: API keys (from a key file and
 * the environment, either header, every route but /health, streams and
 * metrics included, never echoed or logged), the Host check that defeats DNS
 * rebinding on loopback, and origins (same-origin and listed ones pass, with
 * CORS headers and preflights for listed ones; others are refused). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_client.h"
#include "t.h"
#include "test_server.h"

#define KEY_FILE_KEY "sk-file-0123456789abcdef"
#define ENV_KEY "sk-env-fedcba9876543210"

static struct test_server srv;

/* One raw request; extra: more header lines. Returns the status, -1 on error;
 * the response is in *r (cleaned up by the caller). */
static int raw(const char *method, const char *path, const char *host, const char *extra,
               const char *body, struct http_response *r)
{
    struct http_conn c;
    char req[2048];
    snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: %s\r\n%sContent-Length: %zu\r\n\r\n%s",
             method, path, host, extra ? extra : "", body ? strlen(body) : 0, body ? body : "");
    memset(r, 0, sizeof *r);
    if (http_conn_open(&c, srv.port) != 0)
        return -1;
    int rc = http_conn_send_raw(&c, req, strlen(req));
    if (rc == 0)
        rc = http_conn_read_head(&c, r);
    if (rc == 0)
        rc = http_conn_read_body(&c, r);
    http_conn_close(&c);
    return rc == 0 ? r->status : -1;
}

static int get(const char *path, const char *extra)
{
    struct http_response r;
    int status = raw("GET", path, "127.0.0.1", extra, NULL, &r);
    http_response_cleanup(&r);
    return status;
}

static void test_keys(void)
{
    /* Liveness needs no key; everything else does, with a 401 that says how. */
    T_EQ_INT(get("/health", NULL), 200);
    struct http_response r;
    T_EQ_INT(raw("GET", "/v1/models", "127.0.0.1", NULL, NULL, &r), 401);
    char value[128];
    T_ASSERT(http_response_header(&r, "WWW-Authenticate", value, sizeof value));
    T_CONTAINS(value, "Bearer");
    T_CONTAINS(r.body.data, "Authorization: Bearer");
    http_response_cleanup(&r);
    static const char *const guarded[] = {"/metrics", "/api/models", "/api/models/status",
                                          "/v1/models/tiny", "/api/hub/models", "/no/such/route"};
    for (size_t i = 0; i < sizeof guarded / sizeof guarded[0]; i++)
        T_EQ_INT(get(guarded[i], NULL), 401);
    const char *stream = "{\"model\":\"tiny\",\"prompt\":\"x\",\"max_tokens\":2,\"stream\":true}";
    T_EQ_INT(raw("POST", "/v1/completions", "127.0.0.1", "Content-Type: application/json\r\n",
                 stream, &r),
             401);
    http_response_cleanup(&r);
    T_EQ_INT(raw("POST", "/api/models/pull", "127.0.0.1", "Content-Type: application/json\r\n",
                 "{\"model\":\"org/name\"}", &r),
             401);
    http_response_cleanup(&r);

    /* Wrong keys, and keys in the wrong place, do not pass. */
    T_EQ_INT(get("/v1/models", "Authorization: Bearer sk-wrong-0123456789abcdef\r\n"), 401);
    T_EQ_INT(get("/v1/models", "Authorization: Basic " KEY_FILE_KEY "\r\n"), 401);
    T_EQ_INT(get("/v1/models", "Authorization: Bearer " KEY_FILE_KEY "x\r\n"), 401);
    T_EQ_INT(get("/v1/models", "Authorization: Bearer sk-file\r\n"), 401);

    /* Either key, either header. */
    T_EQ_INT(get("/v1/models", "Authorization: Bearer " KEY_FILE_KEY "\r\n"), 200);
    T_EQ_INT(get("/v1/models", "x-api-key: " ENV_KEY "\r\n"), 200);
    T_EQ_INT(get("/metrics", "authorization: bearer " ENV_KEY "\r\n"), 200);
    T_EQ_INT(raw("POST", "/v1/completions", "127.0.0.1",
                 "Content-Type: application/json\r\nx-api-key: " KEY_FILE_KEY "\r\n", stream, &r),
             200);
    T_CONTAINS(r.body.data, "[DONE]");
    http_response_cleanup(&r);

    /* Keys never reach the log. */
    T_ASSERT(!test_server_log_contains(&srv, KEY_FILE_KEY));
    T_ASSERT(!test_server_log_contains(&srv, ENV_KEY));
    T_ASSERT(!test_server_log_contains(&srv, "sk-wrong"));
}

static void test_host(void)
{
    const char *key = "x-api-key: " ENV_KEY "\r\n";
    struct http_response r;
    /* A rebinding page reaches 127.0.0.1 under its own name: refused. */
    T_EQ_INT(raw("GET", "/v1/models", "evil.example", key, NULL, &r), 403);
    T_CONTAINS(r.body.data, "allowed_hosts");
    http_response_cleanup(&r);
    T_EQ_INT(raw("GET", "/v1/models", "evil.example:8080", key, NULL, &r), 403);
    http_response_cleanup(&r);
    static const char *const fine[] = {"127.0.0.1", "localhost:8080", "[::1]:8080",
                                       "switchyard.lan", "SWITCHYARD.LAN:80"};
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++) {
        T_EQ_INT(raw("GET", "/v1/models", fine[i], key, NULL, &r), 200);
        http_response_cleanup(&r);
    }
}

static void test_origins(void)
{
    const char *key = "x-api-key: " ENV_KEY "\r\n";
    struct http_response r;
    char extra[256], value[128];
    /* A page elsewhere may not drive the server (no CSRF with a simple POST). */
    snprintf(extra, sizeof extra, "%sOrigin: http://evil.example\r\nContent-Type: text/plain\r\n",
             key);
    T_EQ_INT(raw("POST", "/api/models/unload", "127.0.0.1", extra, "{\"model\":\"tiny\"}", &r),
             403);
    T_CONTAINS(r.body.data, "cors_origins");
    http_response_cleanup(&r);
    /* A listed origin gets CORS headers. */
    snprintf(extra, sizeof extra, "%sOrigin: http://app.example\r\n", key);
    T_EQ_INT(raw("GET", "/v1/models", "127.0.0.1", extra, NULL, &r), 200);
    T_ASSERT(http_response_header(&r, "Access-Control-Allow-Origin", value, sizeof value));
    T_EQ_STR(value, "http://app.example");
    http_response_cleanup(&r);
    /* Its preflight is answered without a key, as browsers send none. */
    T_EQ_INT(raw("OPTIONS", "/v1/chat/completions", "127.0.0.1",
                 "Origin: http://app.example\r\nAccess-Control-Request-Method: POST\r\n"
                 "Access-Control-Request-Headers: authorization, content-type\r\n",
                 NULL, &r),
             204);
    T_ASSERT(http_response_header(&r, "Access-Control-Allow-Headers", value, sizeof value));
    T_CONTAINS(value, "Authorization");
    http_response_cleanup(&r);
    T_EQ_INT(raw("OPTIONS", "/v1/chat/completions", "127.0.0.1",
                 "Origin: http://evil.example\r\nAccess-Control-Request-Method: POST\r\n", NULL,
                 &r),
             403);
    http_response_cleanup(&r);
    /* The same origin (the playground) needs no listing and gets no CORS headers. */
    char host[64];
    snprintf(host, sizeof host, "127.0.0.1:%d", srv.port);
    snprintf(extra, sizeof extra, "%sOrigin: http://%s\r\n", key, host);
    T_EQ_INT(raw("GET", "/v1/models", host, extra, NULL, &r), 200);
    T_ASSERT(!http_response_header(&r, "Access-Control-Allow-Origin", value, sizeof value));
    http_response_cleanup(&r);
}

int main(void)
{
    if (test_env_init(&srv) != 0)
        return 1;
    const char *tiny[] = {"--preset", "tiny", NULL};
    char key_file[600];
    snprintf(key_file, sizeof key_file, "%s/keys.txt", srv.tmp);
    FILE *f = fopen(key_file, "w");
    if (!f || test_make_model(srv.models, "tiny", tiny) != 0) {
        printf("Bail out! cannot set up\n");
        return 1;
    }
    fputs("# keys for the test\n\n  " KEY_FILE_KEY "  \n", f);
    fclose(f);
    setenv("SWITCHYARD_API_KEY", ENV_KEY, 1);
    const char *args[] = {"--api-key-file", key_file, "--allowed-hosts", "switchyard.lan",
                          "--cors-origins", "http://app.example, http://other.example", NULL};
    if (test_server_start(&srv, args) != 0) {
        printf("Bail out! the server did not start\n");
        return 1;
    }
    unsetenv("SWITCHYARD_API_KEY");
    T_RUN(test_keys);
    T_RUN(test_host);
    T_RUN(test_origins);
    T_EQ_INT(test_server_stop(&srv), 0);
    test_env_cleanup(&srv);
    return t_done();
}
