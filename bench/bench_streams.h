/* bench_streams.h -- what the benchmarks that talk HTTP share: timing,
 * percentiles, rounds of streamed /v1/completions (one at a time or at once),
 * and one-token requests. Not thread-safe except where said. */
#ifndef SY_BENCH_STREAMS_H
#define SY_BENCH_STREAMS_H

#include <stdbool.h>
#include <stddef.h>

/* Milliseconds on the monotonic clock. */
double bench_now_ms(void);

/* The p-quantile (0..1) of v[n] (sorted in place). */
double bench_percentile(double *v, size_t n, double p);

struct round_figures {
    double tokens_per_s, p50_ttft, p99_ttft;
};

/* Runs `rounds` rounds of n greedy streams of `gen` tokens each to model at
 * port, at once (one thread each) or one after another: aggregate tokens/s
 * over the time they took, and the time to first token's p50 and p99.
 * Returns 0, or -1 if any stream failed. */
int bench_run_streams(int port, const char *model, int n, int gen, int rounds, bool together,
                      struct round_figures *out);

/* One greedy one-token /v1/completions request (not streamed). Returns 0 or -1. */
int bench_one_token(int port, const char *model);

struct bench_options {
    const char *model; /* a GGUF file, or NULL for a generated one */
    int threads, gen, rounds;
};

/* Reads --model PATH, --threads N, --gen N, --rounds N (defaults: a generated
 * model, the physical cores, 64, 3). Returns 0, or -1 after printing prog's
 * usage. */
int bench_read_options(int argc, char **argv, const char *prog, struct bench_options *o);

/* The model a benchmark runs: o->model, or one generated now of SmolLM2-135M's
 * shape (Q8_0, never stopping by itself, so every stream makes exactly --gen
 * tokens) in a directory of its own. */
struct bench_model {
    char dir[64];
    char path[4096];
};
const char *bench_model_get(struct bench_model *m, const char *given);

/* The start of every such benchmark: the binaries' paths for the test
 * support (SY_BENCH_*), its options (bench_read_options) and its model
 * (bench_model_get, into m). Returns the model's path, or NULL. */
const char *bench_setup(int argc, char **argv, const char *prog, struct bench_options *o,
                        struct bench_model *m);
void bench_model_done(struct bench_model *m); /* removes a generated one */

#endif
