/* test_hub.c -- pulling models from a Hugging Face Hub (a test Hub on
 * loopback serving generated models) into the Hub cache, and running them by
 * repository id: the cache layout other tools share, the default file choice,
 * resuming an interrupted download, wrong bytes and a server that ignores
 * Range, gated repositories and where the token goes, concurrent pulls of one
 * file, errors for what is not there, and ids that try to leave the cache;
 * then the same through the server: POST /api/models/pull with progress
 * events, and DELETE /api/models/{id}; and the catalog: search across pages,
 * model info with capabilities, the SQLite cache (TTL, revalidation with
 * ETags, a corrupted row refetched), a Hub that is down. */
#include <sqlite3.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_client.h"
#include "hub_server.h"
#include "t.h"
#include "test_server.h"

#define REPO "test-org/tiny-GGUF"
#define FOLDER "models--test-org--tiny-GGUF"

static struct test_server env;
static struct hub_server *hub;
static char hub_root[512], cache[512], hub_url[64], pull_log[512];
static char q8_sha[65], f16_sha[65];
static char q8_file[1024];

/* Runs `switchyard pull <what>` against the test Hub; its output goes to pull_log. */
static int pull(const char *what)
{
    const char *argv[] = {test_env("SY_TEST_SERVER"), "pull", what, "--hub-url", hub_url,
                          "--hub-cache", cache, NULL};
    return test_run_logged(argv, pull_log);
}

static bool log_contains(const char *needle)
{
    FILE *f = fopen(pull_log, "r");
    char text[16384] = "";
    if (f) {
        size_t n = fread(text, 1, sizeof text - 1, f);
        text[n] = '\0';
        fclose(f);
    }
    if (!strstr(text, needle))
        printf("#   pull said: %s\n", text);
    return strstr(text, needle) != NULL;
}

static bool exists(const char *fmt, const char *a)
{
    char path[PATH_MAX * 2];
    snprintf(path, sizeof path, fmt, cache, a);
    struct stat st;
    return lstat(path, &st) == 0;
}

static void remove_cache(void)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache);
    T_REQUIRE(system(cmd) == 0);
}

static void test_pull_default_and_layout(void)
{
    T_EQ_INT(pull(REPO), 0);
    /* No Q4_K_M in the repository: the smallest Q8_0/Q4 file, and it says so. */
    T_ASSERT(log_contains("Q8_0"));
    T_ASSERT(log_contains("no Q4_K_M"));
    T_ASSERT(exists("%s/" FOLDER "/blobs/%s", q8_sha));
    T_ASSERT(!exists("%s/" FOLDER "/blobs/%s", f16_sha));
    char link[PATH_MAX * 2], target[PATH_MAX];
    snprintf(link, sizeof link, "%s/" FOLDER "/snapshots/" HUB_COMMIT "/tiny-Q8_0.gguf", cache);
    ssize_t n = readlink(link, target, sizeof target - 1);
    T_REQUIRE(n > 0);
    target[n] = '\0';
    char want[128];
    snprintf(want, sizeof want, "../../blobs/%s", q8_sha);
    T_EQ_STR(target, want); /* relative, as huggingface_hub writes it */
    char sha[65];
    T_ASSERT(hub_sha256_file(link, sha));
    T_EQ_STR(sha, q8_sha);
    char ref[PATH_MAX * 2], commit[64] = "";
    snprintf(ref, sizeof ref, "%s/" FOLDER "/refs/main", cache);
    FILE *f = fopen(ref, "r");
    T_REQUIRE(f);
    T_ASSERT(fgets(commit, sizeof commit, f));
    fclose(f);
    T_EQ_STR(commit, HUB_COMMIT);
    T_ASSERT(!hub_server_cdn_saw_token(hub));

    /* Pulling again finds the file there: nothing is downloaded. */
    unsigned downloads = hub_server_downloads(hub);
    T_EQ_INT(pull(REPO), 0);
    T_ASSERT(log_contains("already here"));
    T_EQ_INT(hub_server_downloads(hub), downloads);
}

static void test_run_by_repo_id(void)
{
    const char *args[] = {"--hub-url", hub_url, "--hub-cache", cache, NULL};
    T_REQUIRE(test_server_start(&env, args) == 0);
    json_t *resp = NULL;
    T_EQ_INT(http_json(env.port, "GET", "/v1/models/" REPO, NULL, &resp), 200);
    T_EQ_STR(json_string_value(json_object_get(resp, "id")), REPO);
    json_decref(resp);
    static const char *const ids[] = {REPO, REPO "@Q8_0", REPO "@q8_0", REPO "@tiny-Q8_0.gguf"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        T_EQ_INT(http_post_json(env.port, "/v1/chat/completions",
                                json_pack("{s:s, s:[{s:s, s:s}], s:i}", "model", ids[i],
                                          "messages", "role", "user", "content", "Hi",
                                          "max_tokens", 4),
                                &resp),
                 200);
        T_EQ_STR(json_string_value(json_object_get(resp, "model")), ids[i]); /* as asked */
        json_decref(resp);
    }
    /* A quantisation the cache does not hold: 404 that says how to get models. */
    T_EQ_INT(http_post_json(env.port, "/v1/completions",
                            json_pack("{s:s, s:s}", "model", REPO "@Q5_K_M", "prompt", "x"), &resp),
             404);
    T_CONTAINS(json_string_value(json_object_get(json_object_get(resp, "error"), "message")),
               "switchyard pull " REPO "@Q5_K_M");
    json_decref(resp);

    /* A second quantisation: each file gets its own id, the repository the default. */
    T_EQ_INT(pull(REPO "@F16"), 0);
    T_EQ_INT(http_json(env.port, "GET", "/v1/models/" REPO "@F16", NULL, &resp), 200);
    T_EQ_STR(json_string_value(json_object_get(resp, "id")), REPO "@F16");
    json_decref(resp);
    T_EQ_INT(http_json(env.port, "GET", "/v1/models/" REPO, NULL, &resp), 200);
    T_EQ_STR(json_string_value(json_object_get(resp, "id")), REPO "@Q8_0"); /* the default */
    json_decref(resp);
    T_EQ_INT(http_post_json(env.port, "/v1/completions",
                            json_pack("{s:s, s:s, s:i}", "model", REPO, "prompt", "x",
                                      "max_tokens", 2),
                            &resp),
             200);
    json_decref(resp);
    T_EQ_INT(test_server_stop(&env), 0);
}

/* Leaves the first half of the Q8_0 file as an interrupted download. */
static void leave_half(void)
{
    remove_cache();
    char dir[PATH_MAX * 2], partial[PATH_MAX * 3];
    snprintf(dir, sizeof dir, "mkdir -p '%s/" FOLDER "/blobs'", cache);
    T_REQUIRE(system(dir) == 0);
    snprintf(partial, sizeof partial, "head -c %lld '%s' > '%s/" FOLDER "/blobs/%s.incomplete'",
             0LL, q8_file, cache, q8_sha);
    struct stat st;
    T_REQUIRE(stat(q8_file, &st) == 0);
    snprintf(partial, sizeof partial, "head -c %lld '%s' > '%s/" FOLDER "/blobs/%s.incomplete'",
             (long long)st.st_size / 2, q8_file, cache, q8_sha);
    T_REQUIRE(system(partial) == 0);
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

static void test_resume(void)
{
    /* A dropped connection fails the pull but keeps what came; the next pull
     * resumes from there, and the result is the file, bit for bit. */
    remove_cache();
    hub_server_set_faults(hub, HUB_FAULT_DROP);
    T_EQ_INT(pull(REPO), 1);
    T_ASSERT(log_contains("pulling again resumes"));
    T_ASSERT(exists("%s/" FOLDER "/blobs/%s.incomplete", q8_sha));
    uint64_t before = hub_server_bytes_sent(hub);
    T_EQ_INT(pull(REPO), 0);
    uint64_t sent = hub_server_bytes_sent(hub) - before;
    T_ASSERT(sent < (uint64_t)file_size(q8_file)); /* only the rest came */
    char sha[65], blob[PATH_MAX * 2];
    snprintf(blob, sizeof blob, "%s/" FOLDER "/blobs/%s", cache, q8_sha);
    T_ASSERT(hub_sha256_file(blob, sha));
    T_EQ_STR(sha, q8_sha);
    T_ASSERT(!exists("%s/" FOLDER "/blobs/%s.incomplete", q8_sha));

    /* A server that ignores Range sends everything again: still the right file. */
    leave_half();
    hub_server_set_faults(hub, HUB_FAULT_IGNORE_RANGE);
    T_EQ_INT(pull(REPO), 0);
    T_ASSERT(hub_sha256_file(blob, sha));
    T_EQ_STR(sha, q8_sha);

    /* The resumed request names the object it has part of (If-Range); when
     * the CDN's object is another one, it comes whole, never spliced. */
    leave_half();
    hub_server_set_faults(hub, HUB_FAULT_CDN_CHANGED);
    before = hub_server_bytes_sent(hub);
    T_EQ_INT(pull(REPO), 0);
    T_EQ_INT((long long)(hub_server_bytes_sent(hub) - before), (long long)file_size(q8_file));
    char if_range[128], want_if_range[80];
    hub_server_last_if_range(hub, if_range, sizeof if_range);
    snprintf(want_if_range, sizeof want_if_range, "\"%s\"", q8_sha);
    T_EQ_STR(if_range, want_if_range);
    T_ASSERT(hub_sha256_file(blob, sha));
    T_EQ_STR(sha, q8_sha);
    hub_server_set_faults(hub, 0);
}

static void test_file_changed_between_pulls(void)
{
    /* A pull is cut off; then the repository's file changes (a new ETag).
     * The next pull fetches the new file whole, and the part of the old one,
     * which can never be resumed now, is removed. */
    remove_cache();
    char saved[1200], changed[1200], cmd[6000];
    snprintf(saved, sizeof saved, "%s/q8-saved.gguf", env.tmp);
    snprintf(changed, sizeof changed, "%s/changed-Q8_0.gguf", env.tmp);
    const char *other[] = {"--preset", "tiny", "--type", "q8_0", "--seed", "3", NULL};
    T_REQUIRE(test_make_model(env.tmp, "changed-Q8_0", other) == 0);
    char new_sha[65];
    T_REQUIRE(hub_sha256_file(changed, new_sha));
    T_REQUIRE(strcmp(new_sha, q8_sha) != 0);

    hub_server_set_faults(hub, HUB_FAULT_DROP);
    T_EQ_INT(pull(REPO), 1);
    T_ASSERT(exists("%s/" FOLDER "/blobs/%s.incomplete", q8_sha));
    snprintf(cmd, sizeof cmd, "cp '%s' '%s' && cp '%s' '%s'", q8_file, saved, changed, q8_file);
    T_REQUIRE(system(cmd) == 0);

    T_EQ_INT(pull(REPO), 0);
    char blob[PATH_MAX * 2], sha[65];
    snprintf(blob, sizeof blob, "%s/" FOLDER "/blobs/%s", cache, new_sha);
    T_ASSERT(hub_sha256_file(blob, sha));
    T_EQ_STR(sha, new_sha);
    T_ASSERT(!exists("%s/" FOLDER "/blobs/%s.incomplete", q8_sha));
    T_ASSERT(log_contains("no longer has that file"));

    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", saved, q8_file);
    T_REQUIRE(system(cmd) == 0);
    remove_cache();
}

static void test_wrong_bytes(void)
{
    remove_cache();
    hub_server_set_faults(hub, HUB_FAULT_WRONG_BYTES);
    T_EQ_INT(pull(REPO), 1);
    T_ASSERT(log_contains("do not match their sha256"));
    T_ASSERT(!exists("%s/" FOLDER "/blobs/%s", q8_sha));
    T_ASSERT(!exists("%s/" FOLDER "/blobs/%s.incomplete", q8_sha));
    T_ASSERT(!exists("%s/" FOLDER "/refs/%s", "main"));
    hub_server_set_faults(hub, 0);
}

static void test_gated(void)
{
    remove_cache();
    hub_server_set_faults(hub, HUB_FAULT_GATED);
    unsetenv("HF_TOKEN");
    T_EQ_INT(pull(REPO), 1);
    T_ASSERT(log_contains("gated"));
    T_ASSERT(log_contains("HF_TOKEN"));
    setenv("HF_TOKEN", HUB_TOKEN, 1);
    T_EQ_INT(pull(REPO), 0);
    unsetenv("HF_TOKEN");
    /* The token went to the Hub, never to the CDN on another host. */
    T_ASSERT(!hub_server_cdn_saw_token(hub));
    T_ASSERT(!log_contains(HUB_TOKEN) || !"the token was printed");
    hub_server_set_faults(hub, 0);
}

struct pull_run {
    char log[sizeof pull_log];
    int rc;
};

static void *pull_thread(void *arg)
{
    struct pull_run *run = arg;
    const char *argv[] = {test_env("SY_TEST_SERVER"), "pull", REPO, "--hub-url", hub_url,
                          "--hub-cache", cache, NULL};
    run->rc = test_run_logged(argv, run->log);
    return NULL;
}

static void test_concurrent_pulls(void)
{
    /* Ten pulls of one file at once: one download, ten successes. */
    remove_cache();
    unsigned before = hub_server_downloads(hub);
    pthread_t t[10];
    struct pull_run runs[10];
    for (int i = 0; i < 10; i++) {
        snprintf(runs[i].log, sizeof runs[i].log, "%s/pull-%d.log", env.tmp, i);
        pthread_create(&t[i], NULL, pull_thread, &runs[i]);
    }
    for (int i = 0; i < 10; i++) {
        pthread_join(t[i], NULL);
        if (runs[i].rc != 0) {
            memcpy(pull_log, runs[i].log, sizeof pull_log);
            T_ASSERT(log_contains("(this pull failed)"));
        }
        T_EQ_INT(runs[i].rc, 0);
    }
    snprintf(pull_log, sizeof pull_log, "%s/pull.log", env.tmp);
    T_EQ_INT(hub_server_downloads(hub) - before, 1);
}

/* POSTs a streamed pull; collects the event types in order ("chosen file
 * progress ... done") into types. Returns the HTTP status or -1. */
static int api_pull_stream(const char *model, char *types, size_t size, json_t **last)
{
    struct http_conn c;
    struct http_response r;
    struct sy_buf pending, data;
    char body[512];
    snprintf(body, sizeof body, "{\"model\": \"%s\"}", model);
    if (http_conn_open(&c, env.port) != 0 ||
        http_conn_send(&c, "POST", "/api/models/pull", "Content-Type: application/json\r\n", body,
                       strlen(body)) != 0 ||
        http_conn_read_head(&c, &r) != 0)
        return -1;
    buf_init(&pending, 1 << 20);
    buf_init(&data, 1 << 20);
    types[0] = '\0';
    *last = NULL;
    char name[32];
    while (r.status == 200 && http_sse_next(&c, &r, &pending, name, sizeof name, &data) == 1) {
        json_decref(*last);
        *last = json_loadb(data.data, data.len, 0, NULL);
        const char *type = json_string_value(json_object_get(*last, "type"));
        size_t used = strlen(types);
        snprintf(types + used, size - used, "%s%s", used ? " " : "", type ? type : "?");
    }
    int status = r.status;
    http_response_cleanup(&r);
    http_conn_close(&c);
    buf_cleanup(&pending);
    buf_cleanup(&data);
    return status;
}

static void test_api_pull_and_delete(void)
{
    remove_cache();
    const char *args[] = {"--hub-url", hub_url, "--hub-cache", cache, NULL};
    T_REQUIRE(test_server_start(&env, args) == 0);
    char types[4096];
    json_t *last = NULL;
    T_EQ_INT(api_pull_stream(REPO "@F16", types, sizeof types, &last), 200);
    T_ASSERT(strncmp(types, "chosen file ", 12) == 0);
    T_CONTAINS(types, "progress");
    T_CONTAINS(types, "verified done");
    T_EQ_STR(json_string_value(json_object_get(last, "label")), "F16");
    json_decref(last);

    /* Not streamed: the answer when it is over (here at once: already there). */
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(env.port, "/api/models/pull",
                            json_pack("{s:s, s:b}", "model", REPO, "stream", 0), &resp),
             200);
    T_EQ_STR(json_string_value(json_object_get(resp, "status")), "success");
    T_EQ_STR(json_string_value(json_object_get(resp, "label")), "Q8_0");
    json_decref(resp);

    /* Errors: a bad id before anything starts; a missing model as an error
     * event when streamed, as a 404 when not. */
    T_EQ_INT(
        http_post_json(env.port, "/api/models/pull", json_pack("{s:s}", "model", "../x"), &resp),
        400);
    json_decref(resp);
    T_EQ_INT(api_pull_stream("test-org/missing", types, sizeof types, &last), 200);
    T_EQ_STR(types, "error");
    T_EQ_STR(json_string_value(json_object_get(last, "code")), "not_found");
    json_decref(last);
    T_EQ_INT(http_post_json(env.port, "/api/models/pull",
                            json_pack("{s:s, s:b}", "model", "test-org/missing", "stream", 0),
                            &resp),
             404);
    json_decref(resp);

    /* Both quantisations run; deleting one leaves the other. */
    T_EQ_INT(http_post_json(env.port, "/v1/completions",
                            json_pack("{s:s, s:s, s:i}", "model", REPO "@F16", "prompt", "x",
                                      "max_tokens", 2),
                            &resp),
             200);
    json_decref(resp);
    T_EQ_INT(http_json(env.port, "DELETE", "/api/models/" REPO "@F16", NULL, &resp), 200);
    T_EQ_STR(json_string_value(json_object_get(resp, "status")), "deleted");
    json_decref(resp);
    T_ASSERT(!exists("%s/" FOLDER "/blobs/%s", f16_sha));
    T_ASSERT(exists("%s/" FOLDER "/blobs/%s", q8_sha));
    T_EQ_INT(http_json(env.port, "GET", "/v1/models/" REPO "@F16", NULL, &resp), 404);
    json_decref(resp);
    T_EQ_INT(http_json(env.port, "GET", "/v1/models/" REPO, NULL, &resp), 200);
    T_EQ_STR(json_string_value(json_object_get(resp, "id")), REPO); /* the only file now */
    json_decref(resp);

    /* A file the user put in the models directory is theirs to delete. */
    const char *tiny[] = {"--preset", "tiny", NULL};
    T_REQUIRE(test_make_model(env.models, "mine", tiny) == 0);
    T_EQ_INT(http_json(env.port, "DELETE", "/api/models/mine", NULL, &resp), 403);
    json_decref(resp);

    /* The last file of the repository: its folder goes with it. */
    T_EQ_INT(http_json(env.port, "DELETE", "/api/models/" REPO, NULL, &resp), 200);
    json_decref(resp);
    T_ASSERT(!exists("%s/%s", FOLDER));
    T_EQ_INT(http_json(env.port, "DELETE", "/api/models/" REPO, NULL, &resp), 404);
    json_decref(resp);
    T_EQ_INT(test_server_stop(&env), 0);
}

/* ---- the catalog ------------------------------------------------------------------------ */

static json_t *get_json(const char *path, int want)
{
    json_t *resp = NULL;
    int got = http_json(env.port, "GET", path, NULL, &resp);
    if (got != want)
        printf("#   GET %s -> %d (want %d)\n", path, got, want);
    T_EQ_INT(got, want);
    return resp;
}

static void test_catalog(void)
{
    const char *args[] = {"--hub-url", hub_url, "--hub-cache", cache, NULL};
    T_REQUIRE(test_server_start(&env, args) == 0);

    /* Three models asked for, two a page at the Hub: both pages, in order. */
    unsigned before = hub_server_api_requests(hub);
    json_t *r = get_json("/api/hub/models?limit=3", 200);
    T_EQ_INT(json_array_size(json_object_get(r, "models")), 3);
    T_ASSERT(json_is_false(json_object_get(r, "cached")));
    json_decref(r);
    T_EQ_INT(hub_server_api_requests(hub) - before, 2);
    /* Again, within the TTL: from the cache, the Hub not asked. */
    r = get_json("/api/hub/models?limit=3", 200);
    T_EQ_INT(json_array_size(json_object_get(r, "models")), 3);
    T_ASSERT(json_is_true(json_object_get(r, "cached")));
    json_decref(r);
    T_EQ_INT(hub_server_api_requests(hub) - before, 2);
    r = get_json("/api/hub/models?search=safetensors", 200);
    T_EQ_INT(json_array_size(json_object_get(r, "models")), 1);
    json_t *found = json_array_get(json_object_get(r, "models"), 0);
    T_EQ_STR(json_string_value(json_object_get(found, "id")), "another/tiny-safetensors");
    json_decref(r);

    /* What a model can do here. */
    r = get_json("/api/hub/models/" REPO, 200);
    json_t *caps = json_object_get(r, "capabilities");
    T_EQ_STR(json_string_value(json_array_get(json_object_get(caps, "tasks"), 0)),
             "text-generation");
    T_ASSERT(json_is_true(json_object_get(caps, "runnable_locally")));
    T_ASSERT(json_is_true(json_object_get(caps, "supported")));
    T_EQ_STR(json_string_value(json_object_get(json_object_get(caps, "default_file"), "label")),
             "Q8_0");
    T_EQ_INT(json_array_size(json_object_get(caps, "gguf_files")), 2);
    T_EQ_INT(json_integer_value(json_object_get(caps, "context_length")), 2048);
    T_ASSERT(json_is_false(json_object_get(caps, "gated")));
    T_ASSERT(json_array_size(json_object_get(caps, "settings")) > 0);
    /* The Hub's provider mapping, in its older form (an object by provider). */
    json_t *providers = json_object_get(caps, "inference_providers");
    T_EQ_INT(json_array_size(providers), 1);
    T_EQ_STR(json_string_value(json_object_get(json_array_get(providers, 0), "provider")),
             "together");
    T_EQ_STR(json_string_value(json_object_get(json_array_get(providers, 0), "status")),
             "staging");
    T_EQ_STR(json_string_value(json_object_get(caps, "context_length_source")), "gguf");
    T_EQ_STR(json_string_value(json_object_get(caps, "inference")), "warm");
    json_decref(r);
    /* No GGUF: the context length from config.json, the providers that serve
     * it (the current form: a list), and notes saying what can be done. */
    r = get_json("/api/hub/models/another/tiny-safetensors", 200);
    caps = json_object_get(r, "capabilities");
    T_ASSERT(json_is_false(json_object_get(caps, "runnable_locally")));
    T_ASSERT(json_is_false(json_object_get(caps, "supported")));
    T_EQ_INT(json_integer_value(json_object_get(caps, "context_length")), 4096);
    T_EQ_STR(json_string_value(json_object_get(caps, "context_length_source")), "config.json");
    providers = json_object_get(caps, "inference_providers");
    T_EQ_INT(json_array_size(providers), 2);
    T_EQ_STR(json_string_value(json_object_get(json_array_get(providers, 0), "provider_id")),
             "acme/tiny-chat");
    T_EQ_STR(json_string_value(json_object_get(json_array_get(providers, 1), "task")),
             "conversational");
    char *notes = json_dumps(json_object_get(caps, "notes"), 0);
    T_CONTAINS(notes, "GGUF");
    T_CONTAINS(notes, "Inference Providers serve it (hf-inference, featherless-ai)");
    free(notes);
    json_decref(r);

    /* Asking for a model that is not pulled: what the catalog knows of it
     * says why, without asking the Hub on the request's path. */
    unsigned asked = hub_server_api_requests(hub);
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(env.port, "/v1/chat/completions",
                            json_pack("{s:s, s:[{s:s, s:s}]}", "model", "another/tiny-safetensors",
                                      "messages", "role", "user", "content", "Hi"),
                            &resp),
             422);
    const char *msg = json_string_value(json_object_get(json_object_get(resp, "error"), "message"));
    T_CONTAINS(msg, "cannot run here");
    T_CONTAINS(msg, "GGUF");
    T_CONTAINS(msg, "hf-inference");
    json_decref(resp);
    T_EQ_INT(http_post_json(env.port, "/v1/completions",
                            json_pack("{s:s, s:s}", "model", REPO, "prompt", "x"), &resp),
             404);
    msg = json_string_value(json_object_get(json_object_get(resp, "error"), "message"));
    T_CONTAINS(msg, "pull it");
    T_CONTAINS(msg, "a pull would take tiny-Q8_0.gguf");
    json_decref(resp);
    T_EQ_INT(hub_server_api_requests(hub), asked);

    /* /api/models: local models filtered by search and task, and with
     * hub=true the Hub's matches, each saying where it is. */
    r = get_json("/api/models?search=MIN", 200);
    T_EQ_INT(json_array_size(json_object_get(r, "models")), 1);
    json_t *mine = json_array_get(json_object_get(r, "models"), 0);
    T_EQ_STR(json_string_value(json_object_get(mine, "id")), "mine");
    T_EQ_STR(json_string_value(json_object_get(mine, "source")), "local");
    json_decref(r);
    r = get_json("/api/models?search=mine&task=automatic-speech-recognition", 200);
    T_EQ_INT(json_array_size(json_object_get(r, "models")), 0);
    json_decref(r);
    /* "mine" matches by its name (the generator calls it tiny), first. */
    r = get_json("/api/models?search=tiny&hub=true&limit=5", 200);
    json_t *listed = json_object_get(r, "models");
    T_EQ_INT(json_array_size(listed), 3);
    T_EQ_STR(json_string_value(json_object_get(json_array_get(listed, 0), "source")), "local");
    for (size_t i = 1; i < json_array_size(listed); i++) {
        json_t *m = json_array_get(listed, i);
        T_EQ_STR(json_string_value(json_object_get(m, "source")), "hub");
        T_ASSERT(json_is_false(json_object_get(m, "pulled")));
        T_EQ_STR(json_string_value(json_array_get(json_object_get(m, "tasks"), 0)),
                 "text-generation");
    }
    json_decref(r);
    /* One model: here, or what the Hub says of it. */
    r = get_json("/api/models/mine", 200);
    T_EQ_STR(json_string_value(json_object_get(r, "source")), "local");
    json_decref(r);
    r = get_json("/api/models/another/tiny-safetensors", 200);
    T_EQ_STR(json_string_value(json_object_get(r, "source")), "hub");
    T_ASSERT(json_is_false(
        json_object_get(json_object_get(r, "capabilities"), "runnable_locally")));
    json_decref(r);
    json_decref(get_json("/api/models/test-org/nothing-here", 404));
    r = get_json("/api/models?task=painting", 400);
    T_EQ_STR(json_string_value(json_object_get(json_object_get(r, "error"), "param")), "task");
    json_decref(r);
    r = get_json("/api/models?hub=yes", 400);
    T_EQ_STR(json_string_value(json_object_get(json_object_get(r, "error"), "param")), "hub");
    json_decref(r);

    /* expand[]: only the fields named come back, on every page. */
    r = get_json("/api/hub/models?limit=3&expand[]=downloads", 200);
    json_t *models = json_object_get(r, "models");
    T_EQ_INT(json_array_size(models), 3);
    for (size_t i = 0; i < json_array_size(models); i++) {
        T_ASSERT(json_is_integer(json_object_get(json_array_get(models, i), "downloads")));
        T_ASSERT(!json_object_get(json_array_get(models, i), "likes"));
    }
    json_decref(r);
    r = get_json("/api/hub/models?expand[]=downloads&expand[]=likez", 400);
    T_EQ_STR(json_string_value(json_object_get(json_object_get(r, "error"), "param")),
             "expand[]");
    T_CONTAINS(json_string_value(json_object_get(json_object_get(r, "error"), "message")),
               "likez");
    json_decref(r);

    /* Clear errors: bad parameters before the Hub is asked; the Hub's 404. */
    r = get_json("/api/hub/models?limit=0", 400);
    T_EQ_STR(json_string_value(json_object_get(json_object_get(r, "error"), "param")), "limit");
    json_decref(r);
    json_decref(get_json("/api/hub/models?sort=bogus", 400));
    json_decref(get_json("/api/hub/models/test-org/..", 400));
    r = get_json("/api/hub/models/test-org/nothing-here", 404);
    T_CONTAINS(json_string_value(json_object_get(json_object_get(r, "error"), "message")),
               "not found on the Hub");
    json_decref(r);
    T_EQ_INT(test_server_stop(&env), 0);

    /* A corrupted row is dropped, logged and fetched again. */
    char db_path[600];
    snprintf(db_path, sizeof db_path, "%s/switchyard.db", env.tmp);
    sqlite3 *db = NULL;
    T_REQUIRE(sqlite3_open(db_path, &db) == SQLITE_OK);
    T_EQ_INT(sqlite3_exec(db, "UPDATE hub_answers SET body = x'7b2262726f6b656e'", NULL, NULL,
                          NULL),
             SQLITE_OK);
    sqlite3_close(db);
    const char *no_ttl[] = {"--hub-url", hub_url, "--hub-cache", cache, "--hub-cache-ttl", "0",
                            NULL};
    T_REQUIRE(test_server_start(&env, no_ttl) == 0);
    r = get_json("/api/hub/models/" REPO, 200);
    T_EQ_STR(json_string_value(json_object_get(r, "id")), REPO);
    json_decref(r);
    T_ASSERT(test_server_log_contains(&env, "dropping a corrupted Hub cache row"));

    /* TTL 0: every answer is revalidated, and a 304 keeps the stored one
     * (two: the info, and the provider mapping asked for by expand[]). */
    unsigned same = hub_server_not_modified(hub);
    r = get_json("/api/hub/models/" REPO, 200);
    T_EQ_STR(json_string_value(json_object_get(r, "id")), REPO);
    T_ASSERT(json_is_false(json_object_get(r, "cached")));
    json_decref(r);
    T_EQ_INT(hub_server_not_modified(hub) - same, 2);

    /* The Hub down: an error naming it, never the stale answer. */
    hub_server_set_faults(hub, HUB_FAULT_DOWN);
    r = get_json("/api/hub/models/" REPO, 502);
    T_CONTAINS(json_string_value(json_object_get(json_object_get(r, "error"), "message")), "503");
    json_decref(r);
    json_decref(get_json("/api/hub/models?limit=3", 502));
    json_decref(get_json("/api/models?hub=true&search=nothing-cached", 502));
    hub_server_set_faults(hub, 0);
    T_EQ_INT(test_server_stop(&env), 0);
}

static void test_sharded(void)
{
    /* A split model comes whole: every shard, linked in order; it is one model. */
    remove_cache();
    T_EQ_INT(pull("test-org/split-GGUF"), 0);
    T_ASSERT(log_contains("2 files"));
    static const char *const shards[] = {"split-Q8_0-00001-of-00002.gguf",
                                         "split-Q8_0-00002-of-00002.gguf"};
    for (int i = 0; i < 2; i++) {
        char link[PATH_MAX * 2], sha[65], src[1200];
        snprintf(link, sizeof link, "%s/models--test-org--split-GGUF/snapshots/" HUB_COMMIT "/%s",
                 cache, shards[i]);
        snprintf(src, sizeof src, "%s/test-org/split-GGUF/%s", hub_root, shards[i]);
        char want[65];
        T_ASSERT(hub_sha256_file(link, sha));
        T_ASSERT(hub_sha256_file(src, want));
        T_EQ_STR(sha, want);
    }
    const char *args[] = {"--hub-url", hub_url, "--hub-cache", cache, NULL};
    T_REQUIRE(test_server_start(&env, args) == 0);
    json_t *r = NULL;
    T_EQ_INT(http_json(env.port, "GET", "/v1/models/test-org/split-GGUF", NULL, &r), 200);
    T_EQ_STR(json_string_value(json_object_get(r, "id")), "test-org/split-GGUF");
    json_decref(r);
    T_EQ_INT(test_server_stop(&env), 0);
}

static void test_hostile_hub(void)
{
    /* File names from the Hub are checked too: ones that would leave the
     * cache are ignored (so the fake Q4_K_M is not the default pick). */
    remove_cache();
    hub_server_set_faults(hub, HUB_FAULT_HOSTILE);
    T_EQ_INT(pull(REPO), 0);
    T_ASSERT(log_contains("Q8_0"));
    char escaped[PATH_MAX * 2];
    snprintf(escaped, sizeof escaped, "%s/../escape-Q4_K_M.gguf", cache);
    struct stat st;
    T_ASSERT(stat(escaped, &st) != 0);
    T_ASSERT(stat("/etc/abs-Q4_K_M.gguf", &st) != 0);
    /* Asked for by name, they are refused before anything is written. */
    T_EQ_INT(pull(REPO "@Q4_K_M"), 1);
    hub_server_set_faults(hub, HUB_FAULT_RATE_LIMIT);
    T_EQ_INT(pull(REPO), 1);
    T_ASSERT(log_contains("429"));
    hub_server_set_faults(hub, 0);
}

static void test_errors_and_traversal(void)
{
    remove_cache();
    T_EQ_INT(pull("test-org/no-such-model"), 1);
    T_ASSERT(log_contains("not found on the Hub"));
    T_EQ_INT(pull(REPO "@Q5_K_M"), 1);
    T_ASSERT(log_contains("no model file for 'Q5_K_M'"));
    T_ASSERT(log_contains("F16"));
    static const char *const hostile[] = {"../../etc", "test-org/..", "a/b/c", "test-org/x%2f..",
                                          "/abs/path", REPO "@../../../escape.gguf"};
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++)
        T_EQ_INT(pull(hostile[i]), 2);
    T_EQ_INT(pull(REPO "@sub/../../escape.gguf"), 2);
    /* Nothing was created anywhere: the cache does not even exist. */
    struct stat st;
    T_ASSERT(stat(cache, &st) != 0);
}

static bool is_regular_file(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void test_planted_links(void)
{
    /* Links planted in the cache that lead out of it are never followed. */
    char outside[600], cmd[6000], blobs[800];
    snprintf(outside, sizeof outside, "%s/outside", env.tmp);
    snprintf(blobs, sizeof blobs, "%s/" FOLDER "/blobs", cache);

    /* The repository's folder is a link to somewhere else: refused. */
    remove_cache();
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' '%s' && ln -s '%s' '%s/" FOLDER "'", outside, cache,
             outside, cache);
    T_REQUIRE(system(cmd) == 0);
    T_EQ_INT(pull(REPO), 1);
    T_ASSERT(log_contains("symbolic link"));
    char inside[700];
    snprintf(inside, sizeof inside, "%s/blobs", outside);
    struct stat st;
    T_ASSERT(stat(inside, &st) != 0); /* nothing was made out there */

    /* A download in progress that is a link to a file elsewhere: the pull
     * fails rather than write through it, and the file is untouched. */
    remove_cache();
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s' && echo precious > '%s/precious' && ln -s '%s/precious' "
             "'%s/%s.incomplete'",
             blobs, outside, outside, blobs, q8_sha);
    T_REQUIRE(system(cmd) == 0);
    T_EQ_INT(pull(REPO), 1);
    char precious[700], text[32] = "";
    snprintf(precious, sizeof precious, "%s/precious", outside);
    FILE *f = fopen(precious, "r");
    T_REQUIRE(f);
    T_ASSERT(fgets(text, sizeof text, f));
    fclose(f);
    T_EQ_STR(text, "precious\n");

    /* A blob that is a link (even to the right bytes) is not taken as the
     * file: the pull downloads it, and a real file replaces the link. */
    remove_cache();
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp '%s' '%s/copy' && ln -s '%s/copy' '%s/%s'",
             blobs, q8_file, outside, outside, blobs, q8_sha);
    T_REQUIRE(system(cmd) == 0);
    unsigned downloads = hub_server_downloads(hub);
    T_EQ_INT(pull(REPO), 0);
    T_EQ_INT(hub_server_downloads(hub), downloads + 1);
    char blob[PATH_MAX * 2];
    snprintf(blob, sizeof blob, "%s/%s", blobs, q8_sha);
    T_ASSERT(is_regular_file(blob));
    remove_cache();
}

int main(void)
{
    if (test_env_init(&env) != 0)
        return 1;
    snprintf(hub_root, sizeof hub_root, "%s/hub-root", env.tmp);
    snprintf(cache, sizeof cache, "%s/hf-cache/hub", env.tmp);
    snprintf(pull_log, sizeof pull_log, "%s/pull.log", env.tmp);
    char repo_dir[768], cmd[2048];
    snprintf(repo_dir, sizeof repo_dir, "%s/" REPO, hub_root);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && echo '# tiny' > '%s/README.md'", repo_dir,
             repo_dir);
    const char *q8[] = {"--preset", "tiny", "--type", "q8_0", NULL};
    const char *f16[] = {"--preset", "tiny", "--type", "f16", "--seed", "2", NULL};
    char other[4096];
    snprintf(other, sizeof other,
             "mkdir -p '%s/another/tiny-safetensors' && echo weights > "
             "'%s/another/tiny-safetensors/model.safetensors' && mkdir -p '%s/test-org/other-GGUF' "
             "&& echo '# other' > '%s/test-org/other-GGUF/README.md'",
             hub_root, hub_root, hub_root, hub_root);
    /* Hub metadata: config.json (in git, not LFS) and provider mappings in
     * both of the forms the Hub has used (.info.json: see hub_server.h). */
    char meta[4096];
    snprintf(meta, sizeof meta,
             "cd '%s' && echo '{\"model_type\":\"llama\",\"max_position_embeddings\":4096}' > "
             "another/tiny-safetensors/config.json && echo '{\"inferenceProviderMapping\":["
             "{\"provider\":\"hf-inference\",\"providerId\":\"acme/tiny-chat\",\"status\":"
             "\"live\",\"task\":\"text-generation\"},{\"provider\":\"featherless-ai\","
             "\"providerId\":\"acme/tiny\",\"status\":\"live\",\"task\":\"conversational\"}]}' > "
             "another/tiny-safetensors/.info.json && echo '{\"inferenceProviderMapping\":"
             "{\"together\":{\"providerId\":\"t/tiny\",\"status\":\"staging\",\"task\":"
             "\"conversational\"}},\"inference\":\"warm\"}' > " REPO "/.info.json",
             hub_root);
    char split[4096];
    snprintf(split, sizeof split,
             "mkdir -p '%s/test-org/split-GGUF' && cp '%s/tiny-Q8_0.gguf' "
             "'%s/test-org/split-GGUF/split-Q8_0-00001-of-00002.gguf' && head -c 5000 /dev/urandom "
             "> '%s/test-org/split-GGUF/split-Q8_0-00002-of-00002.gguf'",
             hub_root, repo_dir, hub_root, hub_root);
    if (system(cmd) != 0 || system(other) != 0 || system(meta) != 0 || test_make_model(repo_dir, "tiny-Q8_0", q8) != 0 ||
        system(split) != 0 ||
        test_make_model(repo_dir, "tiny-F16", f16) != 0) {
        printf("Bail out! cannot make the test repository\n");
        return 1;
    }
    snprintf(q8_file, sizeof q8_file, "%s/tiny-Q8_0.gguf", repo_dir);
    char f16_file[1024];
    snprintf(f16_file, sizeof f16_file, "%s/tiny-F16.gguf", repo_dir);
    hub_sha256_file(q8_file, q8_sha);
    hub_sha256_file(f16_file, f16_sha);
    hub = hub_server_start(hub_root);
    if (!hub) {
        printf("Bail out! the test Hub did not start\n");
        return 1;
    }
    snprintf(hub_url, sizeof hub_url, "http://127.0.0.1:%d", hub_server_port(hub));
    unsetenv("HF_TOKEN");

    T_RUN(test_pull_default_and_layout);
    T_RUN(test_run_by_repo_id);
    T_RUN(test_resume);
    T_RUN(test_file_changed_between_pulls);
    T_RUN(test_wrong_bytes);
    T_RUN(test_gated);
    T_RUN(test_concurrent_pulls);
    T_RUN(test_sharded);
    T_RUN(test_hostile_hub);
    T_RUN(test_api_pull_and_delete);
    T_RUN(test_catalog);
    T_RUN(test_planted_links);
    T_RUN(test_errors_and_traversal);

    hub_server_stop(hub);
    test_env_cleanup(&env);
    return t_done();
}
