/* test_keepalive.c -- quiet streams say they are alive. With one slot and a
 * long generation holding it, a streamed request waits in the model's queue;
 * after heartbeat_interval (1 s here) of quiet its stream carries an SSE
 * comment instead of silence, and once the slot frees its tokens follow in
 * the same stream, ending as usual. A surface whose body cannot carry a comment
 * (Ollama's NDJSON) stays silent until its first line. */
#include <stdlib.h>
#include <string.h>

#include "http_client.h"
#include "model_status.h"
#include "t.h"
#include "test_server.h"

#define LONG 12000 /* tokens: the slot stays busy for many heartbeats */

static struct test_server srv;

/* Opens a non-streamed request for LONG tokens and waits until it decodes. */
static void hold_the_slot(struct http_conn *c)
{
    T_REQUIRE(http_conn_open(c, srv.port) == 0);
    json_t *request = json_pack("{s:s, s:s, s:i, s:i}", "model", "endless", "prompt", "Hold on",
                                "max_tokens", LONG, "temperature", 0);
    char *body = json_dumps(request, JSON_COMPACT);
    json_decref(request);
    T_REQUIRE(http_conn_send(c, "POST", "/v1/completions", "Content-Type: application/json\r\n",
                             body, strlen(body)) == 0);
    free(body);
    T_ASSERT(test_wait_model_status_int(srv.port, "endless", "active", 1));
}

static void test_queued_stream_hears_heartbeats(void)
{
    struct http_conn holder;
    hold_the_slot(&holder);

    struct http_conn c;
    T_REQUIRE(http_conn_open(&c, srv.port) == 0);
    /* Greedy: sampled, a control token (its logit is 0, not -inf, in a
     * --never-stop model) can still come up and end the stream early. */
    const char *body = "{\"model\":\"endless\",\"stream\":true,\"max_tokens\":4,"
                       "\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    T_REQUIRE(http_conn_send(&c, "POST", "/v1/chat/completions",
                             "Content-Type: application/json\r\n", body, strlen(body)) == 0);
    struct http_response r;
    T_REQUIRE(http_conn_read_head(&c, &r) == 0);
    T_EQ_INT(r.status, 200);
    while (!strstr(r.body.data ? r.body.data : "", ": keep-alive\n\n") &&
           http_conn_read_more(&c, &r) == 1) {
    }
    T_ASSERT(strstr(r.body.data ? r.body.data : "", ": keep-alive\n\n") != NULL);
    T_ASSERT(!strstr(r.body.data, "finish_reason\":\"length")); /* not run yet */
    T_ASSERT(test_wait_model_status_int(srv.port, "endless", "queued", 1));

    /* The slot frees (its client leaves): the waiting stream runs to its end. */
    http_conn_close(&holder);
    T_EQ_INT(http_conn_read_body(&c, &r), 0);
    if (!strstr(r.body.data, "\"finish_reason\":\"length\""))
        printf("#   the stream said: %.2000s\n", r.body.data);
    T_ASSERT(strstr(r.body.data, "\"finish_reason\":\"length\"") != NULL);
    T_ASSERT(strstr(r.body.data, "data: [DONE]") != NULL);
    http_response_cleanup(&r);
    http_conn_close(&c);
}

static void test_ndjson_stays_silent(void)
{
    struct http_conn holder;
    hold_the_slot(&holder);
    struct http_conn c;
    T_REQUIRE(http_conn_open(&c, srv.port) == 0);
    const char *body = "{\"model\":\"endless\",\"prompt\":\"Hi\",\"options\":{\"num_predict\":4}}";
    T_REQUIRE(http_conn_send(&c, "POST", "/api/generate", "Content-Type: application/json\r\n",
                             body, strlen(body)) == 0);
    T_ASSERT(test_wait_model_status_int(srv.port, "endless", "queued", 1));
    http_conn_close(&holder);
    struct http_response r;
    T_REQUIRE(http_conn_read_head(&c, &r) == 0);
    T_EQ_INT(r.status, 200);
    T_EQ_INT(http_conn_read_body(&c, &r), 0);
    /* Every line is JSON: no comment was written into the NDJSON. */
    T_ASSERT(r.body.data[0] == '{');
    T_ASSERT(!strstr(r.body.data, "keep-alive"));
    T_ASSERT(strstr(r.body.data, "\"done\":true") != NULL);
    http_response_cleanup(&r);
    http_conn_close(&c);
}

int main(void)
{
    if (test_env_init(&srv) != 0)
        return 1;
    const char *endless[] = {"--preset", "tiny", "--never-stop", "--ctx", "16384", NULL};
    if (test_make_model(srv.models, "endless", endless) != 0) {
        printf("Bail out! switchyard-make-model failed\n");
        return 1;
    }
    const char *args[] = {"--slots", "1", "--context-size", "16384", "--heartbeat-interval", "1",
                          NULL};
    if (test_server_start(&srv, args) != 0) {
        printf("Bail out! the server did not start\n");
        return 1;
    }
    T_RUN(test_queued_stream_hears_heartbeats);
    T_RUN(test_ndjson_stays_silent);
    T_EQ_INT(test_server_stop(&srv), 0);
    test_env_cleanup(&srv);
    return t_done();
}
