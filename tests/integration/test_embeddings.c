/* test_embeddings.c -- embeddings from a local model through every surface
 * that serves them (/v1/embeddings, /api/embed, /api/embeddings), against the
 * real server and worker: one unit vector per input, in order, the same
 * whichever way it is asked for; errors name the field; an embedding borrows
 * a slot without disturbing the generation cached in it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expect_error.h"
#include "http_client.h"
#include "t.h"
#include "test_server.h"
#include "util/base64.h"
#include "util/buf.h"

static struct test_server srv; /* one slot: every embedding borrows the generation's */

#define DIM_MAX 4096

/* Reads a JSON array of numbers into out. Returns how many, or -1. */
static int floats(const json_t *a, float *out, int max)
{
    if (!json_is_array(a) || (int)json_array_size(a) > max)
        return -1;
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *v = json_array_get(a, i);
        if (!json_is_number(v))
            return -1;
        out[i] = (float)json_number_value(v);
    }
    return (int)json_array_size(a);
}

static double norm(const float *v, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += (double)v[i] * v[i];
    return sqrt(s);
}

static json_t *openai_body(json_t *input)
{
    return json_pack("{s:s, s:o}", "model", "tiny", "input", input);
}

/* POSTs body to path and expects 200. Returns the response (owned) or NULL. */
static json_t *post_ok(const char *path, json_t *body)
{
    json_t *resp = NULL;
    int status = http_post_json(srv.port, path, body, &resp);
    if (status != 200) {
        char *text = json_dumps(resp, JSON_COMPACT);
        printf("#   %s -> %d %s\n", path, status, text ? text : "");
        free(text);
    }
    T_EQ_INT(status, 200);
    if (status == 200)
        return resp;
    json_decref(resp);
    return NULL;
}

static const json_t *openai_vector(const json_t *resp, size_t i)
{
    return json_object_get(json_array_get(json_object_get(resp, "data"), i), "embedding");
}

static int model_dim(void)
{
    json_t *m = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models/tiny", NULL, &m), 200);
    json_t *caps = json_object_get(m, "capabilities");
    int dim = (int)json_integer_value(json_object_get(caps, "embedding_length"));
    bool listed = false;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(caps, "tasks"), i, t) {
        listed = listed || strcmp(jstr(t), "feature-extraction") == 0;
    }
    T_ASSERT(listed);
    json_decref(m);
    return dim;
}

static void test_openai(void)
{
    int dim = model_dim();
    T_REQUIRE(dim > 0 && dim <= DIM_MAX);
    json_t *resp = post_ok("/v1/embeddings",
                           openai_body(json_pack("[s, s, s]", "the cat sat", "the cat sat",
                                                 "a different text")));
    T_REQUIRE(resp);
    T_EQ_STR(jstr(json_object_get(resp, "object")), "list");
    T_EQ_STR(jstr(json_object_get(resp, "model")), "tiny");
    json_t *data = json_object_get(resp, "data");
    T_EQ_INT(json_array_size(data), 3);
    static float v[3][DIM_MAX];
    for (size_t i = 0; i < 3; i++) {
        json_t *item = json_array_get(data, i);
        T_EQ_STR(jstr(json_object_get(item, "object")), "embedding");
        T_EQ_INT(json_integer_value(json_object_get(item, "index")), (json_int_t)i);
        T_EQ_INT(floats(json_object_get(item, "embedding"), v[i], DIM_MAX), dim);
        T_ASSERT(fabs(norm(v[i], dim) - 1.0) < 1e-5); /* unit vectors */
    }
    T_ASSERT(memcmp(v[0], v[1], (size_t)dim * sizeof(float)) == 0);
    T_ASSERT(memcmp(v[0], v[2], (size_t)dim * sizeof(float)) != 0);
    json_t *usage = json_object_get(resp, "usage");
    long tokens = (long)json_integer_value(json_object_get(usage, "prompt_tokens"));
    T_ASSERT(tokens >= 3);
    T_EQ_INT(json_integer_value(json_object_get(usage, "total_tokens")), tokens);
    json_decref(resp);

    /* One input alone gives what it gave in the batch. */
    resp = post_ok("/v1/embeddings", openai_body(json_string("a different text")));
    static float alone[DIM_MAX];
    T_EQ_INT(floats(openai_vector(resp, 0), alone, DIM_MAX), dim);
    T_ASSERT(memcmp(alone, v[2], (size_t)dim * sizeof(float)) == 0);
    json_decref(resp);

    /* base64: the same floats, as little-endian float32. */
    json_t *b = openai_body(json_string("the cat sat"));
    json_object_set_new(b, "encoding_format", json_string("base64"));
    resp = post_ok("/v1/embeddings", b);
    const json_t *s = openai_vector(resp, 0);
    struct sy_buf raw;
    buf_init(&raw, 1 << 20);
    T_ASSERT(json_is_string(s) &&
             base64_decode(json_string_value(s), json_string_length(s), &raw, NULL) == SY_OK);
    T_EQ_INT(raw.len, (size_t)dim * sizeof(float));
    T_ASSERT(raw.len == (size_t)dim * sizeof(float) && memcmp(raw.data, v[0], raw.len) == 0);
    buf_cleanup(&raw);
    json_decref(resp);

    /* dimensions: the first n floats, renormalised. */
    b = openai_body(json_string("the cat sat"));
    json_object_set_new(b, "dimensions", json_integer(8));
    resp = post_ok("/v1/embeddings", b);
    float cut[8];
    T_EQ_INT(floats(openai_vector(resp, 0), cut, 8), 8);
    double n8 = norm(v[0], 8);
    for (int i = 0; i < 8; i++)
        T_ASSERT(fabs(cut[i] - v[0][i] / n8) < 1e-6);
    json_decref(resp);
}

static void test_ollama(void)
{
    json_t *ref = post_ok("/v1/embeddings", openai_body(json_string("hello there")));
    T_REQUIRE(ref);
    const json_t *want = openai_vector(ref, 0);

    json_t *resp = post_ok("/api/embed", json_pack("{s:s, s:[s, s]}", "model", "tiny:latest",
                                                   "input", "hello there", "and more"));
    T_REQUIRE(resp);
    T_EQ_STR(jstr(json_object_get(resp, "model")), "tiny:latest");
    json_t *embeddings = json_object_get(resp, "embeddings");
    T_EQ_INT(json_array_size(embeddings), 2);
    T_ASSERT(json_equal(json_array_get(embeddings, 0), want));
    T_ASSERT(json_integer_value(json_object_get(resp, "prompt_eval_count")) >= 2);
    T_ASSERT(json_integer_value(json_object_get(resp, "total_duration")) > 0);
    json_decref(resp);

    /* /api/show says how long its vectors are. */
    resp = post_ok("/api/show", json_pack("{s:s}", "model", "tiny"));
    T_ASSERT(json_integer_value(json_object_get(json_object_get(resp, "model_info"),
                                                "llama.embedding_length")) ==
             (json_int_t)json_array_size(want));
    json_decref(resp);

    resp = post_ok("/api/embeddings",
                   json_pack("{s:s, s:s, s:{s:i}}", "model", "tiny", "prompt", "hello there",
                             "options", "num_ctx", 512));
    T_ASSERT(resp && json_equal(json_object_get(resp, "embedding"), want));
    json_decref(resp);
    json_decref(ref);
}

static void test_task_and_hf(void)
{
    json_t *ref = post_ok("/v1/embeddings",
                          openai_body(json_pack("[s, s]", "hello there", "and more")));
    T_REQUIRE(ref);
    const json_t *want0 = openai_vector(ref, 0), *want1 = openai_vector(ref, 1);

    /* The task API, with the run kept in the history. */
    json_t *resp = post_ok("/api/inference",
                           json_pack("{s:s, s:s, s:{s:[s, s]}}", "model_id", "tiny", "task",
                                     "feature-extraction", "inputs", "text", "hello there",
                                     "and more"));
    T_REQUIRE(resp);
    json_t *out = json_object_get(json_object_get(json_object_get(resp, "result"),
                                                  "task_output"),
                                  "embeddings");
    T_EQ_INT(json_array_size(out), 2);
    T_ASSERT(json_equal(json_array_get(out, 0), want0));
    T_ASSERT(json_equal(json_array_get(out, 1), want1));
    char path[128];
    snprintf(path, sizeof path, "/api/runs/%s", jstr(json_object_get(resp, "id")));
    /* The row is written once the exchange closes. */
    T_EQ_INT(test_run_status_eventually(&srv, jstr(json_object_get(resp, "id"))), 200);
    json_t *run = NULL;
    T_EQ_INT(http_json(srv.port, "GET", path, NULL, &run), 200);
    T_EQ_STR(jstr(json_object_get(run, "task")), "feature-extraction");
    T_CONTAINS(jstr(json_object_get(run, "input")), "hello there (and 1 more)");
    T_CONTAINS(jstr(json_object_get(run, "output")), "2 embeddings of");
    json_decref(run);
    json_decref(resp);
    resp = NULL;
    T_EQ_INT(http_post_json(srv.port, "/api/inference/stream",
                            json_pack("{s:s, s:s, s:{s:s}}", "model_id", "tiny", "task",
                                      "feature-extraction", "inputs", "text", "x"),
                            &resp),
             422);
    json_decref(resp);

    /* Hugging Face: where InferenceClient.feature_extraction posts. */
    resp = post_ok("/models/tiny/pipeline/feature-extraction",
                   json_pack("{s:s, s:b}", "inputs", "hello there", "truncate", 1));
    T_ASSERT(resp && json_array_size(resp) == 1 && json_equal(json_array_get(resp, 0), want0));
    json_decref(resp);
    resp = NULL;
    T_EQ_INT(http_post_json(srv.port, "/models/tiny/pipeline/feature-extraction",
                            json_pack("{s:s, s:b}", "inputs", "x", "normalize", 0), &resp),
             422);
    json_decref(resp);
    /* A generative model's own route still generates. */
    resp = post_ok("/models/tiny", json_pack("{s:s, s:{s:i}}", "inputs", "Hi", "parameters",
                                            "max_new_tokens", 2));
    T_ASSERT(resp && json_is_string(json_object_get(json_array_get(resp, 0), "generated_text")));
    json_decref(resp);
    json_decref(ref);
}

static void expect_error(const char *path, json_t *body, int status, const char *param,
                         const char *words)
{
    expect_post_error(srv.port, path, body, status, param, words);
}

static void test_errors(void)
{
    expect_error("/v1/embeddings", openai_body(json_pack("[i, i]", 101, 102)), 400, "input",
                 "token ids");
    expect_error("/v1/embeddings", openai_body(json_pack("[s, s]", "fine", "")), 400, "input[1]",
                 "empty");
    expect_error("/v1/embeddings", json_pack("{s:s}", "model", "tiny"), 400, "input",
                 "required");
    expect_error("/v1/embeddings",
                 json_pack("{s:s, s:s}", "model", "espeak-ng", "input", "hello"), 422, NULL,
                 "feature-extraction");
    json_t *b = openai_body(json_string("x"));
    json_object_set_new(b, "dimensions", json_integer(100000));
    expect_error("/v1/embeddings", b, 400, "dimensions", "65536");
    b = openai_body(json_string("x"));
    json_object_set_new(b, "dimensions", json_integer(4096));
    expect_error("/v1/embeddings", b, 422, "dimensions", "at most");
    /* The task API names it where the client put it. */
    expect_error("/api/inference",
                 json_pack("{s:s, s:s, s:{s:s, s:i}}", "model_id", "tiny", "task",
                           "feature-extraction", "inputs", "text", "x", "dimensions", 4096),
                 422, "inputs.dimensions", "at most");
    b = openai_body(json_string("x"));
    json_object_set_new(b, "encoding_format", json_string("int8"));
    expect_error("/v1/embeddings", b, 400, "encoding_format", "base64");
    b = openai_body(json_string("x"));
    json_object_set_new(b, "temperature", json_real(0.5));
    expect_error("/v1/embeddings", b, 400, "temperature", "unrecognized");
    expect_error("/api/embed",
                 json_pack("{s:s, s:s, s:{s:f}}", "model", "tiny", "input", "x", "options",
                           "temperature", 0.5),
                 422, NULL, "no meaning for embeddings");

    /* Longer than the model takes: OpenAI refuses, Ollama cuts unless told not to. */
    char *text = malloc(40001);
    T_REQUIRE(text);
    for (int i = 0; i < 40000; i++)
        text[i] = "abcd "[i % 5];
    text[40000] = '\0';
    expect_error("/v1/embeddings", openai_body(json_string(text)), 400, NULL, "at most");
    json_t *resp = post_ok("/api/embed", json_pack("{s:s, s:s}", "model", "tiny", "input", text));
    long cut = (long)json_integer_value(json_object_get(resp, "prompt_eval_count"));
    T_ASSERT(cut > 0 && cut < 40000);
    json_decref(resp);
    expect_error("/api/embed",
                 json_pack("{s:s, s:s, s:b}", "model", "tiny", "input", text, "truncate", 0), 400,
                 NULL, "at most");
    free(text);
}

static json_t *greedy(const char *prompt, int max_tokens)
{
    return json_pack("{s:s, s:s, s:i, s:i}", "model", "tiny", "prompt", prompt, "max_tokens",
                     max_tokens, "temperature", 0);
}

static void test_shares_the_slot(void)
{
    /* The only slot caches this prompt; an embedding borrows the slot; the
     * same greedy request then still gives the same text (the cache was
     * dropped, not reused as if it held the prompt). */
    json_t *first = post_ok("/v1/completions", greedy("Once upon a time", 16));
    T_REQUIRE(first);
    json_decref(post_ok("/v1/embeddings", openai_body(json_string("Once upon a midnight"))));
    json_t *again = post_ok("/v1/completions", greedy("Once upon a time", 16));
    T_REQUIRE(again);
    const json_t *c1 = json_array_get(json_object_get(first, "choices"), 0);
    const json_t *c2 = json_array_get(json_object_get(again, "choices"), 0);
    T_EQ_STR(jstr(json_object_get(c2, "text")), jstr(json_object_get(c1, "text")));
    T_EQ_INT(json_integer_value(json_object_get(
                 json_object_get(json_object_get(again, "usage"), "prompt_tokens_details"),
                 "cached_tokens")),
             0);
    json_decref(first);
    json_decref(again);

    /* An embedding asked for while the slot generates waits for it, and
     * neither disturbs the other. */
    struct http_conn conn;
    T_REQUIRE(http_conn_open(&conn, srv.port) == 0);
    json_t *gen = greedy("Once upon a time", 200);
    json_object_set_new(gen, "stream", json_true());
    char *body = json_dumps(gen, JSON_COMPACT);
    json_decref(gen);
    T_REQUIRE(http_conn_send(&conn, "POST", "/v1/completions",
                             "Content-Type: application/json\r\n", body, strlen(body)) == 0);
    free(body);
    json_t *during = post_ok("/v1/embeddings", openai_body(json_string("Once upon a midnight")));
    T_ASSERT(during != NULL);
    json_decref(during);
    struct http_response r;
    T_ASSERT(http_conn_read_head(&conn, &r) == 0 && r.status == 200);
    T_ASSERT(http_conn_read_body(&conn, &r) == 0);
    T_ASSERT(r.body.data && strstr(r.body.data, "[DONE]"));
    http_response_cleanup(&r);
    http_conn_close(&conn);
}

int main(void)
{
    const char *extra[] = {"--slots", "1", NULL};
    if (test_server_start_tiny(&srv, extra) != 0)
        return 1;
    T_RUN(test_openai);
    T_RUN(test_ollama);
    T_RUN(test_task_and_hf);
    T_RUN(test_errors);
    T_RUN(test_shares_the_slot);
    T_EQ_INT(test_server_stop(&srv), 0);
    test_env_cleanup(&srv);
    return t_done();
}
