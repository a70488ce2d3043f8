/* test_concurrency.c -- many clients on one model: batched streams give the
 * texts sequential runs give, a full queue answers 429, a client that leaves
 * frees its slot, requests sharing a prompt prefix reuse its cache (and get
 * the text a cold run gives), two busy models split the thread budget, a
 * client too slow to read its stream is cut off and its generation cancelled,
 * a client that hangs up on a request still waiting for its answer frees its
 * slot or queue place at once,
 * a worker killed mid-batch fails every stream on it and the model recovers,
 * and repeated crashes mark the model failed until reloaded. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_client.h"
#include "metric.h"
#include "model_status.h"
#include "t.h"
#include "test_server.h"

#define N_STREAMS 4
#define LONG 4000 /* tokens: the generated models never stop by themselves, so this keeps a
                   * request busy for seconds */

static struct test_server srv;

static const char *const prompts[N_STREAMS] = {"The quick brown fox", "Once upon a time",
                                               "In the beginning", "1, 2, 3,"};

static json_t *stream_body(const char *model, const char *prompt, int max_tokens)
{
    return json_pack("{s:s, s:s, s:i, s:i, s:b}", "model", model, "prompt", prompt, "max_tokens",
                     max_tokens, "temperature", 0, "stream", 1);
}

struct stream {
    struct http_conn conn;
    struct http_response resp;
    struct sy_buf pending, text;
    bool error, done;
    char error_code[64];
};

/* Sends a streaming completion and reads the response head. Returns the status or -1. */
static int stream_open(struct stream *s, int port, json_t *body)
{
    memset(s, 0, sizeof *s);
    buf_init(&s->pending, 1 << 24);
    buf_init(&s->text, 1 << 24);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    int rc = http_conn_open(&s->conn, port);
    if (rc == 0)
        rc = http_conn_send(&s->conn, "POST", "/v1/completions",
                            "Content-Type: application/json\r\n", text, strlen(text));
    free(text);
    if (rc == 0)
        rc = http_conn_read_head(&s->conn, &s->resp);
    return rc == 0 ? s->resp.status : -1;
}

/* Reads up to n more events (n < 0: to the end), collecting text and errors.
 * Returns 1 while the stream goes on, 0 at its end, -1 on a broken stream. */
static int stream_read(struct stream *s, int n)
{
    struct sy_buf data;
    buf_init(&data, 1 << 24);
    char name[32];
    int rc = 1;
    for (int i = 0; (n < 0 || i < n) && rc == 1; i++) {
        rc = http_sse_next(&s->conn, &s->resp, &s->pending, name, sizeof name, &data);
        if (rc != 1)
            break;
        if (strcmp(data.data, "[DONE]") == 0) {
            s->done = true;
            continue;
        }
        json_t *ev = json_loadb(data.data, data.len, JSON_ALLOW_NUL, NULL);
        json_t *err = json_object_get(ev, "error");
        if (err) {
            s->error = true;
            snprintf(s->error_code, sizeof s->error_code, "%s",
                     json_string_value(json_object_get(err, "code")));
        }
        const char *t =
            jstr(json_object_get(json_array_get(json_object_get(ev, "choices"), 0), "text"));
        if (t)
            buf_append_str(&s->text, t, NULL);
        json_decref(ev);
    }
    buf_cleanup(&data);
    return rc;
}

static void stream_close(struct stream *s)
{
    http_conn_close(&s->conn);
    http_response_cleanup(&s->resp);
    buf_cleanup(&s->pending);
    buf_cleanup(&s->text);
}

static char *sequential_text(int port, const char *prompt, int max_tokens)
{
    json_t *resp = NULL;
    int status = http_post_json(port, "/v1/completions",
                                json_pack("{s:s, s:s, s:i, s:i}", "model", "tiny", "prompt", prompt,
                                          "max_tokens", max_tokens, "temperature", 0),
                                &resp);
    char *text =
        status == 200
            ? jstr_dup(json_object_get(json_array_get(json_object_get(resp, "choices"), 0), "text"))
            : NULL;
    json_decref(resp);
    return text;
}

static void test_batched_equals_sequential(void)
{
    char *expected[N_STREAMS];
    for (int i = 0; i < N_STREAMS; i++) {
        expected[i] = sequential_text(srv.port, prompts[i], 32);
        T_REQUIRE(expected[i]);
    }
    struct stream s[N_STREAMS];
    for (int i = 0; i < N_STREAMS; i++)
        T_EQ_INT(stream_open(&s[i], srv.port, stream_body("tiny", prompts[i], 32)), 200);
    for (int i = 0; i < N_STREAMS; i++) {
        T_EQ_INT(stream_read(&s[i], -1), 0);
        T_ASSERT(s[i].done && !s[i].error);
        T_EQ_STR(s[i].text.data ? s[i].text.data : "", expected[i]);
        stream_close(&s[i]);
        free(expected[i]);
    }
}

static void test_queue_full(void)
{
    /* Four slots, queue_size 1: four streams decode, a fifth waits, a sixth is refused. */
    struct stream s[N_STREAMS + 1];
    for (int i = 0; i < N_STREAMS + 1; i++)
        T_EQ_INT(stream_open(&s[i], srv.port, stream_body("tiny", prompts[i % N_STREAMS], LONG)),
                 200);
    struct http_response r;
    const char *body = "{\"model\":\"tiny\",\"prompt\":\"x\",\"max_tokens\":2}";
    T_REQUIRE(http_request(srv.port, "POST", "/v1/completions",
                           "Content-Type: application/json\r\n", body, &r) == 0);
    T_EQ_INT(r.status, 429);
    char retry[32];
    T_ASSERT(http_response_header(&r, "Retry-After", retry, sizeof retry));
    T_CONTAINS(r.body.data, "queue_size");
    http_response_cleanup(&r);
    T_EQ_INT(test_model_status_int(srv.port, "tiny", "active"), N_STREAMS);
    T_EQ_INT(test_model_status_int(srv.port, "tiny", "queued"), 1);

    /* Clients that leave free their slots: the model goes idle again. */
    for (int i = 0; i < N_STREAMS + 1; i++)
        stream_close(&s[i]);
    T_ASSERT(test_wait_model_status_int(srv.port, "tiny", "active", 0));
    T_ASSERT(test_wait_model_status_int(srv.port, "tiny", "queued", 0));
    char *text = sequential_text(srv.port, "x", 2);
    T_ASSERT(text);
    free(text);
}

/* ---- shared prefixes ------------------------------------------------------------------- */

static const char system_prompt[] =
    "You are the assistant of a railway switchyard. You answer questions about trains, tracks, "
    "signals and timetables in one short sentence, politely, without making anything up.";

/* A greedy chat of n messages (role, content pairs). Returns the response or NULL. */
static json_t *chat(const char *const *messages, size_t n)
{
    json_t *msgs = json_array();
    for (size_t i = 0; i + 1 < n * 2; i += 2)
        json_array_append_new(msgs,
                              json_pack("{s:s, s:s}", "role", messages[i], "content", messages[i + 1]));
    json_t *resp = NULL;
    int status = http_post_json(srv.port, "/v1/chat/completions",
                                json_pack("{s:s, s:o, s:i, s:i}", "model", "tiny", "messages", msgs,
                                          "max_tokens", 12, "temperature", 0),
                                &resp);
    if (status != 200) {
        json_decref(resp);
        return NULL;
    }
    return resp;
}

static long long usage_of(const json_t *resp, const char *key)
{
    const json_t *usage = json_object_get(resp, "usage");
    if (strcmp(key, "cached_tokens") == 0)
        usage = json_object_get(usage, "prompt_tokens_details");
    return json_integer_value(json_object_get(usage, key));
}

static const char *reply_of(const json_t *resp)
{
    return json_string_value(json_object_get(
        json_object_get(json_array_get(json_object_get(resp, "choices"), 0), "message"),
        "content"));
}

static void test_shared_prefix_reuses_cache(void)
{
    /* The first request with this system prompt decodes all of it. */
    const char *first[] = {"system", system_prompt, "user", "When does the last train leave?"};
    json_t *r1 = chat(first, 2);
    T_REQUIRE(r1);
    T_EQ_INT(usage_of(r1, "cached_tokens"), 0);

    /* Another question after the same system prompt reuses its tokens. */
    const char *second[] = {"system", system_prompt, "user", "Which track is platform 4?"};
    json_t *r2 = chat(second, 2);
    T_REQUIRE(r2);
    long long cached = usage_of(r2, "cached_tokens");
    T_ASSERT(cached > 20);
    T_ASSERT(cached < usage_of(r2, "prompt_tokens"));

    /* A conversation going on reuses everything it said so far. */
    const char *third[] = {"system", system_prompt, "user", "Which track is platform 4?",
                           "assistant", reply_of(r2), "user", "And platform 5?"};
    json_t *r3 = chat(third, 4);
    T_REQUIRE(r3);
    T_ASSERT(usage_of(r3, "cached_tokens") >= usage_of(r2, "prompt_tokens"));

    /* Reused tokens change nothing: the same request on a cold cache (the
     * model reloaded) gives the same text. */
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(srv.port, "/api/models/unload", json_pack("{s:s}", "model", "tiny"),
                            &resp),
             200);
    json_decref(resp);
    json_t *cold = chat(second, 2);
    T_REQUIRE(cold);
    T_EQ_INT(usage_of(cold, "cached_tokens"), 0);
    T_EQ_STR(reply_of(cold), reply_of(r2));

    struct http_response m;
    T_REQUIRE(http_request(srv.port, "GET", "/metrics", NULL, NULL, &m) == 0);
    T_CONTAINS(m.body.data, "switchyard_prompt_tokens_cached_total{model=\"tiny\"}");
    http_response_cleanup(&m);
    json_decref(r1);
    json_decref(r2);
    json_decref(r3);
    json_decref(cold);
}

/* ---- the thread budget ------------------------------------------------------------------ */

static void test_busy_models_share_threads(void)
{
    /* --threads 2: one busy model decodes with both, two busy ones with one each. */
    struct stream a, b;
    T_EQ_INT(stream_open(&a, srv.port, stream_body("tiny", prompts[0], LONG)), 200);
    T_EQ_INT(stream_read(&a, 2), 1);
    T_EQ_INT(test_model_status_int(srv.port, "tiny", "threads"), 2);
    T_EQ_INT(stream_open(&b, srv.port, stream_body("tiny-twin", prompts[1], LONG)), 200);
    T_EQ_INT(stream_read(&b, 2), 1);
    T_EQ_INT(test_model_status_int(srv.port, "tiny", "threads"), 1);
    T_EQ_INT(test_model_status_int(srv.port, "tiny-twin", "threads"), 1);

    /* The twin's client leaves: its share goes back to the model still busy. */
    stream_close(&b);
    T_ASSERT(test_wait_model_status_int(srv.port, "tiny", "threads", 2));
    stream_close(&a);
    T_ASSERT(test_wait_model_status_int(srv.port, "tiny", "active", 0));
}

static const char cancelled_series[] =
    "switchyard_generations_total{model=\"tiny\",outcome=\"cancelled\"}";

/* ---- slow readers ----------------------------------------------------------------------- */

static void test_slow_reader_cut_off(void)
{
    /* A server that holds at most 1 KiB for a stream (and little more in the
     * kernel), and a client that asks for LONG tokens and reads nothing. */
    struct test_server slow;
    T_REQUIRE(test_env_init(&slow) == 0);
    const char *tiny[] = {"--preset", "tiny", "--never-stop", "--ctx", "8192", NULL};
    T_REQUIRE(test_make_model(slow.models, "tiny", tiny) == 0);
    const char *args[] = {"--slots", "1", "--stream-buffer-bytes", "1024", "--send-buffer-bytes",
                          "4096", NULL};
    T_REQUIRE(test_server_start(&slow, args) == 0);

    struct http_conn conn;
    T_REQUIRE(http_conn_open_rcvbuf(&conn, slow.port, 4096) == 0);
    json_t *request = stream_body("tiny", prompts[0], LONG);
    char *body = json_dumps(request, JSON_COMPACT);
    json_decref(request);
    T_REQUIRE(http_conn_send(&conn, "POST", "/v1/completions", "Content-Type: application/json\r\n",
                             body, strlen(body)) == 0);
    free(body);

    /* The server drops the stream and cancels the generation, freeing the slot
     * long before LONG tokens (the client still has not read a byte). */
    T_ASSERT(test_wait_metric(slow.port, cancelled_series, 1));
    T_EQ_INT(test_model_status_int(slow.port, "tiny", "active"), 0);
    T_ASSERT(test_server_log_contains(&slow, "reads too slowly"));

    /* Reading now finds the stream cut short: no [DONE]. */
    struct http_response r;
    T_EQ_INT(http_conn_read_head(&conn, &r), 0);
    T_EQ_INT(r.status, 200);
    while (http_conn_read_more(&conn, &r) == 1)
        ;
    T_ASSERT(!r.body.data || !strstr(r.body.data, "[DONE]"));
    http_response_cleanup(&r);
    http_conn_close(&conn);

    char *text = sequential_text(slow.port, "x", 2); /* the server serves on */
    T_ASSERT(text);
    free(text);
    T_EQ_INT(test_server_stop(&slow), 0);
    test_env_cleanup(&slow);
}

/* ---- clients that hang up while waiting -------------------------------------------------- */

/* Sends a non-streamed request for LONG tokens, waits until the model's
 * status field shows it (active or queued, as given), and hangs up. */
static void send_and_hang_up(const char *field, long long want)
{
    struct http_conn conn;
    T_REQUIRE(http_conn_open(&conn, srv.port) == 0);
    json_t *request = json_pack("{s:s, s:s, s:i, s:i}", "model", "tiny", "prompt", prompts[2],
                                "max_tokens", LONG, "temperature", 0);
    char *body = json_dumps(request, JSON_COMPACT);
    json_decref(request);
    T_REQUIRE(http_conn_send(&conn, "POST", "/v1/completions", "Content-Type: application/json\r\n",
                             body, strlen(body)) == 0);
    free(body);
    T_ASSERT(test_wait_model_status_int(srv.port, "tiny", field, want));
    http_conn_close(&conn);
}

static void test_hang_up_while_decoding(void)
{
    /* Nothing is written to a non-streamed request until it ends, yet its
     * client leaving frees the slot at once, not LONG tokens later. */
    double cancelled = test_metric(srv.port, cancelled_series);
    send_and_hang_up("active", 1);
    T_ASSERT(test_wait_model_status_int(srv.port, "tiny", "active", 0));
    T_EQ_INT(test_metric(srv.port, cancelled_series), cancelled + 1);
}

static void test_hang_up_while_queued(void)
{
    /* All four slots busy: the fifth request waits, and leaves the queue when
     * its client hangs up, while the others go on. */
    struct stream s[N_STREAMS];
    for (int i = 0; i < N_STREAMS; i++) {
        T_EQ_INT(stream_open(&s[i], srv.port, stream_body("tiny", prompts[i], LONG)), 200);
        T_EQ_INT(stream_read(&s[i], 2), 1);
    }
    send_and_hang_up("queued", 1);
    T_ASSERT(test_wait_model_status_int(srv.port, "tiny", "queued", 0));
    T_EQ_INT(test_model_status_int(srv.port, "tiny", "active"), N_STREAMS);
    for (int i = 0; i < N_STREAMS; i++)
        stream_close(&s[i]);
    T_ASSERT(test_wait_model_status_int(srv.port, "tiny", "active", 0));
}

/* ---- crashes ---------------------------------------------------------------------------- */

static pid_t worker_pid(int port, const char *model)
{
    return (pid_t)test_model_status_int(port, model, "pid");
}

static void test_worker_killed_mid_batch(void)
{
    struct stream s[2];
    for (int i = 0; i < 2; i++) {
        T_EQ_INT(stream_open(&s[i], srv.port, stream_body("tiny", prompts[i], LONG)), 200);
        T_EQ_INT(stream_read(&s[i], 2), 1);
    }
    pid_t pid = worker_pid(srv.port, "tiny");
    T_REQUIRE(pid > 0);
    long long restarts = test_model_status_int(srv.port, "tiny", "restarts");
    kill(pid, SIGKILL);
    for (int i = 0; i < 2; i++) {
        T_EQ_INT(stream_read(&s[i], -1), 0); /* ends cleanly after its error event */
        T_ASSERT(s[i].error && !s[i].done);
        T_EQ_STR(s[i].error_code, "engine_failed");
        stream_close(&s[i]);
    }
    /* The next request restarts the model; status and metrics count it. */
    char *text = sequential_text(srv.port, "Hello", 4);
    T_ASSERT(text);
    free(text);
    T_EQ_INT(test_model_status_int(srv.port, "tiny", "restarts"), restarts + 1);
    T_EQ_INT(test_model_status_int(srv.port, "tiny", "crashes"), 0); /* it works again */
    T_ASSERT(worker_pid(srv.port, "tiny") != pid);
}

static void test_repeated_crashes(void)
{
    /* restart_limit 2: two crashes in a row mark the model failed. */
    json_t *resp = NULL;
    T_EQ_INT(
        http_post_json(srv.port, "/api/models/load", json_pack("{s:s}", "model", "tiny"), &resp),
        200);
    json_decref(resp);
    kill(worker_pid(srv.port, "tiny"), SIGKILL);
    T_ASSERT(test_wait_model_status_int(srv.port, "tiny", "crashes", 1));
    /* The first crash restarts at once. */
    T_EQ_INT(
        http_post_json(srv.port, "/api/models/load", json_pack("{s:s}", "model", "tiny"), &resp),
        200);
    json_decref(resp);
    kill(worker_pid(srv.port, "tiny"), SIGKILL);
    T_ASSERT(test_wait_model_status_int(srv.port, "tiny", "crashes", 2));
    json_t *st = test_model_status(srv.port, "tiny");
    T_EQ_STR(json_string_value(json_object_get(st, "status")), "failed");
    T_CONTAINS(json_string_value(json_object_get(st, "reason")), "crashed 2 times in a row");
    json_decref(st);

    T_EQ_INT(http_post_json(
                 srv.port, "/v1/completions",
                 json_pack("{s:s, s:s, s:i}", "model", "tiny", "prompt", "x", "max_tokens", 2),
                 &resp),
             502);
    T_CONTAINS(json_string_value(json_object_get(json_object_get(resp, "error"), "message")),
               "POST /api/models/load");
    json_decref(resp);

    /* An explicit load is the way back. */
    T_EQ_INT(
        http_post_json(srv.port, "/api/models/load", json_pack("{s:s}", "model", "tiny"), &resp),
        200);
    T_EQ_STR(json_string_value(json_object_get(resp, "status")), "loaded");
    json_decref(resp);
    char *text = sequential_text(srv.port, "Hello", 4);
    T_ASSERT(text);
    free(text);
}

int main(void)
{
    if (test_env_init(&srv) != 0)
        return 1;
    const char *tiny[] = {"--preset", "tiny", "--never-stop", "--ctx", "8192", NULL};
    if (test_make_model(srv.models, "tiny", tiny) != 0 ||
        test_make_model(srv.models, "tiny-twin", tiny) != 0) {
        printf("Bail out! switchyard-make-model failed\n");
        return 1;
    }
    const char *args[] = {"--slots",         "4", "--queue-size", "1",    "--threads", "2",
                          "--restart-limit", "2", "--log-level",  "info", NULL};
    if (test_server_start(&srv, args) != 0) {
        printf("Bail out! the server did not start\n");
        return 1;
    }
    T_RUN(test_batched_equals_sequential);
    T_RUN(test_queue_full);
    T_RUN(test_shared_prefix_reuses_cache);
    T_RUN(test_busy_models_share_threads);
    T_RUN(test_slow_reader_cut_off);
    T_RUN(test_hang_up_while_decoding);
    T_RUN(test_hang_up_while_queued);
    T_RUN(test_worker_killed_mid_batch);
    T_RUN(test_repeated_crashes);
    T_EQ_INT(test_server_stop(&srv), 0);
    test_env_cleanup(&srv);
    return t_done();
}
