/* bench_concurrency.c -- many clients at once, and what the gateway costs.
 *
 * 1. Streams: 1, 2, 4 and 8 streamed /v1/completions on one model at once
 *    (continuous batching in one worker), against the same requests sent one
 *    at a time: aggregate generated tokens/s, p50 and p99 time to first token.
 * 2. Gateway overhead: a non-streamed one-token request through HTTP versus the
 *    same `generate` frame sent straight to a switchyard-llama worker over its
 *    socket (the worker protocol, no server): requests/s and mean latency.
 * 3. GET /v1/models requests/s with 2 and 64 keep-alive connections.
 * 4. Prefix cache: a chat request with a long system prompt seen for the
 *    first time, against the next one with the same system prompt and another
 *    question (its prefix comes from the slot's cache): time to answer.
 *
 *   bench_concurrency [--model PATH] [--threads N] [--gen N] [--rounds N]
 * Default model: a generated model of SmolLM2-135M's shape, as bench_llama. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engines/frame.h"
#include "engines/worker_proc.h"
#include "bench_streams.h"
#include "http_client.h"
#include "test_server.h"

/* ---- 2. gateway overhead (1, concurrent streams, is bench_run_streams) --------------------- */

/* Sends generate frames straight to a worker; returns mean ms per request or -1. */
static double direct_one_token(const char *worker, const char *model, int threads, int n)
{
    char t[16];
    snprintf(t, sizeof t, "%d", threads);
    char *argv[] = {(char *)worker, "--fd", "3", "--model", (char *)model, "--threads", t,
                    "--ctx-size", "2048", "--slots", "8", "--batch", "512", "--log-level", "warn",
                    NULL};
    struct worker_proc w;
    if (worker_proc_spawn(argv, &w, NULL) != SY_OK)
        return -1;
    double total = -1;
    json_t *msg = NULL;
    if (frame_read_json(w.fd, &msg, NULL) == SY_OK && strcmp(frame_type(msg), "ready") == 0) {
        double t0 = bench_now_ms();
        int done = 0;
        for (int i = 0; i < n; i++) {
            json_t *gen = json_pack("{s:s, s:I, s:s, s:i, s:b, s:[]}", "type", "generate", "id",
                                    (json_int_t)(i + 1), "prompt", "Hello", "max_tokens",
                                    1, "greedy", 1, "stop");
            frame_write_json(w.fd, gen, NULL);
            json_decref(gen);
            for (;;) {
                json_decref(msg);
                msg = NULL;
                if (frame_read_json(w.fd, &msg, NULL) != SY_OK)
                    break;
                const char *type = frame_type(msg);
                if (strcmp(type, "done") == 0 || strcmp(type, "error") == 0) {
                    done += strcmp(type, "done") == 0;
                    break;
                }
            }
        }
        if (done == n)
            total = (bench_now_ms() - t0) / n;
    }
    json_decref(msg);
    worker_proc_close_socket(&w);
    worker_proc_reap(&w, 2000, NULL, 0);
    return total;
}

/* ---- 3. /v1/models throughput ----------------------------------------------------------- */

struct models_job {
    int port;
    double until;
    long requests;
    int failed;
};

static void *models_main(void *arg)
{
    struct models_job *j = arg;
    struct http_conn c;
    if (http_conn_open(&c, j->port) != 0) {
        j->failed = 1;
        return NULL;
    }
    while (bench_now_ms() < j->until) {
        struct http_response r;
        if (http_conn_send(&c, "GET", "/v1/models", NULL, NULL, 0) != 0 ||
            http_conn_read_head(&c, &r) != 0 || http_conn_read_body(&c, &r) != 0 ||
            r.status != 200) {
            j->failed = 1;
            break;
        }
        http_response_cleanup(&r);
        j->requests++;
    }
    http_conn_close(&c);
    return NULL;
}

static double models_rps(int port, int connections, double seconds)
{
    struct models_job jobs[64];
    pthread_t threads[64];
    double t0 = bench_now_ms();
    for (int i = 0; i < connections; i++) {
        jobs[i] = (struct models_job){.port = port, .until = t0 + seconds * 1e3};
        pthread_create(&threads[i], NULL, models_main, &jobs[i]);
    }
    long total = 0;
    int failed = 0;
    for (int i = 0; i < connections; i++) {
        pthread_join(threads[i], NULL);
        total += jobs[i].requests;
        failed |= jobs[i].failed;
    }
    return failed ? -1 : (double)total / ((bench_now_ms() - t0) / 1e3);
}

/* ---- 4. prefix cache -------------------------------------------------------------------- */

/* One non-streamed chat answer of one token. Returns ms, or -1; *cached gets
 * the prompt tokens the server reused. */
static double chat_one_token(int port, const char *system, const char *question, long *prompt,
                             long *cached)
{
    json_t *resp = NULL;
    double t0 = bench_now_ms();
    int status = http_post_json(
        port, "/v1/chat/completions",
        json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:s}], s:i, s:i}", "model", "bench", "messages",
                  "role", "system", "content", system, "role", "user", "content", question,
                  "max_tokens", 1, "temperature", 0),
        &resp);
    double ms = bench_now_ms() - t0;
    const json_t *usage = json_object_get(resp, "usage");
    *prompt = (long)json_integer_value(json_object_get(usage, "prompt_tokens"));
    *cached = (long)json_integer_value(
        json_object_get(json_object_get(usage, "prompt_tokens_details"), "cached_tokens"));
    json_decref(resp);
    return status == 200 ? ms : -1;
}

struct prefix_figures {
    double cold_ms, warm_ms;
    long prompt_tokens, cached_tokens;
};

static int run_prefix(int port, int rounds, struct prefix_figures *out)
{
    static const char sentence[] = "The yard master keeps every train on its track and on time. ";
    memset(out, 0, sizeof *out);
    for (int round = 0; round < rounds; round++) {
        /* A system prompt no earlier round used: its first request is cold. */
        char system[1400];
        int n = snprintf(system, sizeof system, "Session %d. ", round);
        while ((size_t)n + sizeof sentence < sizeof system)
            n += snprintf(system + n, sizeof system - (size_t)n, "%s", sentence);
        long prompt, cached;
        double cold = chat_one_token(port, system, "When does the first train leave?", &prompt,
                                     &cached);
        double warm = chat_one_token(port, system, "Which platform is it on?", &prompt, &cached);
        if (cold < 0 || warm < 0)
            return -1;
        out->cold_ms += cold / rounds;
        out->warm_ms += warm / rounds;
        out->prompt_tokens = prompt;
        out->cached_tokens = cached;
    }
    return 0;
}

/* ---- main ------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    struct bench_options o;
    struct bench_model generated;
    const char *model = bench_setup(argc, argv, "bench_concurrency", &o, &generated);
    if (!model)
        return 1;
    int threads = o.threads, gen = o.gen, rounds = o.rounds;

    struct test_server srv;
    char link[PATH_MAX + 16];
    char t[16];
    snprintf(t, sizeof t, "%d", threads);
    const char *args[] = {"--threads", t, "--slots", "8", "--context-size", "1024",
                          "--log-level", "warn", NULL};
    if (test_env_init(&srv) != 0)
        return 1;
    snprintf(link, sizeof link, "%s/bench.gguf", srv.models);
    if (symlink(model, link) != 0 || test_server_start(&srv, args) != 0) {
        fprintf(stderr, "bench: the server did not start\n");
        return 1;
    }
    int rc = bench_one_token(srv.port, "bench"); /* loads the model */

    printf("model %s, %d threads, 8 slots, %d generated tokens per stream, %d rounds\n", model,
           threads, gen, rounds);
    printf("\n%-8s %22s %22s %22s\n", "streams", "tokens/s (1 at a time)", "tokens/s (together)",
           "TTFT p50/p99 ms (tog.)");
    static const int counts[] = {1, 2, 4, 8};
    for (size_t k = 0; k < sizeof counts / sizeof counts[0] && rc == 0; k++) {
        struct round_figures seq, tog;
        rc = bench_run_streams(srv.port, "bench", counts[k], gen, rounds, false, &seq);
        if (rc == 0)
            rc = bench_run_streams(srv.port, "bench", counts[k], gen, rounds, true, &tog);
        if (rc == 0)
            printf("%-8d %22.1f %22.1f %13.0f / %6.0f   (1 at a time: %.0f / %.0f)\n", counts[k],
                   seq.tokens_per_s, tog.tokens_per_s, tog.p50_ttft, tog.p99_ttft, seq.p50_ttft,
                   seq.p99_ttft);
    }

    /* 2. one-token requests: HTTP versus the worker protocol directly. */
    const int n_small = 50;
    double http_ms = -1;
    if (rc == 0) {
        double t0 = bench_now_ms();
        for (int i = 0; i < n_small && rc == 0; i++)
            rc = bench_one_token(srv.port, "bench");
        http_ms = (bench_now_ms() - t0) / n_small;
    }
    double rps2 = rc == 0 ? models_rps(srv.port, 2, 3) : -1;
    double rps64 = rc == 0 ? models_rps(srv.port, 64, 3) : -1;
    struct prefix_figures prefix;
    if (rc == 0)
        rc = run_prefix(srv.port, rounds, &prefix);
    test_server_stop(&srv);
    test_env_cleanup(&srv);
    double direct_ms = rc == 0 ? direct_one_token(SY_BENCH_WORKER, model, threads, n_small) : -1;
    if (rc == 0 && direct_ms > 0) {
        printf("\none-token request, %d in a row   %12s %12s %12s\n", n_small, "direct", "via HTTP",
               "added");
        printf("%-32s %12.2f %12.2f %12.2f\n", "latency ms", direct_ms, http_ms,
               http_ms - direct_ms);
        printf("%-32s %12.1f %12.1f\n", "requests/s", 1e3 / direct_ms, 1e3 / http_ms);
        printf("\nGET /v1/models requests/s: %.0f with 2 connections, %.0f with 64\n", rps2, rps64);
        printf("\nchat with a %ld-token prompt, one token answered: %.1f ms the first time, "
               "%.1f ms with the same system prompt again (%ld tokens from the cache)\n",
               prefix.prompt_tokens, prefix.cold_ms, prefix.warm_ms, prefix.cached_tokens);
    }
    bench_model_done(&generated);
    if (rc != 0 || direct_ms <= 0 || rps2 < 0 || rps64 < 0) {
        fprintf(stderr, "bench: a run failed\n");
        return 1;
    }
    return 0;
}
