/* test_lifecycle.c -- models in and out of memory: load / unload / status,
 * the memory budget (eviction, refusal with numbers), keep_alive expiry,
 * wait_for_model both ways, and /metrics reporting what happened. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http_client.h"
#include "model_status.h"
#include "t.h"
#include "test_server.h"

static struct test_server srv;

static int complete(int port, const char *model, json_t *extra)
{
    json_t *body = json_pack("{s:s, s:s, s:i, s:i}", "model", model, "prompt", "Hello",
                             "max_tokens", 4, "temperature", 0);
    if (extra) {
        json_object_update(body, extra);
        json_decref(extra);
    }
    json_t *resp = NULL;
    int status = http_post_json(port, "/v1/completions", body, &resp);
    json_decref(resp);
    return status;
}

/* The value of a metric line that starts with prefix (name and labels), or -1. */
static double metric(int port, const char *prefix)
{
    struct http_response r;
    if (http_request(port, "GET", "/metrics", NULL, NULL, &r) != 0)
        return -1;
    double v = -1;
    size_t n = strlen(prefix);
    for (const char *line = r.body.data; line && *line;) {
        const char *end = strchr(line, '\n');
        if (strncmp(line, prefix, n) == 0 && line[n] == ' ')
            v = strtod(line + n + 1, NULL);
        line = end ? end + 1 : NULL;
    }
    http_response_cleanup(&r);
    return v;
}

static void test_load_status_unload(void)
{
    json_t *st = test_model_status(srv.port, "tiny");
    T_REQUIRE(st);
    T_EQ_STR(json_string_value(json_object_get(st, "status")), "unloaded");
    T_ASSERT(json_integer_value(json_object_get(st, "memory_estimate_bytes")) > 0);
    T_ASSERT(json_is_null(json_object_get(st, "pid")));
    json_decref(st);

    /* The estimate is in the model's metadata too, part by part. */
    json_t *info = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models/tiny", NULL, &info), 200);
    json_t *mem = json_object_get(info, "memory");
    T_ASSERT(json_integer_value(json_object_get(mem, "estimate_bytes")) ==
             json_integer_value(json_object_get(mem, "weights_bytes")) +
                 json_integer_value(json_object_get(mem, "kv_cache_bytes")) +
                 json_integer_value(json_object_get(mem, "compute_bytes")));
    T_EQ_INT(json_integer_value(json_object_get(mem, "slots")), 2);
    json_decref(info);

    json_t *resp = NULL;
    T_EQ_INT(
        http_post_json(srv.port, "/api/models/load", json_pack("{s:s}", "model", "tiny"), &resp),
        200);
    T_EQ_STR(json_string_value(json_object_get(resp, "status")), "loaded");
    T_ASSERT(json_integer_value(json_object_get(resp, "pid")) > 0);
    T_EQ_INT(json_integer_value(json_object_get(resp, "slots")), 2);
    T_ASSERT(json_integer_value(json_object_get(resp, "memory_rss_bytes")) > 0);
    T_ASSERT(json_is_integer(json_object_get(resp, "expires_at")));
    pid_t pid = (pid_t)json_integer_value(json_object_get(resp, "pid"));
    json_decref(resp);
    T_EQ_STR(test_model_state(srv.port, "tiny"), "loaded");
    T_EQ_INT(metric(srv.port, "switchyard_model_state{model=\"tiny\",state=\"loaded\"}"), 1);

    /* Loading a loaded model answers at once with the same worker. */
    T_EQ_INT(
        http_post_json(srv.port, "/api/models/load", json_pack("{s:s}", "model", "tiny"), &resp),
        200);
    T_EQ_INT(json_integer_value(json_object_get(resp, "pid")), pid);
    json_decref(resp);

    T_EQ_INT(
        http_post_json(srv.port, "/api/models/unload", json_pack("{s:s}", "model", "tiny"), &resp),
        200);
    T_EQ_STR(json_string_value(json_object_get(resp, "status")), "unloaded");
    T_ASSERT(json_is_null(json_object_get(resp, "pid")));
    json_decref(resp);
    T_ASSERT(kill(pid, 0) != 0); /* the worker is gone, not just forgotten */

    /* Bad requests name the field. */
    T_EQ_INT(
        http_post_json(srv.port, "/api/models/load", json_pack("{s:s}", "model", "nope"), &resp),
        404);
    json_decref(resp);
    T_EQ_INT(http_post_json(srv.port, "/api/models/load",
                            json_pack("{s:s, s:s}", "model", "tiny", "keep_alive", "soon"), &resp),
             400);
    T_EQ_STR(json_string_value(json_object_get(json_object_get(resp, "error"), "param")),
             "keep_alive");
    json_decref(resp);
    T_EQ_INT(http_post_json(srv.port, "/api/models/load",
                            json_pack("{s:s, s:i}", "model", "tiny", "slots", 3), &resp),
             400);
    json_decref(resp);
}

static void test_keep_alive(void)
{
    /* keep_alive 0: unloaded as soon as the request is done. */
    T_EQ_INT(complete(srv.port, "tiny", json_pack("{s:i}", "keep_alive", 0)), 200);
    T_ASSERT(test_wait_model_state(srv.port, "tiny", "unloaded"));

    /* A duration string: loaded with an expiry, then unloaded when it passes. */
    T_EQ_INT(complete(srv.port, "tiny", json_pack("{s:s}", "keep_alive", "1s")), 200);
    json_t *st = test_model_status(srv.port, "tiny");
    T_EQ_STR(json_string_value(json_object_get(st, "status")), "loaded");
    T_EQ_INT(json_integer_value(json_object_get(st, "keep_alive_ms")), 1000);
    json_decref(st);
    T_ASSERT(test_wait_model_state(srv.port, "tiny", "unloaded"));
    T_ASSERT(metric(srv.port, "switchyard_model_expirations_total") >= 2);

    /* Negative: stays loaded, with no expiry. */
    T_EQ_INT(complete(srv.port, "tiny", json_pack("{s:i}", "keep_alive", -1)), 200);
    st = test_model_status(srv.port, "tiny");
    T_EQ_STR(json_string_value(json_object_get(st, "status")), "loaded");
    T_ASSERT(json_is_null(json_object_get(st, "expires_at")));
    json_decref(st);
}

static void test_wait_for_model(void)
{
    json_t *resp = NULL;
    T_EQ_INT(
        http_post_json(srv.port, "/api/models/unload", json_pack("{s:s}", "model", "tiny"), &resp),
        200);
    json_decref(resp);

    /* Hugging Face semantics: without wait_for_model, 503 with estimated_time
     * while the model loads; the load has started. */
    struct http_response r;
    const char *body = "{\"inputs\": \"Hello\", \"parameters\": {\"max_new_tokens\": 3}}";
    T_REQUIRE(http_request(srv.port, "POST", "/models/tiny", "Content-Type: application/json\r\n",
                           body, &r) == 0);
    T_EQ_INT(r.status, 503);
    char value[64];
    T_ASSERT(http_response_header(&r, "Retry-After", value, sizeof value) != NULL);
    json_t *err = json_loadb(r.body.data, r.body.len, 0, NULL);
    T_ASSERT(json_number_value(json_object_get(err, "estimated_time")) > 0);
    T_EQ_STR(json_string_value(json_object_get(json_object_get(err, "error"), "code")),
             "model_loading");
    json_decref(err);
    http_response_cleanup(&r);
    T_ASSERT(test_wait_model_state(srv.port, "tiny", "loaded"));
    T_EQ_INT(http_post_json(
                 srv.port, "/models/tiny",
                 json_pack("{s:s, s:{s:i}}", "inputs", "Hello", "parameters", "max_new_tokens", 3),
                 &resp),
             200);
    json_decref(resp);

    /* With wait_for_model true, the request waits for the load instead. */
    T_EQ_INT(
        http_post_json(srv.port, "/api/models/unload", json_pack("{s:s}", "model", "tiny"), &resp),
        200);
    json_decref(resp);
    T_EQ_INT(http_post_json(srv.port, "/models/tiny",
                            json_pack("{s:s, s:{s:i}, s:{s:b}}", "inputs", "Hello", "parameters",
                                      "max_new_tokens", 3, "options", "wait_for_model", 1),
                            &resp),
             200);
    T_ASSERT(json_is_string(json_object_get(json_array_get(resp, 0), "generated_text")));
    json_decref(resp);
}

static void test_budget(void)
{
    /* The estimate of one tiny model, from the main server (same sizing). */
    json_t *st = test_model_status(srv.port, "tiny");
    T_REQUIRE(st);
    json_int_t one = json_integer_value(json_object_get(st, "memory_estimate_bytes"));
    json_decref(st);
    T_REQUIRE(one > 0);

    struct test_server b;
    T_REQUIRE(test_env_init(&b) == 0);
    const char *tiny[] = {"--preset", "tiny", NULL};
    T_REQUIRE(test_make_model(b.models, "first", tiny) == 0);
    T_REQUIRE(test_make_model(b.models, "second", tiny) == 0);
    /* Same shape, four times the layers: can never fit a budget of 1.5 tiny models. */
    const char *big[] = {"--preset", "tiny", "--n-layer", "64", NULL};
    T_REQUIRE(test_make_model(b.models, "big", big) == 0);
    char budget[32];
    snprintf(budget, sizeof budget, "%lld", (long long)(one + one / 2));
    const char *args[] = {"--slots", "2", "--memory-budget", budget, "--log-level", "info", NULL};
    T_REQUIRE(test_server_start(&b, args) == 0);

    T_EQ_INT(complete(b.port, "first", NULL), 200);
    T_EQ_STR(test_model_state(b.port, "first"), "loaded");
    /* The second model does not fit beside the first: the idle first goes. */
    T_EQ_INT(complete(b.port, "second", NULL), 200);
    T_EQ_STR(test_model_state(b.port, "second"), "loaded");
    T_EQ_STR(test_model_state(b.port, "first"), "unloaded");
    T_EQ_INT(metric(b.port, "switchyard_model_evictions_total"), 1);
    T_ASSERT(test_server_log_contains(&b, "evicting second") ||
             test_server_log_contains(&b, "evicting first"));
    /* And back: least recently used goes first. */
    T_EQ_INT(complete(b.port, "first", NULL), 200);
    T_EQ_STR(test_model_state(b.port, "second"), "unloaded");

    /* A model that can never fit is refused before any load, with the numbers. */
    json_t *resp = NULL;
    T_EQ_INT(
        http_post_json(b.port, "/v1/completions",
                       json_pack("{s:s, s:s, s:i}", "model", "big", "prompt", "x", "max_tokens", 2),
                       &resp),
        507);
    json_t *err = json_object_get(resp, "error");
    T_EQ_STR(json_string_value(json_object_get(err, "code")), "insufficient_memory");
    T_CONTAINS(json_string_value(json_object_get(err, "message")), "memory budget is");
    T_CONTAINS(json_string_value(json_object_get(err, "message")), "KV cache");
    json_decref(resp);
    T_EQ_STR(test_model_state(b.port, "first"), "loaded"); /* nothing was evicted for it */
    T_EQ_INT(metric(b.port, "switchyard_model_evictions_total"), 2);

    T_EQ_INT(test_server_stop(&b), 0);
    test_env_cleanup(&b);
}

static void test_metrics(void)
{
    T_EQ_INT(complete(srv.port, "tiny", NULL), 200);
    struct http_response r;
    T_REQUIRE(http_request(srv.port, "GET", "/metrics", NULL, NULL, &r) == 0);
    T_EQ_INT(r.status, 200);
    char type[128];
    T_ASSERT(http_response_header(&r, "Content-Type", type, sizeof type));
    T_CONTAINS(type, "text/plain; version=0.0.4");
    const char *text = r.body.data;
    T_CONTAINS(text, "# TYPE switchyard_http_requests_total counter");
    T_CONTAINS(
        text,
        "switchyard_http_requests_total{method=\"POST\",route=\"/v1/completions\",status=\"200\"}");
    T_CONTAINS(text, "# TYPE switchyard_time_to_first_token_seconds histogram");
    T_CONTAINS(text, "switchyard_time_to_first_token_seconds_bucket{model=\"tiny\",le=\"+Inf\"}");
    T_CONTAINS(text, "switchyard_inter_token_latency_seconds_count{model=\"tiny\"}");
    T_CONTAINS(text, "switchyard_generations_total{model=\"tiny\",outcome=\"length\"}");
    T_CONTAINS(text, "switchyard_memory_budget_bytes ");
    T_CONTAINS(text, "switchyard_model_queue_depth{model=\"tiny\"} 0");
    T_CONTAINS(text, "switchyard_model_active_slots{model=\"tiny\"} 0");
    http_response_cleanup(&r);
    T_ASSERT(metric(srv.port, "switchyard_completion_tokens_total{model=\"tiny\"}") >= 4);
    T_ASSERT(metric(srv.port, "switchyard_prompt_tokens_total{model=\"tiny\"}") >= 1);
    /* The access log names the model and its numbers, never the prompt. */
    T_ASSERT(test_server_log_contains(&srv, "model=tiny prompt="));
    T_ASSERT(!test_server_log_contains(&srv, "Hello"));
}

static void test_clean_stop(void)
{
    T_EQ_INT(test_server_stop(&srv), 0);
    T_EQ_INT(test_find_process(srv.models), 0);
}

int main(void)
{
    if (test_env_init(&srv) != 0)
        return 1;
    const char *tiny[] = {"--preset", "tiny", NULL};
    if (test_make_model(srv.models, "tiny", tiny) != 0) {
        printf("Bail out! switchyard-make-model failed\n");
        return 1;
    }
    const char *args[] = {"--slots", "2", "--log-level", "info", NULL};
    if (test_server_start(&srv, args) != 0) {
        printf("Bail out! the server did not start\n");
        return 1;
    }
    T_RUN(test_load_status_unload);
    T_RUN(test_keep_alive);
    T_RUN(test_wait_for_model);
    T_RUN(test_budget);
    T_RUN(test_metrics);
    T_RUN(test_clean_stop);
    test_env_cleanup(&srv);
    return t_done();
}
