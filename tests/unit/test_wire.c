/* test_wire.c -- the exact bytes Switchyard sends: OpenAI chunks, task-API
 * events, error bodies and statuses, and the worker frame codec. */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/api_error.h"
#include "api/call.h"
#include "api/openai_common.h"
#include "api/sse.h"
#include "api/task.h"
#include "engines/frame.h"
#include "t.h"
#include "util/limits.h"

/* A call as the engine would leave it, without a server around it. */
static void fake_call(struct call *c, struct openai_opts *opts, const char *generated)
{
    memset(c, 0, sizeof *c);
    request_init(&c->req);
    snprintf(c->req.model, sizeof c->req.model, "tiny");
    snprintf(c->id, sizeof c->id, "chatcmpl-1");
    snprintf(c->model.id, sizeof c->model.id, "tiny");
    snprintf(c->model.backend, sizeof c->model.backend, "llama.cpp");
    c->created = 1700000000;
    c->surface = opts;
    c->usage.prompt_tokens = 5;
    c->usage.completion_tokens = 2;
    c->usage.cached_tokens = 3;
    c->finish = SY_FINISH_LENGTH;
    buf_init(&c->text, 1 << 20);
    buf_append_str(&c->text, generated, NULL);
}

static void test_openai_chat_stream_bytes(void)
{
    struct openai_opts opts = {.include_usage = true};
    struct call c;
    fake_call(&c, &opts, "Hi");
    struct sy_buf out;
    buf_init(&out, 1 << 20);
    T_EQ_INT(openai_chat_encoder.stream_start(&c, &out), SY_OK);
    T_EQ_INT(openai_chat_encoder.stream_token(&c, "H\"i", 3, &out), SY_OK);
    T_EQ_INT(openai_chat_encoder.stream_done(&c, &out), SY_OK);
    const char *want =
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
        "\"model\":\"tiny\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
        "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
        "\"model\":\"tiny\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"H\\\"i\"},"
        "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
        "\"model\":\"tiny\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,"
        "\"finish_reason\":\"length\"}],\"usage\":null}\n\n"
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
        "\"model\":\"tiny\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,"
        "\"total_tokens\":7,\"prompt_tokens_details\":{\"cached_tokens\":3}}}\n\n"
        "data: [DONE]\n\n";
    T_EQ_STR(out.data, want);
    buf_cleanup(&out);
    buf_cleanup(&c.text);
}

static void test_openai_chat_complete_body(void)
{
    struct openai_opts opts = {0};
    struct call c;
    fake_call(&c, &opts, "Hello");
    c.finish = SY_FINISH_STOP;
    json_t *body = openai_chat_encoder.complete(&c);
    char *text = json_dumps(body, JSON_COMPACT);
    T_EQ_STR(text,
             "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,"
             "\"model\":\"tiny\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
             "\"content\":\"Hello\"},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
             "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7,"
             "\"prompt_tokens_details\":{\"cached_tokens\":3}}}");
    free(text);
    json_decref(body);
    buf_cleanup(&c.text);
}

static void test_completion_echo(void)
{
    struct openai_opts opts = {0};
    struct call c;
    fake_call(&c, &opts, " world");
    c.req.prompt = strdup("Hello");
    c.req.settings.return_full_text = true;
    json_t *body = openai_completion_encoder.complete(&c);
    T_EQ_STR(json_string_value(json_object_get(
                 json_array_get(json_object_get(body, "choices"), 0), "text")),
             "Hello world");
    json_decref(body);
    buf_cleanup(&c.text);
    request_cleanup(&c.req);
}

static void test_task_events(void)
{
    struct call c;
    fake_call(&c, NULL, "ok");
    struct sy_buf out;
    buf_init(&out, 1 << 20);
    T_EQ_INT(task_encoder.stream_token(&c, "ok", 2, &out), SY_OK);
    T_EQ_STR(out.data, "event: token\ndata: {\"text\":\"ok\",\"v\":1,\"type\":\"token\"}\n\n");
    buf_reset(&out);
    struct sy_err e;
    sy_errp(&e, SY_EENGINE, "", "the engine died");
    T_EQ_INT(task_encoder.stream_error(&c, &e, &out), SY_OK);
    T_EQ_STR(out.data, "event: error\ndata: {\"code\":\"engine_failed\",\"message\":\"the engine "
                       "died\",\"details\":{\"status\":502,\"param\":null},\"v\":1,\"type\":\"error\"}\n\n");
    buf_cleanup(&out);
    buf_cleanup(&c.text);
}

static void test_error_bodies_and_statuses(void)
{
    struct sy_err e;
    sy_errp(&e, SY_ENOTFOUND, "model", "model 'x' not found");
    json_t *body = api_error_body(&e);
    char *text = json_dumps(body, JSON_COMPACT);
    T_EQ_STR(text, "{\"error\":{\"message\":\"model 'x' not found\",\"type\":\"not_found_error\","
                   "\"code\":\"model_not_found\",\"param\":\"model\"}}");
    free(text);
    json_decref(body);
    T_EQ_INT(api_status(SY_EINVAL), 400);
    T_EQ_INT(api_status(SY_ECONTEXT), 400);
    T_EQ_INT(api_status(SY_EUNSUPPORTED), 422);
    T_EQ_INT(api_status(SY_ETOOLARGE), 413);
    T_EQ_INT(api_status(SY_EMEDIA), 415);
    T_EQ_INT(api_status(SY_EBUSY), 429);
    T_EQ_INT(api_status(SY_EENGINE), 502);
    T_EQ_INT(api_status(SY_ELOADING), 503);
    T_EQ_INT(api_status(SY_EINTERNAL), 500);
}

static void test_frames(void)
{
    int sv[2];
    T_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    json_t *msg = json_pack("{s:s, s:I, s:s%}", "type", "token", "id", (json_int_t)7, "text",
                            "a\0b", (size_t)3);
    T_EQ_INT(frame_write_json(sv[0], msg, NULL), SY_OK);
    json_decref(msg);
    json_t *got = NULL;
    T_EQ_INT(frame_read_json(sv[1], &got, NULL), SY_OK);
    T_EQ_STR(frame_type(got), "token");
    T_EQ_INT(json_string_length(json_object_get(got, "text")), 3); /* NUL survives */
    json_decref(got);

    /* A length over the limit is refused before anything is allocated. */
    unsigned char huge[4] = {0xFF, 0xFF, 0xFF, 0xFF};
    T_REQUIRE(write(sv[0], huge, 4) == 4);
    struct sy_err err;
    T_EQ_INT(frame_read_json(sv[1], &got, &err), SY_EIO);

    /* Not JSON, or JSON without a type. */
    unsigned char bad[] = {0, 0, 0, 3, 'x', 'y', 'z'};
    T_REQUIRE(write(sv[0], bad, sizeof bad) == (ssize_t)sizeof bad);
    T_EQ_INT(frame_read_json(sv[1], &got, &err), SY_EINVAL);
    unsigned char untyped[] = {0, 0, 0, 2, '{', '}'};
    T_REQUIRE(write(sv[0], untyped, sizeof untyped) == (ssize_t)sizeof untyped);
    T_EQ_INT(frame_read_json(sv[1], &got, &err), SY_EINVAL);

    /* A clean close between frames is EOF; in the middle of one, an error. */
    unsigned char half[] = {0, 0, 0, 9, '{'};
    T_REQUIRE(write(sv[0], half, sizeof half) == (ssize_t)sizeof half);
    close(sv[0]);
    T_EQ_INT(frame_read_json(sv[1], &got, &err), SY_EIO);
    T_EQ_INT(frame_read_json(sv[1], &got, &err), SY_EEOF);
    close(sv[1]);
}

int main(void)
{
    T_RUN(test_openai_chat_stream_bytes);
    T_RUN(test_openai_chat_complete_body);
    T_RUN(test_completion_echo);
    T_RUN(test_task_events);
    T_RUN(test_error_bodies_and_statuses);
    T_RUN(test_frames);
    return t_done();
}
