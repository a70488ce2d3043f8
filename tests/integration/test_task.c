/* test_task.c -- the task API (/api/inference, /api/inference/stream,
 * /api/models) and the Hugging Face surface (POST /models/{id}), against the
 * real server and worker. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_client.h"
#include "t.h"
#include "test_server.h"

static struct test_server srv;

static json_t *task_body(const char *text, int max_new_tokens)
{
    return json_pack("{s:s, s:{s:s}, s:{s:i, s:b}}", "model_id", "tiny", "inputs", "text", text,
                     "settings", "max_new_tokens", max_new_tokens, "do_sample", 0);
}

static void expect_status(json_t *body, const char *path, int status, const char *param)
{
    json_t *resp = NULL;
    char *text = json_dumps(body, JSON_COMPACT);
    int got = http_post_json(srv.port, path, body, &resp);
    if (got != status)
        printf("#   %s -> %d (want %d)\n", text, got, status);
    T_EQ_INT(got, status);
    json_t *err = json_object_get(resp, "error");
    T_ASSERT(json_is_string(json_object_get(err, "message")));
    if (param)
        T_EQ_STR(json_string_value(json_object_get(err, "param")), param);
    json_decref(resp);
    free(text);
}

static void test_inference(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(srv.port, "/api/inference", task_body("Hello", 12), &resp), 200);
    json_t *result = json_object_get(resp, "result");
    T_ASSERT(json_is_string(json_object_get(json_object_get(result, "task_output"), "text")));
    T_ASSERT(!json_object_get(result, "error"));
    T_EQ_STR(json_string_value(json_object_get(resp, "resolved_model_id")), "tiny");
    T_EQ_STR(json_string_value(json_object_get(resp, "backend")), "llama.cpp");
    T_ASSERT(json_number_value(json_object_get(resp, "runtime_ms_model")) > 0);
    json_t *usage = json_object_get(result, "usage");
    T_ASSERT(json_integer_value(json_object_get(usage, "completion_tokens")) >= 1);
    json_decref(resp);

    /* Chat messages go through the model's template. */
    json_t *chat = json_pack("{s:s, s:{s:[{s:s, s:s}]}, s:{s:i}}", "model_id", "tiny", "inputs",
                             "messages", "role", "user", "content", "Hi", "settings",
                             "max_new_tokens", 8);
    T_EQ_INT(http_post_json(srv.port, "/api/inference", chat, &resp), 200);
    json_decref(resp);
}

static void test_stream_matches(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(srv.port, "/api/inference", task_body("Stream me", 20), &resp), 200);
    char *text = jstr_dup(
        json_object_get(json_object_get(json_object_get(resp, "result"), "task_output"), "text"));
    T_REQUIRE(text);

    json_t *events = NULL;
    bool complete;
    T_EQ_INT(http_stream_collect(srv.port, "/api/inference/stream", task_body("Stream me", 20),
                                 &events, &complete),
             200);
    T_ASSERT(complete);
    struct sy_buf streamed;
    buf_init(&streamed, 1 << 20);
    buf_append(&streamed, "", 0, NULL);
    size_t i;
    json_t *ev;
    const char *last = NULL;
    json_array_foreach(events, i, ev) {
        const char *name = json_string_value(json_object_get(ev, "event"));
        json_t *data = json_object_get(ev, "json");
        T_REQUIRE(json_is_object(data));
        /* Self-describing and versioned. */
        T_EQ_INT(json_integer_value(json_object_get(data, "v")), 1);
        T_EQ_STR(json_string_value(json_object_get(data, "type")), name);
        if (i == 0)
            T_EQ_STR(name, "start");
        if (strcmp(name, "token") == 0)
            buf_append_str(&streamed, jstr(json_object_get(data, "text")), NULL);
        if (strcmp(name, "done") == 0) {
            T_ASSERT(json_is_object(json_object_get(data, "usage")));
            json_t *timings = json_object_get(data, "timings");
            T_ASSERT(json_number_value(json_object_get(timings, "total_ms")) > 0);
            T_ASSERT(json_is_number(json_object_get(timings, "ttft_ms")));
            T_ASSERT(json_is_number(json_object_get(timings, "tokens_per_second")));
        }
        last = name;
    }
    T_EQ_STR(last, "done");
    T_EQ_STR(streamed.data, text);
    free(text);
    buf_cleanup(&streamed);
    json_decref(events);
    json_decref(resp);
}

static void test_task_validation(void)
{
    expect_status(json_pack("{s:s}", "model_id", "tiny"), "/api/inference", 400, "inputs");
    /* The local engines take no provider options: refused, never dropped. */
    expect_status(json_pack("{s:s, s:{s:s}, s:{s:i}}", "model_id", "tiny", "inputs", "text", "a",
                            "provider_overrides", "num_ctx", 8),
                  "/api/inference", 422, "provider_overrides.num_ctx");
    expect_status(json_pack("{s:s, s:{s:s, s:[]}}", "model_id", "tiny", "inputs", "text", "a",
                            "messages"),
                  "/api/inference", 400, "inputs");
    expect_status(json_pack("{s:s, s:s, s:{s:s}}", "model_id", "tiny", "task", "dance", "inputs",
                            "text", "a"),
                  "/api/inference", 400, "task");
    expect_status(json_pack("{s:s, s:s, s:{s:s}}", "model_id", "tiny", "task", "text-to-image",
                            "inputs", "text", "a"),
                  "/api/inference", 422, "task");
    /* Diffusion settings mean nothing to a text model: 422, before any work. */
    expect_status(json_pack("{s:s, s:{s:s}, s:{s:f}}", "model_id", "tiny", "inputs", "text", "a",
                            "settings", "guidance_scale", 7.5),
                  "/api/inference", 422, "settings.guidance_scale");
    expect_status(json_pack("{s:s, s:{s:s}, s:{s:f}}", "model_id", "tiny", "inputs", "text", "a",
                            "settings", "temperature", 9.0),
                  "/api/inference", 400, "settings.temperature");
    expect_status(json_pack("{s:s, s:{s:s}, s:{s:i}}", "model_id", "tiny", "inputs", "text", "a",
                            "settings", "max_tokens", 3),
                  "/api/inference", 400, "settings.max_tokens");
    /* Video and music: checked like any request, then refused by name, since
     * nothing here (local or remote) makes them; never an empty success. */
    static const char *const media[] = {"text-to-video", "text-to-audio"};
    for (size_t i = 0; i < 2; i++) {
        json_t *resp = NULL;
        T_EQ_INT(http_post_json(srv.port, "/api/inference",
                                json_pack("{s:s, s:s, s:{s:s, s:f, s:s}}", "model_id", "tiny",
                                          "task", media[i], "inputs", "text", "waves at dusk",
                                          "duration", 8.0, "quality", "draft"),
                                &resp),
                 422);
        json_t *err = json_object_get(resp, "error");
        T_EQ_STR(json_string_value(json_object_get(err, "param")), "task");
        T_CONTAINS(json_string_value(json_object_get(err, "message")), media[i]);
        T_CONTAINS(json_string_value(json_object_get(err, "message")), "text-generation");
        json_decref(resp);
        expect_status(json_pack("{s:s, s:s, s:{s:s, s:f}}", "model_id", "tiny", "task", media[i],
                                "inputs", "text", "waves", "duration", -1.0),
                      "/api/inference", 400, "inputs.duration");
        expect_status(json_pack("{s:s, s:s, s:{s:s}}", "model_id", "tiny", "task", media[i],
                                "inputs", "fps", "24"),
                      "/api/inference", 400, "inputs.fps");
    }
    expect_status(json_pack("{s:s, s:{s:s}}", "model_id", "missing", "inputs", "text", "a"),
                  "/api/inference", 404, "model");
    /* A stream that fails before it starts is a plain HTTP error, not SSE. */
    json_t *events = NULL;
    bool complete;
    T_EQ_INT(http_stream_collect(srv.port, "/api/inference/stream",
                                 json_pack("{s:s, s:{s:s}, s:{s:f}}", "model_id", "tiny", "inputs",
                                           "text", "a", "settings", "top_p", 0.0),
                                 &events, &complete),
             400);
    T_EQ_STR(json_string_value(json_object_get(json_object_get(events, "error"), "param")),
             "settings.top_p");
    json_decref(events);
}

static void test_api_models(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/api/models", NULL, &resp), 200);
    /* tiny, and the built-in espeak-ng and pocketsphinx-en-us */
    T_EQ_INT(json_array_size(json_object_get(resp, "models")), 3);
    json_decref(resp);
    T_EQ_INT(http_json(srv.port, "GET", "/api/models/tiny", NULL, &resp), 200);
    T_EQ_STR(json_string_value(json_object_get(resp, "quantization")), "Q8_0");
    T_ASSERT(json_integer_value(json_object_get(resp, "size_bytes")) > 0);
    /* No slots configured: the tiny model fits the default budget with four. */
    T_EQ_INT(json_integer_value(json_object_get(json_object_get(resp, "memory"), "slots")), 4);
    json_decref(resp);
    json_t *status = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/api/models/status", NULL, &status), 200);
    json_t *model = json_array_get(json_object_get(status, "models"), 0);
    T_EQ_STR(json_string_value(json_object_get(model, "id")), "tiny");
    T_EQ_INT(json_integer_value(json_object_get(model, "slots")), 4); /* loaded by the tests before */
    json_decref(status);
    T_EQ_INT(http_json(srv.port, "GET", "/api/models/zzz", NULL, &resp), 404);
    json_decref(resp);
}

static void test_hf(void)
{
    json_t *resp = NULL;
    json_t *body = json_pack("{s:s, s:{s:i}}", "inputs", "Hello", "parameters", "max_new_tokens", 12);
    T_EQ_INT(http_post_json(srv.port, "/models/tiny", json_deep_copy(body), &resp), 200);
    T_REQUIRE(json_is_array(resp) && json_array_size(resp) == 1);
    const char *full = jstr(json_object_get(json_array_get(resp, 0), "generated_text"));
    T_REQUIRE(full);
    /* return_full_text defaults to true, as on the Hub. */
    T_ASSERT(strncmp(full, "Hello", 5) == 0);

    /* Without the prompt, and greedy: the same text the task API produces. */
    json_object_set_new(json_object_get(body, "parameters"), "return_full_text", json_false());
    json_t *bare = NULL;
    T_EQ_INT(http_post_json(srv.port, "/models/tiny", json_deep_copy(body), &bare), 200);
    const char *gen = jstr(json_object_get(json_array_get(bare, 0), "generated_text"));
    T_EQ_STR(gen, full + 5);
    json_t *task = NULL;
    T_EQ_INT(http_post_json(srv.port, "/api/inference", task_body("Hello", 12), &task), 200);
    T_EQ_STR(jstr(json_object_get(json_object_get(json_object_get(task, "result"), "task_output"),
                                  "text")),
             gen);

    /* Sampling with a seed is repeatable. */
    json_t *sampled = json_pack("{s:s, s:{s:i, s:b, s:i, s:b}, s:{s:b, s:b}}", "inputs", "Hello",
                                "parameters", "max_new_tokens", 12, "do_sample", 1, "seed", 5,
                                "return_full_text", 0, "options", "wait_for_model", 1,
                                "use_cache", 0);
    json_t *s1 = NULL, *s2 = NULL;
    T_EQ_INT(http_post_json(srv.port, "/models/tiny", json_deep_copy(sampled), &s1), 200);
    T_EQ_INT(http_post_json(srv.port, "/models/tiny", sampled, &s2), 200);
    T_EQ_STR(jstr(json_object_get(json_array_get(s1, 0), "generated_text")),
             jstr(json_object_get(json_array_get(s2, 0), "generated_text")));

    expect_status(json_pack("{s:s, s:{s:f}}", "inputs", "a", "parameters", "guidance_scale", 3.0),
                  "/models/tiny", 422, "parameters.guidance_scale");
    expect_status(json_pack("{s:s, s:{s:i}}", "inputs", "a", "parameters", "max_new_tokens", 0),
                  "/models/tiny", 400, "parameters.max_new_tokens");
    expect_status(json_pack("{s:s, s:{s:i}}", "inputs", "a", "parameters", "foo", 1),
                  "/models/tiny", 400, "parameters.foo");
    expect_status(json_pack("{s:i}", "inputs", 3), "/models/tiny", 400, "inputs");
    expect_status(json_pack("{s:s, s:b}", "inputs", "a", "stream", 1), "/models/tiny", 422,
                  "stream");
    expect_status(json_pack("{s:s}", "inputs", "a"), "/models/nobody/nothing", 404, "model");
    json_decref(resp);
    json_decref(bare);
    json_decref(task);
    json_decref(s1);
    json_decref(s2);
    json_decref(body);
}

static const json_t *intent(const json_t *list, const char *id)
{
    size_t i;
    const json_t *it;
    json_array_foreach(list, i, it) {
        if (strcmp(jstr(json_object_get(it, "id")), id) == 0)
            return it;
    }
    return NULL;
}

static bool lists(const json_t *it, const char *key, const char *value)
{
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(it, key), i, v) {
        if (strcmp(jstr(v), value) == 0)
            return true;
    }
    return false;
}

static void test_intents(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/api/intents", NULL, &resp), 200);
    const json_t *list = json_object_get(resp, "intents");
    const json_t *chat = intent(list, "chat"), *speak = intent(list, "speak"),
                 *transcribe = intent(list, "transcribe"), *draw = intent(list, "draw");
    T_REQUIRE(chat && speak && transcribe && draw);
    T_ASSERT(lists(chat, "tasks", "text-generation"));
    T_ASSERT(lists(chat, "models", "tiny"));
    T_ASSERT(!lists(chat, "models", "espeak-ng"));
    T_ASSERT(lists(speak, "models", "espeak-ng"));
    T_ASSERT(lists(transcribe, "models", "pocketsphinx-en-us"));
    T_ASSERT(lists(draw, "tasks", "text-to-image"));
    T_EQ_INT(json_array_size(json_object_get(draw, "models")), 0); /* nothing here draws yet */
    /* Video and music are goals a person has; nothing serves them yet. */
    const json_t *video = intent(list, "video"), *music = intent(list, "music");
    T_REQUIRE(video && music);
    T_ASSERT(lists(video, "tasks", "text-to-video"));
    T_ASSERT(lists(music, "tasks", "text-to-audio"));
    T_EQ_INT(json_array_size(json_object_get(video, "models")), 0);
    T_ASSERT(json_is_string(json_object_get(chat, "label")));
    T_ASSERT(json_is_string(json_object_get(chat, "description")));
    json_decref(resp);
}

/* The run is written when its exchange closes, which may be a moment after
 * the client has read the answer: wait for it (bounded), then fetch it. */
static json_t *run_fetch(const char *id)
{
    char path[160];
    snprintf(path, sizeof path, "/api/runs/%s", id);
    for (int i = 0; i < 200; i++) {
        json_t *run = NULL;
        int status = http_json(srv.port, "GET", path, NULL, &run);
        if (status == 200)
            return run;
        json_decref(run);
        usleep(25 * 1000);
    }
    return NULL;
}

/* A refused run is kept with its error, and with how long the refusal took
 * (not a time computed from a clock that never stopped). */
static void test_refused_run(void)
{
    json_t *resp = NULL;
    json_t *body = task_body("Refuse me", 6);
    json_object_set_new(json_object_get(body, "settings"), "width", json_integer(64));
    T_EQ_INT(http_post_json(srv.port, "/api/inference", body, &resp), 422);
    json_decref(resp);
    json_t *newest = NULL;
    for (int i = 0; i < 200 && !newest; i++) {
        json_t *list = NULL;
        T_EQ_INT(http_json(srv.port, "GET", "/api/runs?limit=1", NULL, &list), 200);
        json_t *run = json_array_get(json_object_get(list, "runs"), 0);
        if (run && strcmp(jstr(json_object_get(run, "input")), "Refuse me") == 0)
            newest = json_incref(run);
        json_decref(list);
        if (!newest)
            usleep(25 * 1000);
    }
    T_REQUIRE(newest);
    T_EQ_STR(jstr(json_object_get(newest, "finish")), "not_supported");
    T_CONTAINS(jstr(json_object_get(newest, "error")), "width");
    T_ASSERT(json_is_number(json_object_get(newest, "duration_ms")));
    T_ASSERT(json_number_value(json_object_get(newest, "duration_ms")) >= 0);
    json_decref(newest);
}

static void test_runs(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(srv.port, "/api/inference", task_body("Remember me", 6), &resp), 200);
    const char *id = jstr(json_object_get(resp, "id"));
    T_REQUIRE(id && id[0]);
    json_t *run = run_fetch(id);
    T_REQUIRE(run);
    T_EQ_STR(jstr(json_object_get(run, "task")), "text-generation");
    T_EQ_STR(jstr(json_object_get(run, "model")), "tiny");
    T_EQ_STR(jstr(json_object_get(run, "input")), "Remember me");
    T_EQ_STR(jstr(json_object_get(run, "output")),
             jstr(json_object_get(json_object_get(json_object_get(resp, "result"), "task_output"),
                                  "text")));
    T_EQ_INT(json_integer_value(json_object_get(json_object_get(run, "settings"), "max_new_tokens")),
             6);
    T_ASSERT(json_is_null(json_object_get(run, "error")) || !json_object_get(run, "error"));
    T_ASSERT(json_number_value(json_object_get(run, "duration_ms")) > 0);
    json_decref(run);

    /* A streamed run the client walks away from is kept as cancelled. */
    struct http_conn conn;
    struct http_response head;
    T_REQUIRE(http_conn_open(&conn, srv.port) == 0);
    json_t *walk = task_body("Walk away", 200);
    char *body = json_dumps(walk, JSON_COMPACT);
    json_decref(walk);
    T_REQUIRE(http_conn_send(&conn, "POST", "/api/inference/stream",
                             "Content-Type: application/json\r\n", body, strlen(body)) == 0);
    free(body);
    T_REQUIRE(http_conn_read_head(&conn, &head) == 0);
    T_EQ_INT(head.status, 200);
    struct sy_buf pending, data;
    buf_init(&pending, 1 << 20);
    buf_init(&data, 1 << 20);
    char event[32];
    T_EQ_INT(http_sse_next(&conn, &head, &pending, event, sizeof event, &data), 1);
    T_EQ_STR(event, "start");
    json_t *start = json_loadb(data.data, data.len, 0, NULL);
    char *cancelled_id = jstr_dup(json_object_get(start, "id"));
    json_decref(start);
    http_conn_close(&conn);
    http_response_cleanup(&head);
    buf_cleanup(&pending);
    buf_cleanup(&data);
    T_REQUIRE(cancelled_id);
    run = run_fetch(cancelled_id);
    T_REQUIRE(run);
    T_EQ_STR(jstr(json_object_get(run, "finish")), "cancelled");
    T_EQ_STR(jstr(json_object_get(run, "input")), "Walk away");
    json_decref(run);
    free(cancelled_id);

    /* The list is newest first, without outputs. */
    json_t *list = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/api/runs?limit=5", NULL, &list), 200);
    json_t *runs = json_object_get(list, "runs");
    T_ASSERT(json_array_size(runs) >= 2 && json_array_size(runs) <= 5);
    T_EQ_STR(jstr(json_object_get(json_array_get(runs, 1), "id")), id);
    T_ASSERT(!json_object_get(json_array_get(runs, 0), "output"));
    json_decref(list);
    T_EQ_INT(http_json(srv.port, "GET", "/api/runs?limit=0", NULL, &list), 400);
    json_decref(list);
    T_EQ_INT(http_json(srv.port, "GET", "/api/runs?limit=5x", NULL, &list), 400);
    json_decref(list);

    char path[160];
    snprintf(path, sizeof path, "/api/runs/%s", id);
    T_EQ_INT(http_json(srv.port, "DELETE", path, NULL, &list), 200);
    json_decref(list);
    T_EQ_INT(http_json(srv.port, "GET", path, NULL, &list), 404);
    json_decref(list);
    T_EQ_INT(http_json(srv.port, "DELETE", path, NULL, &list), 404);
    json_decref(list);
    json_decref(resp);
}

int main(void)
{
    if (test_server_start_tiny(&srv, NULL) != 0)
        return 1;
    T_RUN(test_inference);
    T_RUN(test_stream_matches);
    T_RUN(test_task_validation);
    T_RUN(test_api_models);
    T_RUN(test_hf);
    T_RUN(test_runs);
    T_RUN(test_refused_run);
    T_RUN(test_intents);
    T_EQ_INT(test_server_stop(&srv), 0);
    test_env_cleanup(&srv);
    return t_done();
}
