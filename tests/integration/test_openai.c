/* test_openai.c -- the OpenAI surface against the real server and a real
 * llama.cpp worker running generated models.
 *
 * Models: "tiny" (ChatML template) and "base" (no template), written by
 * switchyard-make-model into a temporary models directory. */
#include <stdlib.h>
#include <string.h>

#include "http_client.h"
#include "t.h"
#include "test_server.h"
#include "util/utf8.h"

static struct test_server srv;

/* ---- helpers ---------------------------------------------------------------------------- */

static json_t *chat_body(const char *model, int max_tokens, bool stream)
{
    return json_pack("{s:s, s:[{s:s, s:s}], s:i, s:i, s:b}", "model", model, "messages", "role",
                     "user", "content", "Say something.", "max_tokens", max_tokens, "temperature",
                     0, "stream", stream);
}

/* Posts body; checks status; returns the error object's field or NULL. */
static void expect_error(json_t *body, const char *path, int status, const char *param,
                         const char *code)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_t *resp = NULL;
    int got = http_post_json(srv.port, path, body, &resp);
    if (got != status)
        printf("#   %s -> %d (want %d)\n", text, got, status);
    T_EQ_INT(got, status);
    json_t *err = json_object_get(resp, "error");
    T_ASSERT(json_is_string(json_object_get(err, "message")));
    T_ASSERT(json_is_string(json_object_get(err, "type")));
    if (param)
        T_EQ_STR(json_string_value(json_object_get(err, "param")), param);
    if (code)
        T_EQ_STR(json_string_value(json_object_get(err, "code")), code);
    free(text);
    json_decref(resp);
}

/* Concatenates the text of every chunk of a chat (delta.content) or
 * completion (text) stream; checks the invariants every chunk must hold. */
static char *stream_text(json_t *events, const char *object, const char **finish,
                         json_t **usage_chunk, bool *saw_done)
{
    struct sy_buf text;
    buf_init(&text, 1 << 24);
    buf_append(&text, "", 0, NULL);
    const char *id = NULL;
    json_int_t created = -1;
    *finish = NULL;
    *usage_chunk = NULL;
    *saw_done = false;
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        const char *raw = json_string_value(json_object_get(ev, "raw"));
        T_ASSERT(utf8_valid(raw, strlen(raw)));
        if (strcmp(raw, "[DONE]") == 0) {
            *saw_done = true;
            T_EQ_INT(i, json_array_size(events) - 1); /* [DONE] is last */
            continue;
        }
        json_t *chunk = json_object_get(ev, "json");
        T_ASSERT(json_is_object(chunk));
        if (!json_is_object(chunk))
            continue;
        T_EQ_STR(json_string_value(json_object_get(chunk, "object")), object);
        if (!id)
            id = json_string_value(json_object_get(chunk, "id"));
        T_EQ_STR(json_string_value(json_object_get(chunk, "id")), id);
        json_int_t c = json_integer_value(json_object_get(chunk, "created"));
        if (created < 0)
            created = c;
        T_EQ_INT(c, created);
        json_t *choices = json_object_get(chunk, "choices");
        if (json_array_size(choices) == 0) {
            *usage_chunk = chunk;
            continue;
        }
        json_t *choice = json_array_get(choices, 0);
        const char *piece = strcmp(object, "chat.completion.chunk") == 0
                                ? jstr(json_object_get(json_object_get(choice, "delta"), "content"))
                                : jstr(json_object_get(choice, "text"));
        if (piece)
            buf_append_str(&text, piece, NULL);
        const char *f = json_string_value(json_object_get(choice, "finish_reason"));
        if (f)
            *finish = f;
    }
    return buf_detach(&text, NULL);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_models(void)
{
    json_t *list = NULL;
    /* Everything: the two files and the two built-in speech models. */
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models", NULL, &list), 200);
    T_EQ_INT(json_array_size(json_object_get(list, "data")), 4);
    json_decref(list);
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models?type=chat", NULL, &list), 200);
    T_EQ_STR(json_string_value(json_object_get(list, "object")), "list");
    json_t *data = json_object_get(list, "data");
    T_EQ_INT(json_array_size(data), 2);
    size_t i;
    json_t *m;
    bool saw_tiny = false;
    json_array_foreach(data, i, m) {
        T_EQ_STR(json_string_value(json_object_get(m, "object")), "model");
        T_EQ_STR(json_string_value(json_object_get(m, "type")), "chat");
        T_EQ_STR(json_string_value(json_object_get(m, "owned_by")), "local");
        T_EQ_INT(json_integer_value(json_object_get(m, "contextLength")), 2048);
        T_ASSERT(json_is_string(json_object_get(m, "name")));
        T_ASSERT(json_is_string(json_object_get(m, "description")));
        json_t *caps = json_object_get(m, "capabilities");
        bool chat = json_is_true(json_object_get(caps, "chat"));
        if (strcmp(json_string_value(json_object_get(m, "id")), "tiny") == 0) {
            saw_tiny = true;
            T_ASSERT(chat);
            T_EQ_STR(json_string_value(json_object_get(m, "architecture")), "llama");
            T_ASSERT(json_integer_value(json_object_get(m, "parameter_count")) > 0);
        } else {
            T_EQ_STR(json_string_value(json_object_get(m, "id")), "base");
            T_ASSERT(!chat);
        }
    }
    T_ASSERT(saw_tiny);
    json_decref(list);

    T_EQ_INT(http_json(srv.port, "GET", "/v1/models?type=chat", NULL, &list), 200);
    T_EQ_INT(json_array_size(json_object_get(list, "data")), 2);
    json_decref(list);
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models?type=image", NULL, &list), 200);
    T_EQ_INT(json_array_size(json_object_get(list, "data")), 0);
    json_decref(list);
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models?type=bogus", NULL, &list), 400);
    T_EQ_STR(json_string_value(json_object_get(json_object_get(list, "error"), "param")), "type");
    json_decref(list);

    T_EQ_INT(http_json(srv.port, "GET", "/v1/models/tiny", NULL, &list), 200);
    T_EQ_STR(json_string_value(json_object_get(list, "id")), "tiny");
    json_decref(list);
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models/nope", NULL, &list), 404);
    json_t *err = json_object_get(list, "error");
    T_EQ_STR(json_string_value(json_object_get(err, "code")), "model_not_found");
    T_CONTAINS(json_string_value(json_object_get(err, "message")), "tiny");
    json_decref(list);
}

static void test_chat_stream_matches_non_stream(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(srv.port, "/v1/chat/completions", chat_body("tiny", 24, false), &resp),
             200);
    T_EQ_STR(json_string_value(json_object_get(resp, "object")), "chat.completion");
    T_ASSERT(strncmp(json_string_value(json_object_get(resp, "id")), "chatcmpl-", 9) == 0);
    json_t *choice = json_array_get(json_object_get(resp, "choices"), 0);
    json_t *message = json_object_get(choice, "message");
    T_EQ_STR(json_string_value(json_object_get(message, "role")), "assistant");
    char *text = jstr_dup(json_object_get(message, "content"));
    const char *finish = json_string_value(json_object_get(choice, "finish_reason"));
    T_REQUIRE(text && finish);
    json_t *usage = json_object_get(resp, "usage");
    json_int_t completion = json_integer_value(json_object_get(usage, "completion_tokens"));
    json_int_t prompt = json_integer_value(json_object_get(usage, "prompt_tokens"));
    T_ASSERT(prompt > 0);
    T_ASSERT(completion >= 1 && completion <= 24);
    T_EQ_INT(json_integer_value(json_object_get(usage, "total_tokens")), prompt + completion);
    if (strcmp(finish, "length") == 0)
        T_EQ_INT(completion, 24);
    else
        T_EQ_STR(finish, "stop");

    json_t *body = chat_body("tiny", 24, true);
    json_object_set_new(body, "stream_options", json_pack("{s:b}", "include_usage", 1));
    json_t *events = NULL;
    bool complete;
    T_EQ_INT(http_stream_collect(srv.port, "/v1/chat/completions", body, &events, &complete), 200);
    T_ASSERT(complete);
    T_REQUIRE(json_array_size(events) >= 3);
    /* The first chunk carries the role and no text. */
    json_t *first = json_object_get(json_array_get(events, 0), "json");
    json_t *delta = json_object_get(json_array_get(json_object_get(first, "choices"), 0), "delta");
    T_EQ_STR(json_string_value(json_object_get(delta, "role")), "assistant");
    const char *sfinish;
    json_t *usage_chunk;
    bool saw_done;
    char *streamed = stream_text(events, "chat.completion.chunk", &sfinish, &usage_chunk, &saw_done);
    T_EQ_STR(streamed, text);
    T_EQ_STR(sfinish, finish);
    T_ASSERT(saw_done);
    T_REQUIRE(usage_chunk);
    json_t *susage = json_object_get(usage_chunk, "usage");
    T_EQ_INT(json_integer_value(json_object_get(susage, "completion_tokens")), completion);
    T_EQ_INT(json_integer_value(json_object_get(susage, "prompt_tokens")), prompt);
    free(streamed);
    free(text);
    json_decref(events);
    json_decref(resp);
}

static void test_completions(void)
{
    json_t *body = json_pack("{s:s, s:s, s:i, s:i}", "model", "base", "prompt", "Once upon",
                             "max_tokens", 16, "temperature", 0);
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(srv.port, "/v1/completions", json_deep_copy(body), &resp), 200);
    T_EQ_STR(json_string_value(json_object_get(resp, "object")), "text_completion");
    json_t *choice = json_array_get(json_object_get(resp, "choices"), 0);
    char *text = jstr_dup(json_object_get(choice, "text"));
    const char *finish = json_string_value(json_object_get(choice, "finish_reason"));
    T_REQUIRE(text && finish);

    json_object_set_new(body, "stream", json_true());
    json_t *events = NULL;
    bool complete;
    T_EQ_INT(http_stream_collect(srv.port, "/v1/completions", json_deep_copy(body), &events,
                                 &complete),
             200);
    const char *sfinish;
    json_t *usage_chunk;
    bool saw_done;
    char *streamed = stream_text(events, "text_completion", &sfinish, &usage_chunk, &saw_done);
    T_EQ_STR(streamed, text);
    T_EQ_STR(sfinish, finish);
    T_ASSERT(saw_done && !usage_chunk);
    free(streamed);
    json_decref(events);

    /* echo: the prompt comes back in front of the same completion. */
    json_object_set_new(body, "stream", json_false());
    json_object_set_new(body, "echo", json_true());
    json_t *echoed = NULL;
    T_EQ_INT(http_post_json(srv.port, "/v1/completions", body, &echoed), 200);
    const char *etext =
        jstr(json_object_get(json_array_get(json_object_get(echoed, "choices"), 0), "text"));
    char want[4096];
    snprintf(want, sizeof want, "Once upon%s", text);
    T_EQ_STR(etext, want);
    json_decref(echoed);
    json_decref(resp);
    free(text);
}

/* Greedy text for a completion prompt. */
static char *greedy_completion(const char *model, const char *prompt, int max_tokens, json_t *stop,
                               const char **finish_out)
{
    json_t *body = json_pack("{s:s, s:s, s:i, s:i}", "model", model, "prompt", prompt,
                             "max_tokens", max_tokens, "temperature", 0);
    if (stop)
        json_object_set_new(body, "stop", stop);
    json_t *resp = NULL;
    int status = http_post_json(srv.port, "/v1/completions", body, &resp);
    json_t *choice = json_array_get(json_object_get(resp, "choices"), 0);
    const char *text = jstr(json_object_get(choice, "text"));
    char *copy = status == 200 && text ? strdup(text) : NULL;
    static char finish[16];
    snprintf(finish, sizeof finish, "%s",
             json_string_value(json_object_get(choice, "finish_reason")) ?: "");
    if (finish_out)
        *finish_out = finish;
    json_decref(resp);
    return copy;
}

static void test_stop_sequences(void)
{
    const char *finish;
    char *full = greedy_completion("base", "The weather", 48, NULL, &finish);
    T_REQUIRE(full);
    /* Stop at the second character (or later), whatever it is, except U+FFFD:
     * those stand for invalid bytes and are not text the model "said". */
    char stop[8] = {0};
    const unsigned char *p = (const unsigned char *)full;
    size_t first_len = p[0] < 0x80 ? 1 : p[0] < 0xE0 ? 2 : p[0] < 0xF0 ? 3 : 4;
    for (size_t i = p[0] ? first_len : 0; p[i];) {
        size_t len = p[i] < 0x80 ? 1 : p[i] < 0xE0 ? 2 : p[i] < 0xF0 ? 3 : 4;
        if (strncmp((const char *)p + i, "\\u0000", 6) == 0) { /* jstr's mark for a NUL byte */
            i += 6;
            continue;
        }
        if (strncmp((const char *)p + i, "\xEF\xBF\xBD", 3) != 0) {
            memcpy(stop, p + i, len);
            break;
        }
        i += len;
    }
    T_REQUIRE(stop[0]); /* 48 greedy tokens of nothing but U+FFFD would be a broken sampler */
    size_t at = (size_t)(strstr(full, stop) - full);
    char *cut = greedy_completion("base", "The weather", 48, json_pack("[s]", stop), &finish);
    T_REQUIRE(cut);
    T_EQ_INT(strlen(cut), at);
    T_ASSERT(strncmp(cut, full, at) == 0);
    T_EQ_STR(finish, "stop");
    free(cut);
    free(full);
}

static void test_max_tokens_and_seed(void)
{
    const char *finish;
    char *a = greedy_completion("base", "Count:", 5, NULL, &finish);
    T_REQUIRE(a);
    T_ASSERT(strcmp(finish, "length") == 0 || strcmp(finish, "stop") == 0);

    json_t *sampled = json_pack("{s:s, s:s, s:i, s:f, s:i}", "model", "base", "prompt", "Count:",
                                "max_tokens", 24, "temperature", 1.0, "seed", 42);
    json_t *r1 = NULL, *r2 = NULL, *r3 = NULL;
    T_EQ_INT(http_post_json(srv.port, "/v1/completions", json_deep_copy(sampled), &r1), 200);
    T_EQ_INT(http_post_json(srv.port, "/v1/completions", json_deep_copy(sampled), &r2), 200);
    json_object_set_new(sampled, "seed", json_integer(43));
    T_EQ_INT(http_post_json(srv.port, "/v1/completions", sampled, &r3), 200);
    const char *t1 = jstr(json_object_get(json_array_get(json_object_get(r1, "choices"), 0), "text"));
    const char *t2 = jstr(json_object_get(json_array_get(json_object_get(r2, "choices"), 0), "text"));
    const char *t3 = jstr(json_object_get(json_array_get(json_object_get(r3, "choices"), 0), "text"));
    T_REQUIRE(t1 && t2 && t3);
    T_EQ_STR(t1, t2);
    T_ASSERT(strcmp(t1, t3) != 0); /* 24 sampled tokens of a random model: equal only by freak chance */
    json_t *usage = json_object_get(r1, "usage");
    T_ASSERT(json_integer_value(json_object_get(usage, "completion_tokens")) <= 24);
    json_decref(r1);
    json_decref(r2);
    json_decref(r3);
    free(a);
}

static void test_validation_errors(void)
{
    const char *chat = "/v1/chat/completions";
    json_t *b;
    b = chat_body("tiny", 8, false);
    json_object_set_new(b, "temperature", json_real(2.5));
    expect_error(b, chat, 400, "temperature", "invalid_value");
    b = chat_body("tiny", 8, false);
    json_object_set_new(b, "top_p", json_integer(0));
    expect_error(b, chat, 400, "top_p", "invalid_value");
    expect_error(chat_body("tiny", 0, false), chat, 400, "max_tokens", "invalid_value");
    b = chat_body("tiny", 8, false);
    json_object_set_new(b, "top_k", json_integer(-1));
    expect_error(b, chat, 400, "top_k", "invalid_value");
    b = chat_body("tiny", 8, false);
    json_object_set_new(b, "max_completion_tokens", json_integer(9));
    expect_error(b, chat, 400, "max_completion_tokens", "invalid_value");
    b = chat_body("tiny", 8, false);
    json_object_set_new(b, "stop", json_integer(3));
    expect_error(b, chat, 400, "stop", "invalid_value");
    b = chat_body("tiny", 8, false);
    json_object_set_new(b, "bogus", json_true());
    expect_error(b, chat, 400, "bogus", NULL);
    b = chat_body("tiny", 8, false);
    json_object_del(b, "messages");
    expect_error(b, chat, 400, "messages", NULL);
    b = chat_body("tiny", 8, false);
    json_object_del(b, "model");
    expect_error(b, chat, 400, "model", NULL);
    b = json_pack("{s:s, s:[{s:s, s:s}]}", "model", "tiny", "messages", "role", "wizard", "content",
                  "hi");
    expect_error(b, chat, 400, "messages[0].role", NULL);
    b = chat_body("tiny", 8, false);
    json_object_set_new(b, "stream_options", json_pack("{s:b}", "include_usage", 1));
    expect_error(b, chat, 400, "stream_options", NULL);
    b = chat_body("tiny", 8, false);
    json_object_set_new(b, "n", json_integer(2));
    expect_error(b, chat, 422, "n", "not_supported");
    b = chat_body("tiny", 8, false);
    json_object_set_new(b, "tools", json_pack("[{s:s}]", "type", "function"));
    expect_error(b, chat, 422, "tools", "not_supported");
    /* Chat needs a chat template. */
    expect_error(chat_body("base", 8, false), chat, 422, "messages", "not_supported");
    /* Unknown models list what exists. */
    expect_error(chat_body("nope", 8, false), chat, 404, "model", "model_not_found");
    expect_error(chat_body("nope:thing", 8, false), chat, 404, "model", "model_not_found");
}

static void test_context_length(void)
{
    char prompt[4001];
    for (size_t i = 0; i < sizeof prompt - 1; i++)
        prompt[i] = (char)('a' + (i * 7) % 26);
    prompt[sizeof prompt - 1] = '\0';
    json_t *b = json_pack("{s:s, s:s, s:i}", "model", "base", "prompt", prompt, "max_tokens", 4);
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(srv.port, "/v1/completions", b, &resp), 400);
    json_t *err = json_object_get(resp, "error");
    T_EQ_STR(json_string_value(json_object_get(err, "code")), "context_length_exceeded");
    T_CONTAINS(json_string_value(json_object_get(err, "message")), "512");
    json_decref(resp);

    /* A short prompt that asks for more tokens than the context holds. */
    b = json_pack("{s:s, s:s, s:i}", "model", "base", "prompt", "hi", "max_tokens", 5000);
    T_EQ_INT(http_post_json(srv.port, "/v1/completions", b, &resp), 400);
    err = json_object_get(resp, "error");
    T_EQ_STR(json_string_value(json_object_get(err, "code")), "context_length_exceeded");
    json_decref(resp);

    /* Streaming requests fail the same way: before the stream starts. */
    b = json_pack("{s:s, s:s, s:i, s:b}", "model", "base", "prompt", prompt, "max_tokens", 4,
                  "stream", 1);
    json_t *events = NULL;
    bool complete;
    T_EQ_INT(http_stream_collect(srv.port, "/v1/completions", b, &events, &complete), 400);
    T_EQ_STR(json_string_value(json_object_get(json_object_get(events, "error"), "code")),
             "context_length_exceeded");
    json_decref(events);
}

int main(void)
{
    if (test_env_init(&srv) != 0)
        return 1;
    const char *tiny[] = {"--preset", "tiny", "--type", "q8_0", NULL};
    const char *base[] = {"--preset", "tiny", "--type", "f16", "--no-chat-template", "--seed", "7",
                          NULL};
    if (test_make_model(srv.models, "tiny", tiny) != 0 ||
        test_make_model(srv.models, "base", base) != 0) {
        printf("Bail out! switchyard-make-model failed\n");
        return 1;
    }
    const char *args[] = {"--slots", "2", "--context-size", "512", NULL};
    if (test_server_start(&srv, args) != 0) {
        printf("Bail out! the server did not start\n");
        return 1;
    }
    T_RUN(test_models);
    T_RUN(test_chat_stream_matches_non_stream);
    T_RUN(test_completions);
    T_RUN(test_stop_sequences);
    T_RUN(test_max_tokens_and_seed);
    T_RUN(test_validation_errors);
    T_RUN(test_context_length);
    int stopped = test_server_stop(&srv);
    if (stopped != 0)
        printf("# server exit status %d\n", stopped);
    T_EQ_INT(stopped, 0);
    test_env_cleanup(&srv);
    return t_done();
}
