/* main.c -- switchyard-llama: one GGUF model, served over a socket to the
 * Switchyard supervisor (docs/PROTOCOL.md).
 *
 * Reads top to bottom: arguments, logging, loading the model, then the loop
 * that reads frames between decode steps. All inference state lives in the
 * batcher; this file only wires it to the socket. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llama.h"

#include "engines/frame.h"
#include "util/fault.h"
#include "util/log.h"
#include "workers/llama/batcher.h"
#include "workers/llama/gen.h"
#include "workers/llama/wire.h"

/* ---- arguments -------------------------------------------------------------------------- */

struct args {
    int fd;
    const char *model;
    int threads, ctx_size, slots, batch;
    const char *log_level;
};

static int parse_int(const char *s, int min, int max, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
    *a = (struct args){.fd = -1, .threads = 1, .ctx_size = 4096, .slots = 1, .batch = 512,
                       .log_level = "warn"};
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        int rc = 0;
        if (strcmp(k, "--fd") == 0)
            rc = parse_int(v, 0, 1 << 20, &a->fd);
        else if (strcmp(k, "--model") == 0)
            a->model = v;
        else if (strcmp(k, "--threads") == 0)
            rc = parse_int(v, 1, 1024, &a->threads);
        else if (strcmp(k, "--ctx-size") == 0)
            rc = parse_int(v, 16, 1 << 22, &a->ctx_size);
        else if (strcmp(k, "--slots") == 0)
            rc = parse_int(v, 1, 256, &a->slots);
        else if (strcmp(k, "--batch") == 0)
            rc = parse_int(v, 1, 1 << 16, &a->batch);
        else if (strcmp(k, "--log-level") == 0)
            a->log_level = v;
        else
            rc = -1;
        if (rc != 0) {
            fprintf(stderr, "switchyard-llama: bad argument %s %s\n", k, v);
            return -1;
        }
    }
    if (a->fd < 0 || !a->model) {
        fprintf(stderr, "usage: switchyard-llama --fd N --model PATH [--threads N] [--ctx-size N] "
                        "[--slots N] [--batch N] [--log-level L]\n");
        return -1;
    }
    return 0;
}

/* ---- logging ---------------------------------------------------------------------------- */

/* llama.cpp's last error line, to explain a failed load in the `fatal` frame. */
static char last_error[256];

static void llama_log(enum lm_ggml_log_level level, const char *text, void *user)
{
    (void)user;
    size_t n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
        n--;
    if (n == 0)
        return;
    if (level == LM_GGML_LOG_LEVEL_ERROR) {
        snprintf(last_error, sizeof last_error, "%.*s", (int)n, text);
        log_error("llama.cpp: %.*s", (int)n, text);
    } else if (level == LM_GGML_LOG_LEVEL_WARN) {
        log_warn("llama.cpp: %.*s", (int)n, text);
    } else {
        log_debug("llama.cpp: %.*s", (int)n, text);
    }
}

/* ---- loading ---------------------------------------------------------------------------- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct loaded {
    struct llama_model *model;
    struct llama_context *ctx;
    int n_ctx; /* per slot */
};

static int load(const struct args *a, struct loaded *out)
{
    double t0 = now_ms();
    struct llama_model_params mp = llama_model_default_params();
    out->model = llama_model_load_from_file(a->model, mp);
    if (!out->model) {
        char msg[512];
        snprintf(msg, sizeof msg, "llama.cpp could not load %s: %s", a->model,
                 last_error[0] ? last_error : "unknown reason");
        wire_fatal(a->fd, msg);
        return -1;
    }
    /* A slot never gets more context than the model was trained for. */
    int n_ctx = a->ctx_size;
    int trained = llama_model_n_ctx_train(out->model);
    if (trained > 0 && n_ctx > trained)
        n_ctx = trained;
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = (uint32_t)(n_ctx * a->slots);
    cp.n_seq_max = (uint32_t)a->slots;
    cp.kv_unified = false; /* each slot its own stream: no slot can eat another's context */
    cp.n_batch = (uint32_t)(a->batch > a->slots ? a->batch : a->slots);
    cp.n_ubatch = cp.n_batch < 512 ? cp.n_batch : 512;
    cp.n_threads = a->threads;
    cp.n_threads_batch = a->threads;
    cp.no_perf = true;
    out->ctx = llama_init_from_model(out->model, cp);
    if (!out->ctx) {
        char msg[512];
        snprintf(msg, sizeof msg, "llama.cpp could not create a context of %d tokens for %s: %s",
                 n_ctx * a->slots, a->model, last_error[0] ? last_error : "unknown reason");
        wire_fatal(a->fd, msg);
        llama_model_free(out->model);
        return -1;
    }
    out->n_ctx = (int)llama_n_ctx_seq(out->ctx);
    const struct llama_vocab *vocab = llama_model_get_vocab(out->model);
    struct wire_ready r = {
        .n_ctx = out->n_ctx,
        .n_ctx_train = trained,
        .n_slots = a->slots,
        .n_vocab = llama_vocab_n_tokens(vocab),
        .has_chat_template = llama_model_chat_template(out->model, NULL) != NULL,
        .model_bytes = llama_model_size(out->model),
        .load_ms = now_ms() - t0,
    };
    if (wire_ready(a->fd, &r) == SY_OK)
        return 0;
    /* The supervisor is gone: nothing will use what was loaded. */
    llama_free(out->ctx);
    llama_model_free(out->model);
    return -1;
}

/* ---- the loop --------------------------------------------------------------------------- */

/* Handles one frame. Returns 1 to keep going, 0 to shut down, -1 if the
 * supervisor is gone. */
static int handle(struct batcher *b, const struct gen_env *env, struct llama_context *ctx, int fd,
                  const json_t *msg)
{
    const char *type = frame_type(msg);
    if (strcmp(type, "generate") == 0) {
        /* Test builds: a worker that goes silent (the supervisor's stall watchdog). */
        while (fault_hit("worker.stall"))
            pause();
        struct gen_error e;
        struct gen *g = gen_from_frame(msg, env, &e);
        if (!g) {
            if (!e.has_id) {
                log_warn("ignoring a generate frame without an id: %s", e.message);
                return 1;
            }
            return wire_error(fd, e.id, e.code, e.message) == SY_OK ? 1 : -1;
        }
        if (wire_started(fd, g->id, g->n_tokens) != SY_OK) {
            gen_free(g);
            return -1;
        }
        batcher_submit(b, g);
        return 1;
    }
    if (strcmp(type, "embed") == 0) {
        struct gen_error e;
        struct embed *job = embed_from_frame(msg, env, ctx, &e);
        if (!job) {
            if (!e.has_id) {
                log_warn("ignoring an embed frame without an id: %s", e.message);
                return 1;
            }
            return wire_error(fd, e.id, e.code, e.message) == SY_OK ? 1 : -1;
        }
        batcher_submit_embed(b, job);
        return 1;
    }
    if (strcmp(type, "cancel") == 0) {
        const json_t *id = json_object_get(msg, "id");
        if (json_is_integer(id))
            batcher_cancel(b, (uint64_t)json_integer_value(id));
        return 1;
    }
    if (strcmp(type, "threads") == 0) {
        /* The supervisor shares one thread budget among busy models; takes
         * effect from the next decode step. */
        json_int_t n = json_integer_value(json_object_get(msg, "n"));
        if (n >= 1 && n <= 1024)
            llama_set_n_threads(ctx, (int32_t)n, (int32_t)n);
        else
            log_error("ignoring a threads frame without a usable n");
        return 1;
    }
    if (strcmp(type, "shutdown") == 0)
        return 0;
    log_warn("ignoring a frame of unknown type '%s'", type);
    return 1;
}

/* Reads every frame waiting on fd (blocking for the first one when idle). */
static int read_frames(struct batcher *b, const struct gen_env *env, struct llama_context *ctx,
                       int fd)
{
    for (int n = 0; n < 256; n++) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int timeout = n == 0 && batcher_idle(b) ? -1 : 0;
        int pr = poll(&p, 1, timeout);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            return 1;
        json_t *msg = NULL;
        struct sy_err err;
        sy_code rc = frame_read_json(fd, &msg, &err);
        if (rc == SY_EINVAL) { /* a bad frame is the sender's bug; say so and go on */
            log_error("bad frame from the supervisor: %s", err.msg);
            continue;
        }
        if (rc != SY_OK)
            return -1; /* EOF or a broken socket: the supervisor is gone */
        int keep = handle(b, env, ctx, fd, msg);
        json_decref(msg);
        if (keep <= 0)
            return keep;
    }
    return 1;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    sy_log_set_tag("llama-worker");
    struct args a;
    if (parse_args(argc, argv, &a) != 0)
        return 2;
    sy_log_set_level(a.log_level);
    llama_log_set(llama_log, NULL);
    llama_backend_init();

    struct loaded m;
    if (load(&a, &m) != 0) {
        llama_backend_free();
        return 1;
    }
    struct gen_env env = {.model = m.model, .vocab = llama_model_get_vocab(m.model), .n_ctx = m.n_ctx};
    struct batcher_config bc = {.ctx = m.ctx, .vocab = env.vocab, .n_slots = a.slots,
                                .n_ctx = m.n_ctx, .n_batch = a.batch, .fd = a.fd};
    struct batcher *b = batcher_create(&bc);
    int status = b ? 0 : 1;
    for (int keep = b ? 1 : 0; keep > 0;) {
        keep = read_frames(b, &env, m.ctx, a.fd);
        if (keep == 0) { /* shutdown: end everything as cancelled, then go */
            batcher_cancel_all(b);
            while (!batcher_idle(b) && batcher_step(b) == SY_OK)
                ;
            break;
        }
        if (keep > 0 && batcher_step(b) != SY_OK)
            keep = -1;
    }
    batcher_destroy(b);
    llama_free(m.ctx);
    llama_model_free(m.model);
    llama_backend_free();
    return status;
}
