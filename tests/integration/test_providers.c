/* test_providers.c -- remote providers, against a second Switchyard as the
 * OpenAI-compatible upstream (DESIGN.md, "Testing with real models,
 * offline"): the gateway lists the upstream's models under its prefix, relays
 * generation as it streams (in every dialect), keeps upstream errors' meaning,
 * refuses settings the provider cannot honour, sends the key only where it
 * belongs, reports an unreachable upstream instead of hiding it, and cancels
 * the upstream's generation when its own client hangs up. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_client.h"
#include "metric.h"
#include "model_status.h"
#include "t.h"
#include "test_server.h"
#include "util/base64.h"

#define LONG 4000 /* tokens: the generated models never stop by themselves */
#define UPSTREAM_KEY "upstream-secret-4c1d"

static struct test_server up; /* the upstream, with the models and a key */
static struct test_server gw; /* the gateway, with providers only */

static json_t *chat_body(const char *model, const char *content, int max_tokens)
{
    return json_pack("{s:s, s:[{s:s, s:s}], s:i, s:i}", "model", model, "messages", "role",
                     "user", "content", content, "max_tokens", max_tokens, "temperature", 0);
}

static const char *reply(const json_t *resp)
{
    return jstr(json_object_get(
        json_object_get(json_array_get(json_object_get(resp, "choices"), 0), "message"),
        "content"));
}

/* POSTs to the upstream (its key comes from http_client_set_header). */
static int post_up(const char *path, json_t *body, json_t **resp)
{
    return http_post_json(up.port, path, body, resp);
}

static bool has_id(const json_t *list, const char *key, const char *id)
{
    size_t i;
    const json_t *m;
    json_array_foreach(list, i, m) {
        if (strcmp(jstr(json_object_get(m, key)), id) == 0)
            return true;
    }
    return false;
}

static void test_listing(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_json(gw.port, "GET", "/v1/models", NULL, &resp), 200);
    json_t *data = json_object_get(resp, "data");
    T_ASSERT(has_id(data, "id", "up:tiny"));
    T_ASSERT(has_id(data, "id", "up:fast")); /* the alias */
    T_ASSERT(has_id(data, "id", "espeak-ng")); /* the gateway's own models stay */
    /* The upstream's speech models are not relayed, so not listed. */
    T_ASSERT(!has_id(data, "id", "up:espeak-ng"));
    /* The dead upstream and the refused key are named, not silently missing. */
    json_t *errors = json_object_get(resp, "errors");
    T_EQ_INT(json_array_size(errors), 2);
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e) {
        const char *provider = jstr(json_object_get(e, "provider"));
        const char *msg = jstr(json_object_get(e, "message"));
        if (strcmp(provider, "down") == 0)
            T_ASSERT(strstr(msg, "cannot be reached") != NULL);
        else
            T_ASSERT(strcmp(provider, "wrongkey") == 0 && strstr(msg, "SY_TEST_WRONG_KEY"));
    }
    json_decref(resp);

    T_EQ_INT(http_json(gw.port, "GET", "/v1/models/up:tiny", NULL, &resp), 200);
    T_EQ_STR(jstr(json_object_get(resp, "owned_by")), "up");
    json_decref(resp);
    T_EQ_INT(http_json(gw.port, "GET", "/api/tags", NULL, &resp), 200);
    T_ASSERT(has_id(json_object_get(resp, "models"), "name", "up:tiny"));
    json_decref(resp);
    T_EQ_INT(http_json(gw.port, "GET", "/api/models", NULL, &resp), 200);
    T_EQ_INT(json_array_size(json_object_get(resp, "errors")), 2);
    json_decref(resp);
}

/* Greedy: through the gateway as `model`, the upstream's own text for tiny. */
static void expect_upstream_reply(const char *model)
{
    json_t *direct = NULL, *relayed = NULL;
    T_EQ_INT(post_up("/v1/chat/completions", chat_body("tiny", "Hello there", 12), &direct), 200);
    T_EQ_INT(http_post_json(gw.port, "/v1/chat/completions", chat_body(model, "Hello there", 12),
                            &relayed),
             200);
    T_EQ_STR(reply(relayed), reply(direct));
    json_decref(direct);
    json_decref(relayed);
}

static void test_same_answer(void)
{
    /* Greedy: the same text through the gateway as from the upstream itself. */
    json_t *direct = NULL, *relayed = NULL;
    T_EQ_INT(post_up("/v1/chat/completions", chat_body("tiny", "Hello there", 12), &direct), 200);
    T_EQ_INT(http_post_json(gw.port, "/v1/chat/completions",
                            chat_body("up:tiny", "Hello there", 12), &relayed),
             200);
    T_EQ_STR(reply(relayed), reply(direct));
    T_EQ_STR(jstr(json_object_get(relayed, "model")), "up:tiny");
    json_t *usage = json_object_get(relayed, "usage");
    T_EQ_INT(json_integer_value(json_object_get(usage, "completion_tokens")), 12);
    T_ASSERT(json_integer_value(json_object_get(usage, "prompt_tokens")) > 0);
    json_decref(direct);
    json_decref(relayed);

    expect_upstream_reply("up:fast"); /* the alias reaches the same model */

    /* A raw prompt goes to /completions. */
    json_t *a = json_pack("{s:s, s:s, s:i, s:i}", "model", "tiny", "prompt", "Once upon",
                          "max_tokens", 10, "temperature", 0);
    json_t *b = json_deep_copy(a);
    json_object_set_new(b, "model", json_string("up:tiny"));
    T_EQ_INT(post_up("/v1/completions", a, &direct), 200);
    T_EQ_INT(http_post_json(gw.port, "/v1/completions", b, &relayed), 200);
    T_EQ_STR(jstr(json_object_get(json_array_get(json_object_get(relayed, "choices"), 0), "text")),
             jstr(json_object_get(json_array_get(json_object_get(direct, "choices"), 0), "text")));
    json_decref(direct);
    json_decref(relayed);
}

static void test_streams_in_every_dialect(void)
{
    json_t *whole = NULL;
    T_EQ_INT(http_post_json(gw.port, "/v1/chat/completions", chat_body("up:tiny", "Stream it", 16),
                            &whole),
             200);
    json_t *body = chat_body("up:tiny", "Stream it", 16);
    json_object_set_new(body, "stream", json_true());
    json_t *events = NULL;
    bool complete = false;
    T_EQ_INT(http_stream_collect(gw.port, "/v1/chat/completions", body, &events, &complete), 200);
    T_ASSERT(complete);
    struct sy_buf text;
    buf_init(&text, 1 << 20);
    buf_append(&text, "", 0, NULL);
    size_t i, chunks = 0;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        json_t *delta = json_object_get(
            json_array_get(json_object_get(json_object_get(ev, "json"), "choices"), 0), "delta");
        const json_t *content = json_object_get(delta, "content");
        if (json_is_string(content) && json_string_length(content)) {
            buf_append_str(&text, jstr(content), NULL);
            chunks++;
        }
    }
    T_ASSERT(chunks > 1); /* relayed piece by piece, not in one lump */
    T_EQ_STR(jstr(json_object_get(json_array_get(events, json_array_size(events) - 1), "raw")),
             "[DONE]");
    T_EQ_STR(text.data, reply(whole));
    buf_cleanup(&text);
    json_decref(events);

    /* The task API's typed events. */
    json_t *task = json_pack("{s:s, s:{s:[{s:s, s:s}]}, s:{s:i, s:b}}", "model_id", "up:tiny",
                             "inputs", "messages", "role", "user", "content", "Stream it",
                             "settings", "max_new_tokens", 16, "do_sample", 0);
    T_EQ_INT(http_stream_collect(gw.port, "/api/inference/stream", task, &events, &complete), 200);
    T_ASSERT(complete);
    T_EQ_STR(jstr(json_object_get(json_array_get(events, 0), "event")), "start");
    T_EQ_STR(jstr(json_object_get(json_array_get(events, json_array_size(events) - 1), "event")),
             "done");
    json_decref(events);

    /* Ollama's NDJSON. */
    struct http_response r;
    T_EQ_INT(http_request(gw.port, "POST", "/api/chat", "Content-Type: application/json\r\n",
                          "{\"model\":\"up:tiny\",\"messages\":[{\"role\":\"user\",\"content\":"
                          "\"Stream it\"}],\"options\":{\"num_predict\":16,\"temperature\":0}}",
                          &r),
             0);
    T_EQ_INT(r.status, 200);
    T_ASSERT(strstr(r.body.data, "\"done\":true") != NULL);
    T_ASSERT(strstr(r.body.data, "\"done_reason\":\"length\"") != NULL);
    http_response_cleanup(&r);
    json_decref(whole);
}

static void expect_error(json_t *body, int status, const char *param, const char *needle)
{
    json_t *resp = NULL;
    int got = http_post_json(gw.port, "/v1/chat/completions", body, &resp);
    json_t *err = json_object_get(resp, "error");
    const char *msg = jstr(json_object_get(err, "message"));
    if (got != status || !msg || !strstr(msg, needle))
        printf("#   got %d: %s\n", got, msg ? msg : "(no message)");
    T_EQ_INT(got, status);
    T_ASSERT(msg && strstr(msg, needle) != NULL);
    if (param)
        T_EQ_STR(jstr(json_object_get(err, "param")), param);
    json_decref(resp);
}

static void test_errors_keep_their_meaning(void)
{
    /* A setting an OpenAI upstream does not take: 422 before any request. */
    json_t *b = chat_body("up:tiny", "Hi", 4);
    json_object_set_new(b, "top_k", json_integer(5));
    expect_error(b, 422, "top_k", "top_k");
    /* The upstream's 4xx: the same class, its own words. */
    expect_error(chat_body("up:tiny", "Hi", 100000), 400, NULL, "provider 'up' answered 400");
    /* Unknown model: 404 listing what the provider has. */
    expect_error(chat_body("up:nothing", "Hi", 4), 404, "model", "tiny");
    /* A dead upstream: 502 naming the provider. */
    expect_error(chat_body("down:tiny", "Hi", 4), 502, NULL, "provider 'down'");
    /* A key the upstream refuses: 4xx naming the variable, never the key. */
    expect_error(chat_body("wrongkey:tiny", "Hi", 4), 403, NULL,
                 "refused the key in $SY_TEST_WRONG_KEY (401)");
    T_ASSERT(!test_server_log_contains(&gw, UPSTREAM_KEY));
    T_ASSERT(!test_server_log_contains(&gw, "not-the-key"));

    /* provider_overrides reach the upstream untouched (and win). */
    json_t *resp = NULL;
    b = chat_body("up:tiny", "Hi", 12);
    json_object_set_new(b, "provider_overrides", json_pack("{s:i}", "max_tokens", 3));
    T_EQ_INT(http_post_json(gw.port, "/v1/chat/completions", b, &resp), 200);
    T_EQ_INT(json_integer_value(json_object_get(json_object_get(resp, "usage"),
                                                "completion_tokens")),
             3);
    json_decref(resp);
}

static void test_provider_health(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_json(gw.port, "GET", "/api/providers?check=true", NULL, &resp), 200);
    json_t *list = json_object_get(resp, "providers");
    size_t i;
    json_t *p;
    int seen = 0;
    json_array_foreach(list, i, p) {
        const char *name = jstr(json_object_get(p, "name"));
        if (strcmp(name, "up") == 0) {
            T_ASSERT(json_is_true(json_object_get(p, "healthy")));
            T_ASSERT(json_integer_value(json_object_get(p, "models")) >= 2);
            T_ASSERT(json_number_value(json_object_get(p, "latency_ms")) > 0);
            seen++;
        }
        if (strcmp(name, "down") == 0) {
            T_ASSERT(json_is_false(json_object_get(p, "healthy")));
            T_ASSERT(strstr(jstr(json_object_get(p, "last_error")), "cannot be reached"));
            seen++;
        }
        if (strcmp(name, "local") == 0)
            T_EQ_STR(jstr(json_object_get(p, "prefix")), "");
    }
    T_EQ_INT(seen, 2);
    json_decref(resp);
    T_EQ_INT(http_json(gw.port, "GET", "/api/providers?check=maybe", NULL, &resp), 400);
    json_decref(resp);
}

/* Kind "hf" chats through the router's OpenAI-compatible /v1 (here the
 * upstream's own /v1, which is what the router speaks). */
static void test_hf_kind_chats_through_v1(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_json(gw.port, "GET", "/v1/models/hfr:tiny", NULL, &resp), 200);
    T_EQ_STR(jstr(json_object_get(resp, "backend")), "hf-router");
    char *tasks = json_dumps(json_object_get(json_object_get(resp, "capabilities"), "tasks"),
                             JSON_COMPACT);
    T_EQ_STR(tasks, "[\"text-generation\"]"); /* the router lists chat models */
    free(tasks);
    json_decref(resp);
    expect_upstream_reply("hfr:tiny");
}

/* POSTs body (owned) as JSON to port and keeps the raw answer in *r. */
static int post_raw(int port, const char *path, json_t *body, struct http_response *r)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    int rc = text ? http_request(port, "POST", path, "Content-Type: application/json\r\n", text, r)
                  : -1;
    free(text);
    return rc == 0 ? r->status : -1;
}

static json_t *speech_body(const char *model, const char *format)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "model", model, "input", "hello world", "voice",
                     "alloy", "response_format", format);
}

/* Speech goes to the upstream's OpenAI audio routes: synthesis comes back as
 * the very samples the upstream makes, re-encoded as the client asks; a
 * transcription is the upstream's own, with its segments and language. */
static void test_speech_relayed(void)
{
    struct http_response direct, relayed, wav;
    T_EQ_INT(post_raw(up.port, "/v1/audio/speech", speech_body("tts-1", "pcm"), &direct), 200);
    T_EQ_INT(post_raw(gw.port, "/v1/audio/speech", speech_body("up:tts-1", "pcm"), &relayed),
             200);
    /* The upstream resamples as it streams, so two of its answers may differ
     * by a few samples: the same length within 1%, and words one can hear. */
    T_ASSERT(direct.body.len > 24000); /* "hello world" is more than half a second */
    T_ASSERT(labs((long)relayed.body.len - (long)direct.body.len) < (long)direct.body.len / 100);
    http_response_cleanup(&direct);
    http_response_cleanup(&relayed);
    T_EQ_INT(post_raw(gw.port, "/v1/audio/speech", speech_body("up:tts-1", "wav"), &wav), 200);
    T_ASSERT(wav.body.len > 44 && memcmp(wav.body.data, "RIFF", 4) == 0);
    const char *hear[] = {"model", "pocketsphinx-en-us", "phrases[]", "hello world",
                          "phrases[]", "good bye", "response_format", "text", NULL};
    T_EQ_INT(http_post_multipart(gw.port, "/v1/audio/transcriptions", &wav.body, hear, &direct),
             200);
    T_EQ_STR(direct.body.data, "hello world\n");
    http_response_cleanup(&direct);

    /* The same upload, heard by the upstream directly and through the
     * gateway (decoded, resampled and sent on as WAV): the same transcript,
     * segments and language. */
    const char *fields[] = {"model", "whisper-1", "response_format", "verbose_json", NULL};
    const char *via[] = {"model", "up:whisper-1", "response_format", "verbose_json", NULL};
    T_EQ_INT(http_post_multipart(up.port, "/v1/audio/transcriptions", &wav.body, fields,
                                 &direct),
             200);
    T_EQ_INT(http_post_multipart(gw.port, "/v1/audio/transcriptions", &wav.body, via, &relayed),
             200);
    json_t *a = json_loadb(direct.body.data, direct.body.len, 0, NULL);
    json_t *b = json_loadb(relayed.body.data, relayed.body.len, 0, NULL);
    T_ASSERT(json_string_length(json_object_get(a, "text")) > 0);
    T_EQ_STR(jstr(json_object_get(b, "text")), jstr(json_object_get(a, "text")));
    T_EQ_STR(jstr(json_object_get(b, "language")), "en");
    T_EQ_INT(json_array_size(json_object_get(b, "segments")),
             json_array_size(json_object_get(a, "segments")));
    json_decref(a);
    json_decref(b);
    http_response_cleanup(&direct);
    http_response_cleanup(&relayed);

    /* provider_overrides become form fields: the upstream's phrase list makes
     * its answer exact. The task API streams the segments. */
    struct sy_buf b64;
    buf_init(&b64, 16u << 20);
    T_REQUIRE(base64_encode(wav.body.data, wav.body.len, &b64, NULL) == SY_OK);
    json_t *events = NULL;
    bool complete = false;
    T_EQ_INT(http_stream_collect(gw.port, "/api/inference/stream",
                                 json_pack("{s:s, s:{s:s}, s:{s:[s, s]}}", "model_id",
                                           "up:whisper-1", "inputs", "audio", b64.data,
                                           "provider_overrides", "phrases", "hello world",
                                           "good bye"),
                                 &events, &complete),
             200);
    T_ASSERT(complete);
    struct sy_buf said;
    buf_init(&said, 1 << 16);
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        if (strcmp(jstr(json_object_get(ev, "event")), "segment") == 0)
            buf_append_str(&said, jstr(json_object_get(json_object_get(ev, "json"), "text")),
                           NULL);
    }
    T_EQ_STR(said.data ? said.data : "", "hello world");
    buf_cleanup(&said);
    buf_cleanup(&b64);
    json_decref(events);
    http_response_cleanup(&wav);

    /* A voice the model is not configured with is refused here. */
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(gw.port, "/v1/audio/speech",
                            json_pack("{s:s, s:s, s:s}", "model", "up:tts-1", "input", "hi",
                                      "voice", "nosuchvoice"),
                            &resp),
             422);
    T_EQ_STR(jstr(json_object_get(json_object_get(resp, "error"), "param")), "voice");
    json_decref(resp);
}

static void test_ollama_kind(void)
{
    /* The upstream's own Ollama API (/api/tags, /api/chat, /api/generate),
     * relayed in any dialect: the same greedy text as the upstream gives. */
    json_t *resp = NULL;
    T_EQ_INT(http_json(gw.port, "GET", "/v1/models/ol:tiny", NULL, &resp), 200);
    T_EQ_STR(jstr(json_object_get(resp, "backend")), "ollama");
    json_decref(resp);

    /* Against the upstream's own Ollama answer (its defaults, such as
     * repeat_penalty, are the upstream's to apply). */
    json_t *direct = NULL, *relayed = NULL;
    T_EQ_INT(post_up("/api/chat",
                     json_pack("{s:s, s:[{s:s, s:s}], s:b, s:{s:i, s:i}}", "model", "tiny",
                               "messages", "role", "user", "content", "Hello there", "stream", 0,
                               "options", "num_predict", 12, "temperature", 0),
                     &direct),
             200);
    T_EQ_INT(http_post_json(gw.port, "/v1/chat/completions",
                            chat_body("ol:tiny", "Hello there", 12), &relayed),
             200);
    T_EQ_STR(reply(relayed), jstr(json_object_get(json_object_get(direct, "message"), "content")));
    json_t *usage = json_object_get(relayed, "usage");
    T_EQ_INT(json_integer_value(json_object_get(usage, "completion_tokens")),
             json_integer_value(json_object_get(direct, "eval_count")));
    T_EQ_STR(jstr(json_object_get(json_array_get(json_object_get(relayed, "choices"), 0),
                                  "finish_reason")),
             jstr(json_object_get(direct, "done_reason")));
    json_decref(direct);
    json_decref(relayed);

    /* A raw prompt goes to /api/generate unformatted, as /v1/completions means it. */
    T_EQ_INT(post_up("/api/generate",
                     json_pack("{s:s, s:s, s:b, s:b, s:{s:i, s:i}}", "model", "tiny", "prompt",
                               "Once upon", "raw", 1, "stream", 0, "options", "num_predict", 10,
                               "temperature", 0),
                     &direct),
             200);
    T_EQ_INT(http_post_json(gw.port, "/v1/completions",
                            json_pack("{s:s, s:s, s:i, s:i}", "model", "ol:tiny", "prompt",
                                      "Once upon", "max_tokens", 10, "temperature", 0),
                            &relayed),
             200);
    T_EQ_STR(jstr(json_object_get(json_array_get(json_object_get(relayed, "choices"), 0), "text")),
             jstr(json_object_get(direct, "response")));
    json_decref(direct);
    json_decref(relayed);

    /* Ollama takes top_k, which an OpenAI upstream does not. */
    json_t *k = chat_body("ol:tiny", "Hi", 4);
    json_object_set_new(k, "top_k", json_integer(5));
    T_EQ_INT(http_post_json(gw.port, "/v1/chat/completions", k, &resp), 200);
    json_decref(resp);
    /* The upstream's refusal keeps its class and words. */
    expect_error(chat_body("ol:tiny", "Hi", 100000), 400, NULL, "provider 'ol' answered 400");
}

static void test_options_schemas(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_json(gw.port, "GET", "/api/providers/ol/schema", NULL, &resp), 200);
    T_ASSERT(json_is_false(json_object_get(resp, "additionalProperties")));
    T_ASSERT(json_object_get(json_object_get(json_object_get(json_object_get(resp, "properties"),
                                                             "options"),
                                             "properties"),
                             "num_ctx") != NULL);
    json_decref(resp);
    T_EQ_INT(http_json(gw.port, "GET", "/api/providers/up/schema", NULL, &resp), 200);
    T_ASSERT(json_is_true(json_object_get(resp, "additionalProperties")));
    json_decref(resp);
    T_EQ_INT(http_json(gw.port, "GET", "/api/providers/local/schema", NULL, &resp), 200);
    json_decref(resp);
    T_EQ_INT(http_json(gw.port, "GET", "/api/providers/nope/schema", NULL, &resp), 404);
    json_decref(resp);
    T_EQ_INT(http_json(gw.port, "GET", "/api/providers/up/other", NULL, &resp), 404);
    json_decref(resp);

    /* Ollama's options are a closed set: a typo is refused, naming it. */
    json_t *b = chat_body("ol:tiny", "Hi", 4);
    json_object_set_new(b, "provider_overrides", json_pack("{s:{s:i}}", "options", "num_ctxx", 1));
    expect_error(b, 422, "provider_overrides.options.num_ctxx", "num_ctx");
    b = chat_body("ol:tiny", "Hi", 4);
    json_object_set_new(b, "provider_overrides", json_pack("{s:i}", "bogus", 1));
    expect_error(b, 422, "provider_overrides.bogus", "keep_alive");
    b = chat_body("ol:tiny", "Hi", 4);
    json_object_set_new(
        b, "provider_overrides",
        json_pack("{s:s, s:{s:i}}", "keep_alive", "1m", "options", "num_ctx", 2048));
    T_EQ_INT(http_post_json(gw.port, "/v1/chat/completions", b, &resp), 200);
    json_decref(resp);
    /* An OpenAI-compatible upstream's options pass on as they are. */
    json_t *task = json_pack("{s:s, s:{s:s}, s:{s:i}, s:{s:s}}", "model_id", "up:tiny", "inputs",
                             "text", "Hi", "settings", "max_new_tokens", 2, "provider_overrides",
                             "user", "someone");
    T_EQ_INT(http_post_json(gw.port, "/api/inference", task, &resp), 200);
    json_decref(resp);
}

static void test_embeddings_relayed(void)
{
    /* The upstream's vectors, through the gateway in both dialects. */
    json_t *direct = NULL, *relayed = NULL;
    json_t *body = json_pack("{s:s, s:[s, s], s:i}", "model", "tiny", "input", "one text",
                             "another", "dimensions", 16);
    json_t *via = json_deep_copy(body);
    json_object_set_new(via, "model", json_string("up:tiny"));
    T_EQ_INT(post_up("/v1/embeddings", body, &direct), 200);
    T_EQ_INT(http_post_json(gw.port, "/v1/embeddings", via, &relayed), 200);
    json_t *want = json_object_get(direct, "data"), *got = json_object_get(relayed, "data");
    T_EQ_INT(json_array_size(got), 2);
    for (size_t i = 0; i < 2; i++)
        T_ASSERT(json_equal(json_object_get(json_array_get(got, i), "embedding"),
                            json_object_get(json_array_get(want, i), "embedding")));
    T_EQ_INT(json_array_size(json_object_get(json_array_get(got, 0), "embedding")), 16);
    T_EQ_STR(jstr(json_object_get(relayed, "model")), "up:tiny");
    T_EQ_INT(json_integer_value(json_object_get(json_object_get(relayed, "usage"),
                                                "prompt_tokens")),
             json_integer_value(json_object_get(json_object_get(direct, "usage"),
                                                "prompt_tokens")));
    json_decref(relayed);

    /* The Ollama kind, asked in Ollama's dialect. */
    T_EQ_INT(http_post_json(gw.port, "/api/embed",
                            json_pack("{s:s, s:[s, s], s:i}", "model", "ol:tiny", "input",
                                      "one text", "another", "dimensions", 16),
                            &relayed),
             200);
    got = json_object_get(relayed, "embeddings");
    T_EQ_INT(json_array_size(got), 2);
    for (size_t i = 0; i < 2; i++)
        T_ASSERT(json_equal(json_array_get(got, i),
                            json_object_get(json_array_get(want, i), "embedding")));
    json_decref(relayed);
    json_decref(direct);

    /* The gateway knows the upstream's vector size (it lists it), so asks
     * for more are refused before any request; the upstream's own refusal
     * (an input too long) keeps its class and words. */
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(gw.port, "/v1/embeddings",
                            json_pack("{s:s, s:s, s:i}", "model", "up:tiny", "input", "x",
                                      "dimensions", 5000),
                            &resp),
             422);
    T_CONTAINS(jstr(json_object_get(json_object_get(resp, "error"), "message")), "dimensions");
    json_decref(resp);
    char *text = malloc(40001);
    T_REQUIRE(text);
    for (int i = 0; i < 40000; i++)
        text[i] = "abcd "[i % 5];
    text[40000] = '\0';
    T_EQ_INT(http_post_json(gw.port, "/v1/embeddings",
                            json_pack("{s:s, s:s}", "model", "up:tiny", "input", text), &resp),
             400);
    free(text);
    T_CONTAINS(jstr(json_object_get(json_object_get(resp, "error"), "message")),
               "provider 'up' answered 400");
    json_decref(resp);
}

/* Returns: the choice's text and its length (JSON strings may hold U+0000). */
static size_t choice_text(const json_t *resp, const char **text)
{
    const json_t *t = json_object_get(json_array_get(json_object_get(resp, "choices"), 0), "text");
    *text = json_string_value(t);
    return json_string_length(t);
}

static void test_nul_in_generated_text(void)
{
    /* The tiny model's byte tokens include 0x00: with this seed it samples
     * one, which the upstream sends as \u0000. The gateway relays it whole
     * (it once refused the event as "not JSON" and failed the request). */
    json_t *a = json_pack("{s:s, s:s, s:i, s:i}", "model", "tiny", "prompt", "Hi", "max_tokens", 2,
                          "seed", 98);
    json_t *b = json_deep_copy(a);
    json_object_set_new(b, "model", json_string("up:tiny"));
    json_t *direct = NULL, *relayed = NULL;
    T_EQ_INT(post_up("/v1/completions", a, &direct), 200);
    const char *want = NULL, *got = NULL;
    size_t want_len = choice_text(direct, &want);
    T_REQUIRE(want && memchr(want, '\0', want_len)); /* else pick another seed */
    T_EQ_INT(http_post_json(gw.port, "/v1/completions", b, &relayed), 200);
    size_t got_len = choice_text(relayed, &got);
    T_EQ_INT(got_len, want_len);
    T_ASSERT(got && memcmp(got, want, want_len) == 0);
    json_decref(direct);
    json_decref(relayed);

    /* A request cannot carry one: prompts are C strings inside. */
    json_t *resp = NULL;
    json_t *nul = json_pack("{s:s, s:s#, s:i}", "model", "up:tiny", "prompt", "Hi\0there", 8,
                            "max_tokens", 2);
    T_EQ_INT(http_post_json(gw.port, "/v1/completions", nul, &resp), 400);
    T_CONTAINS(jstr(json_object_get(json_object_get(resp, "error"), "message")), "\\u0000");
    json_decref(resp);
}

static void test_hang_up_cancels_upstream(void)
{
    static const char cancelled[] =
        "switchyard_generations_total{model=\"endless\",outcome=\"cancelled\"}";
    double before = test_metric(up.port, cancelled);
    /* A worker the gateway starts while it holds connections to the upstream
     * (here its speech engine, after the requests above) must not inherit
     * them: a socket alive in a child would never hang up on the upstream. */
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(gw.port, "/api/models/unload",
                            json_pack("{s:s}", "model", "pocketsphinx-en-us"), &resp),
             200);
    json_decref(resp);
    T_EQ_INT(http_post_json(gw.port, "/api/models/load",
                            json_pack("{s:s}", "model", "pocketsphinx-en-us"), &resp),
             200);
    json_decref(resp);
    struct http_conn conn;
    T_REQUIRE(http_conn_open(&conn, gw.port) == 0);
    json_t *request = chat_body("up:endless", "Go on", LONG);
    char *body = json_dumps(request, JSON_COMPACT);
    json_decref(request);
    T_REQUIRE(http_conn_send(&conn, "POST", "/v1/chat/completions",
                             "Content-Type: application/json\r\n", body, strlen(body)) == 0);
    free(body);
    /* The upstream is generating for the gateway; then the client leaves. */
    T_ASSERT(test_wait_model_status_int(up.port, "endless", "active", 1));
    http_conn_close(&conn);
    T_ASSERT(test_wait_metric(up.port, cancelled, before + 1));
    T_ASSERT(test_wait_model_status_int(up.port, "endless", "active", 0));
}

int main(void)
{
    if (test_env_init(&up) != 0 || test_env_init(&gw) != 0)
        return 1;
    const char *tiny[] = {"--preset", "tiny", "--type", "q8_0", NULL};
    const char *endless[] = {"--preset", "tiny", "--never-stop", "--ctx", "8192", NULL};
    if (test_make_model(up.models, "tiny", tiny) != 0 ||
        test_make_model(up.models, "endless", endless) != 0) {
        printf("Bail out! switchyard-make-model failed\n");
        return 1;
    }
    setenv("SWITCHYARD_API_KEY", UPSTREAM_KEY, 1);
    if (test_server_start(&up, NULL) != 0) {
        printf("Bail out! the upstream did not start\n");
        return 1;
    }
    unsetenv("SWITCHYARD_API_KEY");
    http_client_set_header(up.port, "Authorization: Bearer " UPSTREAM_KEY "\r\n");
    setenv("SY_TEST_UP_KEY", UPSTREAM_KEY, 1);
    setenv("SY_TEST_WRONG_KEY", "not-the-key", 1);
    char providers[1536];
    snprintf(providers, sizeof providers,
             "[{\"name\":\"up\",\"kind\":\"openai\",\"base_url\":\"http://127.0.0.1:%d/v1/\","
             "\"api_key_env\":\"SY_TEST_UP_KEY\",\"aliases\":{\"fast\":\"tiny\"},"
             "\"audio\":{\"tts-1\":{\"task\":\"text-to-speech\"},"
             "\"whisper-1\":{\"task\":\"automatic-speech-recognition\"}}},"
             "{\"name\":\"wrongkey\",\"kind\":\"openai\",\"base_url\":\"http://127.0.0.1:%d/v1\","
             "\"api_key_env\":\"SY_TEST_WRONG_KEY\"},"
             "{\"name\":\"down\",\"kind\":\"openai\",\"base_url\":\"http://127.0.0.1:1/v1\","
             "\"connect_timeout\":2},"
             "{\"name\":\"ol\",\"kind\":\"ollama\",\"base_url\":\"http://127.0.0.1:%d\","
             "\"api_key_env\":\"SY_TEST_UP_KEY\"},"
             "{\"name\":\"hfr\",\"kind\":\"hf\",\"base_url\":\"http://127.0.0.1:%d\","
             "\"api_key_env\":\"SY_TEST_UP_KEY\"}]",
             up.port, up.port, up.port, up.port);
    const char *args[] = {"--providers", providers, "--log-level", "debug", NULL};
    if (test_server_start(&gw, args) != 0) {
        printf("Bail out! the gateway did not start\n");
        return 1;
    }
    T_RUN(test_listing);
    T_RUN(test_same_answer);
    T_RUN(test_streams_in_every_dialect);
    T_RUN(test_errors_keep_their_meaning);
    T_RUN(test_provider_health);
    T_RUN(test_ollama_kind);
    T_RUN(test_hf_kind_chats_through_v1);
    T_RUN(test_speech_relayed);
    T_RUN(test_options_schemas);
    T_RUN(test_nul_in_generated_text);
    T_RUN(test_embeddings_relayed);
    T_RUN(test_hang_up_cancels_upstream);
    T_EQ_INT(test_server_stop(&gw), 0);
    T_EQ_INT(test_server_stop(&up), 0);
    test_env_cleanup(&gw);
    test_env_cleanup(&up);
    return t_done();
}
