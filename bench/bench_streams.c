/* bench_streams.c -- the HTTP side of the benchmarks. */
#include "bench_streams.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistd.h>

#include "app/config.h"
#include "http_client.h"
#include "test_server.h"

double bench_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_percentile(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = (size_t)ceil(p * (double)n) - 1;
    return v[i < n ? i : n - 1];
}

struct stream_job {
    int port, gen, index;
    const char *model;
    double ttft_ms;
    long tokens;
    int ok;
};

static void *stream_main(void *arg)
{
    struct stream_job *j = arg;
    char prompt[128];
    /* The model named in the prompt: runs against two names never share a cached prefix. */
    snprintf(prompt, sizeof prompt, "Request %d for %s: tell me a long story about the sea.",
             j->index, j->model);
    json_t *body = json_pack("{s:s, s:s, s:i, s:i, s:b, s:{s:b}}", "model", j->model,
                             "prompt", prompt, "max_tokens", j->gen, "temperature", 0, "stream", 1,
                             "stream_options", "include_usage", 1);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    struct http_conn c;
    struct http_response r;
    struct sy_buf pending, data;
    buf_init(&pending, 1 << 24);
    buf_init(&data, 1 << 24);
    double t0 = bench_now_ms();
    j->ok = 0;
    if (http_conn_open(&c, j->port) == 0 &&
        http_conn_send(&c, "POST", "/v1/completions", "Content-Type: application/json\r\n", text,
                       strlen(text)) == 0 &&
        http_conn_read_head(&c, &r) == 0 && r.status == 200) {
        char name[32];
        bool first = true;
        while (http_sse_next(&c, &r, &pending, name, sizeof name, &data) == 1) {
            json_t *ev = json_loadb(data.data, data.len, JSON_ALLOW_NUL, NULL);
            const char *piece = json_string_value(
                json_object_get(json_array_get(json_object_get(ev, "choices"), 0), "text"));
            if (piece && piece[0] && first) {
                j->ttft_ms = bench_now_ms() - t0;
                first = false;
            }
            json_t *usage = json_object_get(ev, "usage");
            if (json_is_object(usage)) {
                j->tokens = (long)json_integer_value(json_object_get(usage, "completion_tokens"));
                j->ok = 1;
            }
            json_decref(ev);
        }
        http_response_cleanup(&r);
    }
    http_conn_close(&c);
    buf_cleanup(&pending);
    buf_cleanup(&data);
    free(text);
    return NULL;
}

int bench_run_streams(int port, const char *model, int n, int gen, int rounds, bool together,
                      struct round_figures *out)
{
    double *ttfts = calloc((size_t)(n * rounds), sizeof *ttfts);
    long tokens = 0;
    double busy_ms = 0;
    int rc = 0;
    for (int round = 0; round < rounds && rc == 0; round++) {
        struct stream_job jobs[64];
        pthread_t threads[64];
        double t0 = bench_now_ms();
        for (int i = 0; i < n; i++) {
            jobs[i] = (struct stream_job){.port = port, .gen = gen, .index = round * n + i,
                                          .model = model};
            if (together)
                pthread_create(&threads[i], NULL, stream_main, &jobs[i]);
            else
                stream_main(&jobs[i]);
        }
        if (together)
            for (int i = 0; i < n; i++)
                pthread_join(threads[i], NULL);
        busy_ms += bench_now_ms() - t0;
        for (int i = 0; i < n; i++) {
            if (!jobs[i].ok)
                rc = -1;
            tokens += jobs[i].tokens;
            ttfts[round * n + i] = jobs[i].ttft_ms;
        }
    }
    if (rc == 0) {
        out->tokens_per_s = (double)tokens / (busy_ms / 1e3);
        out->p50_ttft = bench_percentile(ttfts, (size_t)(n * rounds), 0.50);
        out->p99_ttft = bench_percentile(ttfts, (size_t)(n * rounds), 0.99);
    }
    free(ttfts);
    return rc;
}

int bench_one_token(int port, const char *model)
{
    json_t *resp = NULL;
    int status = http_post_json(port, "/v1/completions",
                                json_pack("{s:s, s:s, s:i, s:i}", "model", model, "prompt",
                                          "Hello", "max_tokens", 1, "temperature", 0),
                                &resp);
    json_decref(resp);
    return status == 200 ? 0 : -1;
}


int bench_read_options(int argc, char **argv, const char *prog, struct bench_options *o)
{
    *o = (struct bench_options){.threads = (int)config_physical_cores(), .gen = 64, .rounds = 3};
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--model") == 0)
            o->model = argv[i + 1];
        else if (strcmp(argv[i], "--threads") == 0)
            o->threads = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--gen") == 0)
            o->gen = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--rounds") == 0)
            o->rounds = atoi(argv[i + 1]);
    }
    if (o->threads >= 1 && o->gen >= 1 && o->rounds >= 1)
        return 0;
    fprintf(stderr, "usage: %s [--model PATH] [--threads N] [--gen N] [--rounds N]\n", prog);
    return -1;
}

const char *bench_model_get(struct bench_model *m, const char *given)
{
    m->dir[0] = '\0';
    if (given)
        return given;
    snprintf(m->dir, sizeof m->dir, "/tmp/switchyard-bench-XXXXXX");
    const char *args[] = {"--preset", "smollm2-135m", "--type", "q8_0", "--never-stop", NULL};
    if (!mkdtemp(m->dir) || test_make_model(m->dir, "smollm2-135m-shape", args) != 0) {
        fprintf(stderr, "bench: switchyard-make-model failed\n");
        return NULL;
    }
    snprintf(m->path, sizeof m->path, "%s/smollm2-135m-shape.gguf", m->dir);
    return m->path;
}

void bench_model_done(struct bench_model *m)
{
    if (!m->dir[0])
        return;
    unlink(m->path);
    rmdir(m->dir);
}

const char *bench_setup(int argc, char **argv, const char *prog, struct bench_options *o,
                        struct bench_model *m)
{
    setenv("SY_TEST_SERVER", SY_BENCH_SERVER, 0);
    setenv("SY_TEST_WORKER", SY_BENCH_WORKER, 0);
    setenv("SY_TEST_MAKE_MODEL", SY_BENCH_MAKE_MODEL, 0);
    m->dir[0] = '\0';
    return bench_read_options(argc, argv, prog, o) == 0 ? bench_model_get(m, o->model) : NULL;
}
