/* bench_providers.c -- what relaying through a remote provider costs.
 *
 * Two real servers: the upstream holds the model; the gateway holds none and
 * names the upstream as an OpenAI-compatible provider `up`. The same greedy
 * requests go to the upstream directly and to the gateway as `up:bench`,
 * alternately, so both see the same machine:
 *   - 1 and 4 streamed /v1/completions at once: aggregate tokens/s and time
 *     to first token (p50);
 *   - one-token requests in a row: mean latency and the time the relay adds.
 *
 *   bench_providers [--model PATH] [--threads N] [--gen N] [--rounds N]
 * Default model: a generated model of SmolLM2-135M's shape, as bench_llama. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_streams.h"
#include "test_server.h"

/* Mean ms of n one-token requests to model at port; -1 if one failed. */
static double one_token_ms(int port, const char *model, int n)
{
    double t0 = bench_now_ms();
    for (int i = 0; i < n; i++)
        if (bench_one_token(port, model) != 0)
            return -1;
    return (bench_now_ms() - t0) / n;
}

int main(int argc, char **argv)
{
    struct bench_options o;
    struct bench_model generated;
    const char *model = bench_setup(argc, argv, "bench_providers", &o, &generated);
    if (!model)
        return 1;
    int threads = o.threads, gen = o.gen, rounds = o.rounds;

    struct test_server up, gw;
    char link[PATH_MAX + 16], t[16], providers[256];
    snprintf(t, sizeof t, "%d", threads);
    const char *up_args[] = {"--threads", t, "--slots", "8", "--context-size", "1024",
                             "--log-level", "warn", NULL};
    if (test_env_init(&up) != 0 || test_env_init(&gw) != 0)
        return 1;
    snprintf(link, sizeof link, "%s/bench.gguf", up.models);
    int rc = symlink(model, link) == 0 && test_server_start(&up, up_args) == 0 ? 0 : -1;
    snprintf(providers, sizeof providers,
             "[{\"name\":\"up\",\"kind\":\"openai\",\"base_url\":\"http://127.0.0.1:%d/v1\"}]",
             up.port);
    /* The gateway's own engines are idle; one thread keeps it off the upstream's cores. */
    const char *gw_args[] = {"--providers", providers, "--threads", "1", "--log-level", "warn",
                             NULL};
    if (rc == 0)
        rc = test_server_start(&gw, gw_args);
    if (rc == 0)
        rc = bench_one_token(up.port, "bench"); /* loads the model */
    if (rc != 0) {
        fprintf(stderr, "bench: the servers did not start\n");
        return 1;
    }

    printf("model %s, %d threads, %d generated tokens per stream, %d rounds\n", model, threads,
           gen, rounds);
    printf("\n%-28s %14s %14s %10s\n", "", "direct", "via provider", "ratio");
    static const int counts[] = {1, 4};
    for (size_t k = 0; k < sizeof counts / sizeof counts[0] && rc == 0; k++) {
        struct round_figures direct, relayed;
        rc = bench_run_streams(up.port, "bench", counts[k], gen, rounds, true, &direct);
        if (rc == 0)
            rc = bench_run_streams(gw.port, "up:bench", counts[k], gen, rounds, true, &relayed);
        if (rc != 0)
            break;
        char what[64];
        snprintf(what, sizeof what, "%d stream%s: tokens/s", counts[k], counts[k] == 1 ? "" : "s");
        printf("%-28s %14.1f %14.1f %10.2f\n", what, direct.tokens_per_s, relayed.tokens_per_s,
               relayed.tokens_per_s / direct.tokens_per_s);
        snprintf(what, sizeof what, "%d stream%s: TTFT p50 ms", counts[k],
                 counts[k] == 1 ? "" : "s");
        printf("%-28s %14.1f %14.1f %10.2f\n", what, direct.p50_ttft, relayed.p50_ttft,
               relayed.p50_ttft / direct.p50_ttft);
    }
    const int n_small = 50;
    double direct_ms = rc == 0 ? one_token_ms(up.port, "bench", n_small) : -1;
    double relayed_ms = direct_ms > 0 ? one_token_ms(gw.port, "up:bench", n_small) : -1;
    if (direct_ms > 0 && relayed_ms > 0)
        printf("%-28s %14.2f %14.2f %10.2f   (the relay adds %.2f ms)\n",
               "one-token request ms", direct_ms, relayed_ms, relayed_ms / direct_ms,
               relayed_ms - direct_ms);
    test_server_stop(&gw);
    test_server_stop(&up);
    test_env_cleanup(&gw);
    test_env_cleanup(&up);
    bench_model_done(&generated);
    if (rc != 0 || direct_ms <= 0 || relayed_ms <= 0) {
        fprintf(stderr, "bench: a run failed\n");
        return 1;
    }
    return 0;
}
