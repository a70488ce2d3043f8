/* test_failures.c -- what happens when things go wrong: clients that leave
 * mid-stream, workers that die mid-stream or cannot start, unusable model
 * files, and shutdown while work is in flight. Every case must end with a
 * clear error (or a clean stop) and a server that keeps serving. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_client.h"
#include "t.h"
#include "test_server.h"

static struct test_server srv;

static json_t *long_completion(bool stream)
{
    return json_pack("{s:s, s:s, s:i, s:i, s:b}", "model", "tiny", "prompt", "Go on and on:",
                     "max_tokens", 2000, "temperature", 0, "stream", stream);
}


/* Opens a completion stream and reads n events. */
static int open_stream(struct http_conn *c, struct http_response *r, struct sy_buf *pending, int n)
{
    json_t *body = long_completion(true);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    int rc = http_conn_open(c, srv.port);
    if (rc == 0)
        rc = http_conn_send(c, "POST", "/v1/completions", "Content-Type: application/json\r\n",
                            text, strlen(text));
    free(text);
    if (rc == 0)
        rc = http_conn_read_head(c, r);
    if (rc != 0 || r->status != 200)
        return -1;
    buf_init(pending, 1 << 24);
    struct sy_buf data;
    buf_init(&data, 1 << 24);
    char name[32];
    for (int i = 0; i < n && rc == 0; i++)
        rc = http_sse_next(c, r, pending, name, sizeof name, &data) == 1 ? 0 : -1;
    buf_cleanup(&data);
    return rc;
}

static int short_request_ok(void)
{
    json_t *resp = NULL;
    int status = http_post_json(srv.port, "/v1/completions",
                                json_pack("{s:s, s:s, s:i}", "model", "tiny", "prompt", "Hi",
                                          "max_tokens", 4),
                                &resp);
    json_decref(resp);
    return status == 200;
}

static void test_client_disconnect(void)
{
    struct http_conn c;
    struct http_response r;
    struct sy_buf pending;
    T_REQUIRE(open_stream(&c, &r, &pending, 3) == 0);
    http_conn_close(&c); /* gone mid-stream */
    http_response_cleanup(&r);
    buf_cleanup(&pending);
    /* With one slot, the next request runs only once the abandoned one stops. */
    T_ASSERT(short_request_ok());
    T_ASSERT(test_server_log_contains(&srv, "client left before model 'tiny' finished"));
}

static void test_worker_killed_mid_stream(void)
{
    struct http_conn c;
    struct http_response r;
    struct sy_buf pending;
    T_REQUIRE(open_stream(&c, &r, &pending, 2) == 0);
    char needle[PATH_MAX + 16];
    snprintf(needle, sizeof needle, "%s/tiny.gguf", srv.models);
    pid_t worker = test_find_process(needle);
    T_REQUIRE(worker > 0);
    kill(worker, SIGKILL);
    /* The stream must end with an error event, not hang and not end silently. */
    struct sy_buf data;
    buf_init(&data, 1 << 24);
    char name[32];
    bool saw_error = false, saw_done = false;
    int rc;
    while ((rc = http_sse_next(&c, &r, &pending, name, sizeof name, &data)) == 1) {
        json_t *ev = json_loadb(data.data, data.len, JSON_ALLOW_NUL, NULL);
        json_t *err = json_object_get(ev, "error");
        if (err) {
            saw_error = true;
            T_EQ_STR(json_string_value(json_object_get(err, "code")), "engine_failed");
            T_CONTAINS(json_string_value(json_object_get(err, "message")), "signal 9");
        }
        if (strcmp(data.data, "[DONE]") == 0)
            saw_done = true;
        json_decref(ev);
    }
    T_EQ_INT(rc, 0); /* the stream closed cleanly after the error */
    T_ASSERT(saw_error);
    T_ASSERT(!saw_done);
    buf_cleanup(&data);
    buf_cleanup(&pending);
    http_response_cleanup(&r);
    http_conn_close(&c);
    /* A new worker serves the next request. */
    T_ASSERT(short_request_ok());
    pid_t again = test_find_process(needle);
    T_ASSERT(again > 0 && again != worker);
}

static void test_unusable_model(void)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/broken.gguf", srv.models);
    FILE *f = fopen(path, "w");
    T_REQUIRE(f);
    fputs("this is not a GGUF file at all", f);
    fclose(f);
    json_t *list = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models/broken", NULL, &list), 200);
    T_EQ_STR(json_string_value(json_object_get(list, "status")), "unusable");
    T_ASSERT(json_is_string(json_object_get(list, "problem")));
    json_decref(list);
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(srv.port, "/v1/completions",
                            json_pack("{s:s, s:s}", "model", "broken", "prompt", "x"), &resp),
             422);
    T_CONTAINS(json_string_value(json_object_get(json_object_get(resp, "error"), "message")),
               "cannot run");
    json_decref(resp);
}

static void test_missing_worker_binary(void)
{
    struct test_server other;
    T_REQUIRE(test_env_init(&other) == 0);
    const char *tiny[] = {"--preset", "tiny", NULL};
    T_REQUIRE(test_make_model(other.models, "tiny", tiny) == 0);
    const char *args[] = {"--llama-worker", "/nonexistent/switchyard-llama", NULL};
    T_REQUIRE(test_server_start(&other, args) == 0);
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(other.port, "/v1/completions",
                            json_pack("{s:s, s:s}", "model", "tiny", "prompt", "x"), &resp),
             502);
    json_t *err = json_object_get(resp, "error");
    T_EQ_STR(json_string_value(json_object_get(err, "code")), "engine_failed");
    T_CONTAINS(json_string_value(json_object_get(err, "message")), "/nonexistent/switchyard-llama");
    json_decref(resp);
    T_EQ_INT(test_server_stop(&other), 0);
    test_env_cleanup(&other);
}

static void test_shutdown_mid_stream(void)
{
    struct http_conn c;
    struct http_response r;
    struct sy_buf pending;
    T_REQUIRE(open_stream(&c, &r, &pending, 2) == 0);
    T_EQ_INT(test_server_stop(&srv), 0);
    /* The client sees its stream end; no worker outlives the server. */
    struct sy_buf data;
    buf_init(&data, 1 << 24);
    char name[32];
    while (http_sse_next(&c, &r, &pending, name, sizeof name, &data) == 1)
        ;
    buf_cleanup(&data);
    buf_cleanup(&pending);
    http_response_cleanup(&r);
    http_conn_close(&c);
    T_EQ_INT(test_find_process(srv.models), 0);
}

int main(void)
{
    const char *args[] = {"--slots", "1", "--context-size", "4096", "--log-level", "info", NULL};
    if (test_server_start_tiny(&srv, args) != 0)
        return 1;
    T_RUN(test_client_disconnect);
    T_RUN(test_worker_killed_mid_stream);
    T_RUN(test_unusable_model);
    T_RUN(test_missing_worker_binary);
    T_RUN(test_shutdown_mid_stream);
    test_env_cleanup(&srv);
    return t_done();
}
