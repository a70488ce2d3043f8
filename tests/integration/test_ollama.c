/* test_ollama.c -- the Ollama API surface against the real server, a
 * generated model and the test Hub: the shapes Ollama clients read, NDJSON
 * streams that match the one-shot answers, options, loading and unloading
 * with empty prompts, pulls and deletes, and errors as {"error": "..."}. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_client.h"
#include "hub_server.h"
#include "t.h"
#include "test_server.h"

static struct test_server srv;
static struct hub_server *hub;

/* POSTs body (owned) the way Ollama's documented curl examples do: no JSON
 * Content-Type. Returns the status; *r holds the whole response. */
static int post(const char *method, const char *path, json_t *body, struct http_response *r)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    int rc = http_request(srv.port, method, path,
                          "Content-Type: application/x-www-form-urlencoded\r\n", text, r);
    free(text);
    return rc == 0 ? r->status : -1;
}

/* The response body's NDJSON lines as a JSON array (each must parse). */
static json_t *lines(const struct http_response *r)
{
    json_t *out = json_array();
    const char *p = r->body.data ? r->body.data : "";
    while (*p) {
        const char *nl = strchr(p, '\n');
        T_ASSERT(nl); /* every line ends with a newline */
        if (!nl)
            break;
        json_t *line = json_loadb(p, (size_t)(nl - p), 0, NULL);
        T_ASSERT(json_is_object(line));
        json_array_append_new(out, line ? line : json_null());
        p = nl + 1;
    }
    return out;
}

static json_t *one(const struct http_response *r)
{
    return json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
}

static void expect_error(int status, struct http_response *r, int want, const char *contains)
{
    if (status != want)
        printf("#   got %d (want %d): %.*s\n", status, want, (int)r->body.len,
               r->body.data ? r->body.data : "");
    T_EQ_INT(status, want);
    json_t *body = one(r);
    T_ASSERT(json_is_string(json_object_get(body, "error"))); /* Ollama's shape */
    if (contains)
        T_CONTAINS(json_string_value(json_object_get(body, "error")), contains);
    json_decref(body);
    http_response_cleanup(r);
}

static bool is_hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s))
            return false;
    return true;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_root_version_tags(void)
{
    struct http_response r;
    T_EQ_INT(http_request(srv.port, "GET", "/", NULL, NULL, &r), 0);
    T_EQ_INT(r.status, 200);
    T_EQ_STR(r.body.data, "Ollama is running");
    http_response_cleanup(&r);
    struct http_conn c;
    T_REQUIRE(http_conn_open(&c, srv.port) == 0);
    T_ASSERT(http_conn_send(&c, "HEAD", "/", NULL, NULL, 0) == 0);
    T_ASSERT(http_conn_read_head(&c, &r) == 0); /* a HEAD answer has no body to read */
    T_EQ_INT(r.status, 200);
    http_conn_close(&c);
    http_response_cleanup(&r);

    json_t *resp = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/api/version", NULL, &resp), 200);
    T_ASSERT(json_is_string(json_object_get(resp, "version")));
    json_decref(resp);

    /* Only models that generate text: the speech built-ins are not offered. */
    T_EQ_INT(http_json(srv.port, "GET", "/api/tags", NULL, &resp), 200);
    json_t *models = json_object_get(resp, "models");
    T_EQ_INT(json_array_size(models), 1);
    json_t *m = json_array_get(models, 0);
    T_EQ_STR(jstr(json_object_get(m, "name")), "tiny");
    T_EQ_STR(jstr(json_object_get(m, "model")), "tiny");
    T_ASSERT(is_hex64(json_string_value(json_object_get(m, "digest"))));
    T_ASSERT(json_integer_value(json_object_get(m, "size")) > 0);
    T_ASSERT(strlen(jstr(json_object_get(m, "modified_at"))) == 20); /* 2026-11-25T02:39:21Z */
    json_t *details = json_object_get(m, "details");
    T_EQ_STR(jstr(json_object_get(details, "format")), "gguf");
    T_EQ_STR(jstr(json_object_get(details, "family")), "llama");
    T_EQ_STR(jstr(json_object_get(details, "quantization_level")), "Q8_0");
    json_decref(resp);
}

/* Streamed chat: every line but the last carries text and done false; the
 * text joined equals the one-shot answer; the last line has the totals. */
static void test_chat_stream_matches(void)
{
    const char *body = "{\"model\": \"tiny:latest\", \"messages\": [{\"role\": \"user\", "
                       "\"content\": \"Hello\"}], \"options\": {\"temperature\": 0, "
                       "\"num_predict\": 12, \"num_ctx\": 4096, \"num_thread\": 2}%s}";
    char text[512];
    snprintf(text, sizeof text, body, ", \"stream\": false");
    struct http_response r;
    T_EQ_INT(post("POST", "/api/chat", json_loads(text, 0, NULL), &r), 200);
    json_t *whole = one(&r);
    http_response_cleanup(&r);
    T_EQ_STR(jstr(json_object_get(whole, "model")), "tiny:latest"); /* as the client named it */
    T_ASSERT(json_is_true(json_object_get(whole, "done")));
    T_EQ_STR(jstr(json_object_get(whole, "done_reason")), "length");
    T_EQ_INT(json_integer_value(json_object_get(whole, "eval_count")), 12);
    T_ASSERT(json_integer_value(json_object_get(whole, "prompt_eval_count")) > 0);
    T_ASSERT(json_integer_value(json_object_get(whole, "total_duration")) > 1000000); /* ns */
    T_ASSERT(json_integer_value(json_object_get(whole, "eval_duration")) > 0);
    json_t *msg = json_object_get(whole, "message");
    T_EQ_STR(jstr(json_object_get(msg, "role")), "assistant");
    char *expected = jstr_dup(json_object_get(msg, "content"));

    snprintf(text, sizeof text, body, "");
    char type[64];
    T_EQ_INT(post("POST", "/api/chat", json_loads(text, 0, NULL), &r), 200);
    T_EQ_STR(http_response_header(&r, "Content-Type", type, sizeof type), "application/x-ndjson");
    json_t *ls = lines(&r);
    http_response_cleanup(&r);
    T_ASSERT(json_array_size(ls) >= 2);
    struct sy_buf joined;
    buf_init(&joined, 1 << 20);
    buf_append(&joined, "", 0, NULL);
    size_t i;
    json_t *line;
    json_array_foreach(ls, i, line) {
        bool last = i + 1 == json_array_size(ls);
        T_EQ_INT(json_is_true(json_object_get(line, "done")), last);
        T_ASSERT(strlen(jstr(json_object_get(line, "created_at"))) == 30); /* ns, Z */
        const char *piece = jstr(json_object_get(json_object_get(line, "message"), "content"));
        T_REQUIRE(piece);
        buf_append_str(&joined, piece, NULL);
        if (last) {
            T_EQ_STR(jstr(json_object_get(line, "done_reason")), "length");
            T_EQ_INT(json_integer_value(json_object_get(line, "eval_count")), 12);
            T_ASSERT(json_is_integer(json_object_get(line, "load_duration")));
        }
    }
    T_EQ_STR(joined.data, expected);
    buf_cleanup(&joined);
    json_decref(ls);
    json_decref(whole);
    free(expected);
}

static void test_generate(void)
{
    struct http_response r;
    /* Greedy and raw: the same prompt twice gives the same text. */
    json_t *b = json_pack("{s:s, s:s, s:b, s:b, s:{s:i, s:i}}", "model", "tiny", "prompt",
                          "Once upon", "raw", 1, "stream", 0, "options", "temperature", 0,
                          "num_predict", 6);
    json_t *again = json_deep_copy(b);
    T_EQ_INT(post("POST", "/api/generate", b, &r), 200);
    json_t *first = one(&r);
    http_response_cleanup(&r);
    T_ASSERT(json_is_string(json_object_get(first, "response")));
    T_EQ_INT(json_integer_value(json_object_get(first, "eval_count")), 6);
    T_EQ_INT(post("POST", "/api/generate", again, &r), 200);
    json_t *second = one(&r);
    http_response_cleanup(&r);
    T_EQ_STR(jstr(json_object_get(second, "response")), jstr(json_object_get(first, "response")));
    json_decref(first);
    json_decref(second);

    /* Templated, with a system prompt, streamed: "response" pieces. */
    b = json_pack("{s:s, s:s, s:s, s:{s:i}}", "model", "tiny", "prompt", "Hi", "system",
                  "Be brief.", "options", "num_predict", 4);
    T_EQ_INT(post("POST", "/api/generate", b, &r), 200);
    json_t *ls = lines(&r);
    http_response_cleanup(&r);
    T_ASSERT(json_array_size(ls) >= 2);
    T_ASSERT(json_is_string(json_object_get(json_array_get(ls, 0), "response")));
    T_ASSERT(!json_object_get(json_array_get(ls, 0), "message"));
    json_decref(ls);

    /* A system prompt has no place in a raw prompt. */
    b = json_pack("{s:s, s:s, s:s, s:b}", "model", "tiny", "prompt", "Hi", "system", "x", "raw",
                  1);
    expect_error(post("POST", "/api/generate", b, &r), &r, 422, "raw");
}

static void test_options_and_refusals(void)
{
    struct http_response r;
    /* num_predict -1 is Ollama's "no limit": accepted. */
    json_t *b = json_pack("{s:s, s:s, s:b, s:{s:i, s:i, s:i}}", "model", "tiny", "prompt", "a",
                          "stream", 0, "options", "num_predict", -1, "temperature", 0, "seed", 3);
    T_EQ_INT(post("POST", "/api/generate", b, &r), 200);
    http_response_cleanup(&r);
    b = json_pack("{s:s, s:s, s:{s:i}}", "model", "tiny", "prompt", "a", "options",
                  "num_predict", -7);
    expect_error(post("POST", "/api/generate", b, &r), &r, 400, "num_predict");
    b = json_pack("{s:s, s:s, s:{s:f}}", "model", "tiny", "prompt", "a", "options",
                  "temperature", 9.0);
    expect_error(post("POST", "/api/generate", b, &r), &r, 400, "temperature");
    b = json_pack("{s:s, s:s, s:{s:i}}", "model", "tiny", "prompt", "a", "options", "mirostat",
                  2);
    expect_error(post("POST", "/api/generate", b, &r), &r, 422, "mirostat");
    /* The neutral value is fine. */
    b = json_pack("{s:s, s:s, s:b, s:{s:i, s:i}}", "model", "tiny", "prompt", "a", "stream", 0,
                  "options", "mirostat", 0, "num_predict", 2);
    T_EQ_INT(post("POST", "/api/generate", b, &r), 200);
    http_response_cleanup(&r);
    b = json_pack("{s:s, s:s, s:{s:i}}", "model", "tiny", "prompt", "a", "options", "colour", 1);
    expect_error(post("POST", "/api/generate", b, &r), &r, 400, "colour");
    b = json_pack("{s:s, s:[{s:s, s:s}], s:s}", "model", "tiny", "messages", "role", "user",
                  "content", "a", "format", "json");
    expect_error(post("POST", "/api/chat", b, &r), &r, 422, "format");
    b = json_pack("{s:s, s:[{s:s, s:s, s:[s]}]}", "model", "tiny", "messages", "role", "user",
                  "content", "a", "images", "aGVsbG8=");
    expect_error(post("POST", "/api/chat", b, &r), &r, 422, "images");
    b = json_pack("{s:s, s:[{s:s, s:s}], s:[{s:s}]}", "model", "tiny", "messages", "role", "user",
                  "content", "a", "tools", "type", "function");
    expect_error(post("POST", "/api/chat", b, &r), &r, 422, "tool");
    b = json_pack("{s:s, s:[{s:s, s:s}]}", "model", "nope", "messages", "role", "user",
                  "content", "a");
    expect_error(post("POST", "/api/chat", b, &r), &r, 404, "nope");
    b = json_pack("{s:s, s:s}", "model", "espeak-ng", "prompt", "hello");
    expect_error(post("POST", "/api/generate", b, &r), &r, 422, "text-to-speech");
    b = json_pack("{s:s, s:[s]}", "model", "espeak-ng", "input", "a");
    expect_error(post("POST", "/api/embed", b, &r), &r, 422, "feature-extraction");
    /* Not JSON at all. */
    T_EQ_INT(http_request(srv.port, "POST", "/api/chat", NULL, "{nope", &r), 0);
    expect_error(r.status, &r, 400, "JSON");
}

static bool in_ps(const char *name)
{
    json_t *resp = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/api/ps", NULL, &resp), 200);
    bool found = false;
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(resp, "models"), i, m) {
        if (strcmp(jstr(json_object_get(m, "name")), name) == 0) {
            found = true;
            T_ASSERT(json_integer_value(json_object_get(m, "size")) > 0);
            T_ASSERT(json_is_string(json_object_get(m, "expires_at")));
            T_EQ_INT(json_integer_value(json_object_get(m, "size_vram")), 0);
        }
    }
    json_decref(resp);
    return found;
}

static void test_load_unload(void)
{
    struct http_response r;
    json_t *b = json_pack("{s:s, s:i}", "model", "tiny", "keep_alive", 0);
    T_EQ_INT(post("POST", "/api/generate", b, &r), 200);
    json_t *resp = one(&r);
    http_response_cleanup(&r);
    T_EQ_STR(jstr(json_object_get(resp, "done_reason")), "unload");
    json_decref(resp);
    T_ASSERT(!in_ps("tiny"));

    b = json_pack("{s:s, s:[]}", "model", "tiny", "messages");
    T_EQ_INT(post("POST", "/api/chat", b, &r), 200);
    resp = one(&r);
    http_response_cleanup(&r);
    T_EQ_STR(jstr(json_object_get(resp, "done_reason")), "load");
    T_EQ_STR(jstr(json_object_get(json_object_get(resp, "message"), "content")), "");
    json_decref(resp);
    T_ASSERT(in_ps("tiny"));

    b = json_pack("{s:s, s:s}", "model", "tiny", "keep_alive", "0s");
    T_EQ_INT(post("POST", "/api/chat", b, &r), 200);
    http_response_cleanup(&r);
    T_ASSERT(!in_ps("tiny"));
}

static void test_show(void)
{
    struct http_response r;
    T_EQ_INT(post("POST", "/api/show", json_pack("{s:s}", "name", "tiny:latest"), &r), 200);
    json_t *resp = one(&r);
    http_response_cleanup(&r);
    T_EQ_STR(jstr(json_array_get(json_object_get(resp, "capabilities"), 0)), "completion");
    json_t *info = json_object_get(resp, "model_info");
    T_EQ_STR(jstr(json_object_get(info, "general.architecture")), "llama");
    T_EQ_INT(json_integer_value(json_object_get(info, "llama.context_length")), 2048);
    T_EQ_STR(jstr(json_object_get(json_object_get(resp, "details"), "format")), "gguf");
    json_decref(resp);
    expect_error(post("POST", "/api/show", json_pack("{s:s}", "model", "nope"), &r), &r, 404,
                 NULL);
}

static void test_pull_and_delete(void)
{
    struct http_response r;
    T_EQ_INT(post("POST", "/api/pull", json_pack("{s:s}", "model", "test-org/tiny-GGUF"), &r),
             200);
    json_t *ls = lines(&r);
    http_response_cleanup(&r);
    T_EQ_STR(jstr(json_object_get(json_array_get(ls, 0), "status")), "pulling manifest");
    T_EQ_STR(jstr(json_object_get(json_array_get(ls, json_array_size(ls) - 1), "status")),
             "success");
    bool progress = false;
    size_t i;
    json_t *line;
    json_array_foreach(ls, i, line) {
        json_int_t total = json_integer_value(json_object_get(line, "total"));
        json_int_t done = json_integer_value(json_object_get(line, "completed"));
        if (total > 0 && done == total)
            progress = true;
        T_ASSERT(done <= total || !json_object_get(line, "total"));
    }
    T_ASSERT(progress);
    json_decref(ls);

    /* Listed and runnable by its id. */
    json_t *resp = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/api/tags", NULL, &resp), 200);
    T_EQ_INT(json_array_size(json_object_get(resp, "models")), 2);
    json_decref(resp);
    json_t *b = json_pack("{s:s, s:s, s:b, s:{s:i}}", "model", "test-org/tiny-GGUF", "prompt",
                          "a", "stream", 0, "options", "num_predict", 2);
    T_EQ_INT(post("POST", "/api/generate", b, &r), 200);
    http_response_cleanup(&r);

    /* Not streamed: one line. A repository the Hub does not have: the error. */
    T_EQ_INT(post("POST", "/api/pull",
                  json_pack("{s:s, s:b}", "model", "test-org/tiny-GGUF", "stream", 0), &r),
             200);
    resp = one(&r);
    T_EQ_STR(jstr(json_object_get(resp, "status")), "success");
    json_decref(resp);
    http_response_cleanup(&r);
    expect_error(post("POST", "/api/pull",
                      json_pack("{s:s, s:b}", "model", "test-org/missing", "stream", 0), &r),
                 &r, 404, NULL);

    T_EQ_INT(post("DELETE", "/api/delete", json_pack("{s:s}", "model", "test-org/tiny-GGUF"), &r),
             200);
    http_response_cleanup(&r);
    T_EQ_INT(http_json(srv.port, "GET", "/api/tags", NULL, &resp), 200);
    T_EQ_INT(json_array_size(json_object_get(resp, "models")), 1);
    json_decref(resp);
    expect_error(post("DELETE", "/api/delete", json_pack("{s:s}", "model", "test-org/tiny-GGUF"),
                      &r),
                 &r, 404, NULL);
    /* A file the user put in the models directory is theirs to delete. */
    expect_error(post("DELETE", "/api/delete", json_pack("{s:s}", "model", "tiny"), &r), &r, 403,
                 NULL);
}

int main(void)
{
    if (test_env_init(&srv) != 0)
        return 1;
    /* --never-stop: generation ends by num_predict, so "length" is certain. */
    const char *tiny[] = {"--preset", "tiny", "--type", "q8_0", "--never-stop", NULL};
    char hub_root[PATH_MAX], repo[PATH_MAX + 32], cache[PATH_MAX];
    snprintf(hub_root, sizeof hub_root, "%s/hub-root", srv.tmp);
    snprintf(repo, sizeof repo, "%s/test-org/tiny-GGUF", hub_root);
    snprintf(cache, sizeof cache, "%s/hub-cache", srv.tmp);
    char mk[PATH_MAX + 64];
    snprintf(mk, sizeof mk, "mkdir -p '%s'", repo);
    if (test_make_model(srv.models, "tiny", tiny) != 0 || system(mk) != 0 ||
        test_make_model(repo, "tiny-Q8_0", tiny) != 0) {
        printf("Bail out! switchyard-make-model failed\n");
        return 1;
    }
    hub = hub_server_start(hub_root);
    if (!hub) {
        printf("Bail out! the test Hub did not start\n");
        return 1;
    }
    char hub_url[64];
    snprintf(hub_url, sizeof hub_url, "http://127.0.0.1:%d", hub_server_port(hub));
    const char *args[] = {"--slots", "1", "--context-size", "512", "--hub-url", hub_url,
                          "--hub-cache", cache, NULL};
    if (test_server_start(&srv, args) != 0) {
        printf("Bail out! the server did not start\n");
        return 1;
    }
    T_RUN(test_root_version_tags);
    T_RUN(test_chat_stream_matches);
    T_RUN(test_generate);
    T_RUN(test_options_and_refusals);
    T_RUN(test_load_unload);
    T_RUN(test_show);
    T_RUN(test_pull_and_delete);
    int stopped = test_server_stop(&srv);
    if (stopped != 0)
        printf("# server exit status %d\n", stopped);
    T_EQ_INT(stopped, 0);
    hub_server_stop(hub);
    test_env_cleanup(&srv);
    return t_done();
}
