/* test_faults.c -- named calls made to fail (SWITCHYARD_FAULTS, compiled into
 * the test build only: src/util/fault.h), and the server staying whole:
 *  - a worker that cannot be started fails its request with a clear error,
 *    and the next request starts one and is answered;
 *  - a run history that cannot be written costs the history its row, not the
 *    client its answer, and says so in the log;
 *  - an upstream that cannot be reached fails one relayed request with 502
 *    naming the provider; the next one goes through;
 *  - a worker that goes silent with a request open is killed after
 *    worker_stall_timeout (2 s here), its request fails saying so, and the
 *    next request restarts the model;
 *  - a download that meets a full disk fails with 507 and keeps what it
 *    wrote; the next pull, with room again, resumes it in the same server,
 *    and the model runs by its repository id;
 *  - the socket to a worker breaks when the server writes to it, or when it
 *    reads from it (a server of their own each): the request fails with 502
 *    saying the engine ended, and the next request is answered by a new one;
 *  - every SQLite statement fails (a disk gone bad; a server of its own):
 *    inference still answers and the log says its row was lost, the run
 *    history answers 500 saying why, and Hub answers still come from the Hub
 *    with the cache failure logged.
 * Fault counters are per process: "worker.stall:4" is the fourth generation
 * the first worker is given (the tests above give it three). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_client.h"
#include "hub_server.h"
#include "t.h"
#include "test_server.h"

static struct test_server srv; /* with faults */
static struct test_server up;  /* an upstream without any */
static struct hub_server *hub;
static char hub_cache[700], hub_file[900], hub_url[64];

#define HUB_REPO "test-org/tiny-GGUF"

static json_t *chat(const char *model)
{
    return json_pack("{s:s, s:[{s:s, s:s}], s:i}", "model", model, "messages", "role", "user",
                     "content", "Hi", "max_tokens", 4);
}

/* Asks tiny at s until a worker answers: the next request starts one, after
 * the restart back-off (which may first answer 503 with Retry-After). A net
 * against hanging: 120 tries. Returns the last status. */
static int chat_after_restart_at(struct test_server *s)
{
    int status = 0;
    for (int i = 0; i < 120 && status != 200; i++) {
        json_t *resp = NULL;
        status = http_post_json(s->port, "/v1/chat/completions", chat("tiny"), &resp);
        json_decref(resp);
        if (status != 200)
            sleep(1);
    }
    return status;
}

static int chat_after_restart(void)
{
    return chat_after_restart_at(&srv);
}

static void test_worker_spawn_fails_once(void)
{
    json_t *resp = NULL;
    int status = http_post_json(srv.port, "/v1/chat/completions", chat("tiny"), &resp);
    const char *msg = jstr(json_object_get(json_object_get(resp, "error"), "message"));
    if (status < 500 || !msg || !strstr(msg, "injected"))
        printf("#   got %d: %s\n", status, msg ? msg : "(no message)");
    T_ASSERT(status >= 500);
    T_ASSERT(msg && strstr(msg, "injected") != NULL);
    json_decref(resp);
    T_EQ_INT(chat_after_restart(), 200);
}

static void test_history_write_fails_once(void)
{
    json_t *body = json_pack("{s:s, s:{s:s}, s:{s:i}}", "model_id", "tiny", "inputs", "text",
                             "Keep me", "settings", "max_new_tokens", 4);
    json_t *first = NULL, *second = NULL;
    T_EQ_INT(http_post_json(srv.port, "/api/inference", json_deep_copy(body), &first), 200);
    T_ASSERT(json_is_string(json_object_get(
        json_object_get(json_object_get(first, "result"), "task_output"), "text")));
    T_EQ_INT(http_post_json(srv.port, "/api/inference", body, &second), 200);
    /* The second run's row is written once its exchange closes; by then the
     * first's failure is in the log. */
    T_EQ_INT(test_run_status_eventually(&srv, jstr(json_object_get(second, "id"))), 200);
    T_EQ_INT(test_run_status(&srv, jstr(json_object_get(first, "id"))), 404);
    T_ASSERT(test_server_log_contains(&srv, "the run itself was not affected"));
    json_decref(first);
    json_decref(second);
}

static void test_upstream_connect_fails_once(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(srv.port, "/v1/chat/completions", chat("up:tiny"), &resp), 502);
    const char *msg = jstr(json_object_get(json_object_get(resp, "error"), "message"));
    T_ASSERT(strstr(msg, "provider 'up'") && strstr(msg, "injected"));
    json_decref(resp);
    T_EQ_INT(http_post_json(srv.port, "/v1/chat/completions", chat("up:tiny"), &resp), 200);
    json_decref(resp);
    struct http_response r;
    T_REQUIRE(http_request(srv.port, "GET", "/health", NULL, NULL, &r) == 0);
    T_EQ_INT(r.status, 200);
    http_response_cleanup(&r);
}

static void test_silent_worker_is_killed(void)
{
    json_t *resp = NULL;
    int status = http_post_json(srv.port, "/v1/chat/completions", chat("tiny"), &resp);
    const char *msg = jstr(json_object_get(json_object_get(resp, "error"), "message"));
    if (status != 502 || !msg || !strstr(msg, "said nothing for 2 s"))
        printf("#   got %d: %s\n", status, msg ? msg : "(no message)");
    T_EQ_INT(status, 502);
    T_ASSERT(msg && strstr(msg, "said nothing for 2 s") != NULL);
    json_decref(resp);
    T_EQ_INT(chat_after_restart(), 200);
}

static json_t *pull_request(void)
{
    return json_pack("{s:s, s:b}", "model", HUB_REPO, "stream", 0);
}

static void test_disk_full_during_pull(void)
{
    /* pull.write:2: the second chunk written meets a full disk. */
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(srv.port, "/api/models/pull", pull_request(), &resp), 507);
    json_t *error = json_object_get(resp, "error");
    T_EQ_STR(jstr(json_object_get(error, "code")), "insufficient_storage");
    T_CONTAINS(jstr(json_object_get(error, "message")), "No space left on device");
    T_CONTAINS(jstr(json_object_get(error, "message")), "pull again to resume");
    json_decref(resp);
    char sha[65], partial[1200], blob[1200];
    T_REQUIRE(hub_sha256_file(hub_file, sha));
    snprintf(partial, sizeof partial, "%s/models--test-org--tiny-GGUF/blobs/%s.incomplete",
             hub_cache, sha);
    struct stat st;
    T_ASSERT(stat(partial, &st) == 0 && st.st_size > 0); /* the first chunk is kept */

    /* Room again: the same server resumes the download where the kept part
     * ends, and serves it. (Bytes the Hub counts as sent are no measure: the
     * first answer may still be draining into the closed socket.) */
    T_EQ_INT(http_post_json(srv.port, "/api/models/pull", pull_request(), &resp), 200);
    T_EQ_STR(jstr(json_object_get(resp, "status")), "success");
    json_decref(resp);
    T_EQ_INT(hub_server_last_start(hub), (uint64_t)st.st_size);
    snprintf(blob, sizeof blob, "%s/models--test-org--tiny-GGUF/blobs/%s", hub_cache, sha);
    char got[65];
    T_ASSERT(hub_sha256_file(blob, got));
    T_EQ_STR(got, sha);
    T_EQ_INT(http_post_json(srv.port, "/v1/chat/completions", chat(HUB_REPO), &resp), 200);
    json_decref(resp);
}

/* A server of its own with faults (SWITCHYARD_FAULTS) and a tiny model: its
 * first chat fails with 502 saying the worker ended; the next is answered. */
static void broken_worker_socket(const char *faults)
{
    struct test_server s;
    setenv("SWITCHYARD_FAULTS", faults, 1);
    const char *args[] = {"--log-level", "info", NULL};
    int started = test_server_start_tiny(&s, args);
    unsetenv("SWITCHYARD_FAULTS");
    T_REQUIRE(started == 0);
    json_t *resp = NULL;
    int status = http_post_json(s.port, "/v1/chat/completions", chat("tiny"), &resp);
    const char *msg = jstr(json_object_get(json_object_get(resp, "error"), "message"));
    if (status != 502 || !msg || !strstr(msg, "the engine for model 'tiny'"))
        printf("#   %s: got %d: %s\n", faults, status, msg ? msg : "(no message)");
    T_EQ_INT(status, 502);
    T_ASSERT(msg && strstr(msg, "the engine for model 'tiny'") != NULL);
    json_decref(resp);
    T_ASSERT(test_server_log_contains(&s, "(injected)"));
    T_EQ_INT(chat_after_restart_at(&s), 200);
    T_EQ_INT(test_server_stop(&s), 0);
    test_env_cleanup(&s);
}

static void test_worker_socket_breaks(void)
{
    broken_worker_socket("worker.write:1");
    broken_worker_socket("worker.read:1");
}

static void test_database_fails(void)
{
    struct test_server s;
    char cache[800];
    snprintf(cache, sizeof cache, "%s/hf-cache-db", srv.tmp);
    setenv("SWITCHYARD_FAULTS", "sqlite.step:1+", 1);
    const char *args[] = {"--log-level", "info", "--hub-url", hub_url, "--hub-cache", cache, NULL};
    int started = test_server_start_tiny(&s, args);
    unsetenv("SWITCHYARD_FAULTS");
    T_REQUIRE(started == 0);
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(s.port, "/api/inference",
                            json_pack("{s:s, s:{s:s}, s:{s:i}}", "model_id", "tiny", "inputs",
                                      "text", "Lost row", "settings", "max_new_tokens", 2),
                            &resp),
             200);
    json_decref(resp);
    /* The row is written when the exchange closes: wait for the log. */
    for (int i = 0; i < 200 && !test_server_log_contains(&s, "cannot record the run"); i++)
        usleep(20000);
    T_ASSERT(test_server_log_contains(&s, "cannot record the run: disk I/O error (injected)"));
    T_EQ_INT(http_json(s.port, "GET", "/api/runs", NULL, &resp), 500);
    T_CONTAINS(jstr(json_object_get(json_object_get(resp, "error"), "message")),
               "disk I/O error");
    json_decref(resp);
    T_EQ_INT(http_json(s.port, "GET", "/api/hub/models/" HUB_REPO, NULL, &resp), 200);
    T_EQ_STR(jstr(json_object_get(resp, "id")), HUB_REPO);
    json_decref(resp);
    T_ASSERT(test_server_log_contains(&s, "cannot keep the Hub's answer"));
    T_EQ_INT(test_server_stop(&s), 0);
    test_env_cleanup(&s);
}

int main(void)
{
    if (test_env_init(&srv) != 0 || test_env_init(&up) != 0)
        return 1;
    const char *tiny[] = {"--preset", "tiny", "--type", "q8_0", NULL};
    if (test_make_model(srv.models, "tiny", tiny) != 0 ||
        test_make_model(up.models, "tiny", tiny) != 0) {
        printf("Bail out! switchyard-make-model failed\n");
        return 1;
    }
    if (test_server_start(&up, NULL) != 0) {
        printf("Bail out! the upstream did not start\n");
        return 1;
    }
    /* A Hub on loopback with one repository, for the disk-full pull. */
    char hub_root[700], repo_dir[800];
    snprintf(hub_root, sizeof hub_root, "%s/hub-root", srv.tmp);
    snprintf(repo_dir, sizeof repo_dir, "%s/" HUB_REPO, hub_root);
    snprintf(hub_cache, sizeof hub_cache, "%s/hf-cache", srv.tmp);
    snprintf(hub_file, sizeof hub_file, "%s/tiny-Q8_0.gguf", repo_dir);
    char mkdir[900];
    snprintf(mkdir, sizeof mkdir, "mkdir -p '%s'", repo_dir);
    if (system(mkdir) != 0 || test_make_model(repo_dir, "tiny-Q8_0", tiny) != 0 ||
        !(hub = hub_server_start(hub_root))) {
        printf("Bail out! the test Hub did not start\n");
        return 1;
    }
    snprintf(hub_url, sizeof hub_url, "http://127.0.0.1:%d", hub_server_port(hub));
    char providers[256];
    snprintf(providers, sizeof providers,
             "[{\"name\":\"up\",\"kind\":\"openai\",\"base_url\":\"http://127.0.0.1:%d/v1\"}]",
             up.port);
    setenv("SWITCHYARD_FAULTS",
           "worker.spawn.llama:1,runs.write:1,upstream.connect:1,worker.stall:4,pull.write:2", 1);
    const char *args[] = {"--providers", providers, "--log-level", "info",
                          "--worker-stall-timeout", "2", "--hub-url", hub_url,
                          "--hub-cache", hub_cache, NULL};
    if (test_server_start(&srv, args) != 0) {
        printf("Bail out! the server did not start\n");
        return 1;
    }
    unsetenv("SWITCHYARD_FAULTS");
    T_RUN(test_worker_spawn_fails_once);
    T_RUN(test_history_write_fails_once);
    T_RUN(test_upstream_connect_fails_once);
    T_RUN(test_silent_worker_is_killed);
    T_RUN(test_disk_full_during_pull);
    T_RUN(test_worker_socket_breaks);
    T_RUN(test_database_fails);
    T_EQ_INT(test_server_stop(&srv), 0);
    hub_server_stop(hub);
    T_EQ_INT(test_server_stop(&up), 0);
    test_env_cleanup(&srv);
    test_env_cleanup(&up);
    return t_done();
}
