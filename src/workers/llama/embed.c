/* embed.c -- from an `embed` frame to normalised vectors. */
#include "workers/llama/embed.h"

#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/limits.h"
#include "workers/llama/wire.h"

/* Tokens per llama_decode for a model without pooling: in embeddings mode
 * every token is an output, so each also gets a row of logits; a small chunk
 * keeps that buffer small for large vocabularies. */
#define EMBED_CHUNK 128

static struct embed *fail(struct embed *job, struct gen_error *e, const char *code,
                          const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static struct embed *fail(struct embed *job, struct gen_error *e, const char *code,
                          const char *fmt, ...)
{
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    embed_free(job);
    return NULL;
}

void embed_free(struct embed *job)
{
    if (!job)
        return;
    for (int i = 0; job->tokens && i < job->n_inputs; i++)
        free(job->tokens[i]);
    free(job->tokens);
    free(job->n_tokens);
    free(job);
}

int embed_max_tokens(const struct gen_env *env, struct llama_context *ctx)
{
    int max = env->n_ctx;
    int ubatch = (int)llama_n_ubatch(ctx);
    if (llama_pooling_type(ctx) != LLAMA_POOLING_TYPE_NONE && ubatch < max)
        max = ubatch;
    return max;
}

/* Tokenizes text as the model's tokenizer would for a whole input (BOS, and
 * EOS or SEP where the vocabulary adds them). Returns the count, or -1. */
static int tokenize(const struct gen_env *env, const char *text, size_t len, llama_token **out)
{
    int32_t cap = (int32_t)len + 8;
    *out = malloc((size_t)cap * sizeof **out);
    if (!*out)
        return -1;
    int32_t n = llama_tokenize(env->vocab, text, (int32_t)len, *out, cap, true, false);
    if (n < 0 && n != INT32_MIN) { /* more tokens than the guess: -n of them, exactly */
        llama_token *bigger = realloc(*out, (size_t)-n * sizeof **out);
        if (!bigger)
            return -1;
        *out = bigger;
        n = llama_tokenize(env->vocab, text, (int32_t)len, *out, -n, true, false);
    }
    return n < 0 ? -1 : n;
}

struct embed *embed_from_frame(const json_t *frame, const struct gen_env *env,
                               struct llama_context *ctx, struct gen_error *e)
{
    memset(e, 0, sizeof *e);
    const json_t *idv = json_object_get(frame, "id");
    if (!json_is_integer(idv) || json_integer_value(idv) < 0)
        return fail(NULL, e, "invalid_request", "embed needs a non-negative integer id");
    e->has_id = true;
    e->id = (uint64_t)json_integer_value(idv);
    const json_t *inputs = json_object_get(frame, "inputs");
    size_t n = json_array_size(inputs);
    if (!json_is_array(inputs) || n == 0 || n > SY_EMBED_INPUTS_MAX)
        return fail(NULL, e, "invalid_request", "embed needs 1 to %d inputs",
                    SY_EMBED_INPUTS_MAX);
    if (llama_pooling_type(ctx) == LLAMA_POOLING_TYPE_RANK)
        return fail(NULL, e, "invalid_request",
                    "this is a reranking model: it scores pairs of texts and makes no "
                    "embeddings");
    bool truncate = json_is_true(json_object_get(frame, "truncate"));
    int max = embed_max_tokens(env, ctx);

    struct embed *job = calloc(1, sizeof *job);
    if (job) {
        job->id = e->id;
        job->tokens = calloc(n, sizeof *job->tokens);
        job->n_tokens = calloc(n, sizeof *job->n_tokens);
    }
    if (!job || !job->tokens || !job->n_tokens)
        return fail(job, e, "engine_failed", "out of memory");
    job->n_inputs = (int)n;
    for (size_t i = 0; i < n; i++) {
        const json_t *text = json_array_get(inputs, i);
        if (!json_is_string(text) || json_string_length(text) == 0)
            return fail(job, e, "invalid_request", "inputs[%zu] must be a non-empty string", i);
        int count = tokenize(env, json_string_value(text), json_string_length(text),
                             &job->tokens[i]);
        if (count < 0)
            return fail(job, e, "engine_failed", "tokenizing inputs[%zu] failed", i);
        if (count == 0)
            return fail(job, e, "invalid_request", "inputs[%zu] has no tokens", i);
        if (count > max && !truncate)
            return fail(job, e, "context_length_exceeded",
                        "input %zu is %d tokens, but this model embeds at most %d tokens at "
                        "once; shorten it or ask for truncation",
                        i, count, max);
        job->n_tokens[i] = count > max ? max : count;
        job->total_tokens += job->n_tokens[i];
    }
    return job;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void seq_clear(struct llama_context *ctx, int seq)
{
    llama_memory_t mem = llama_get_memory(ctx); /* NULL for encoders: they keep no cache */
    if (mem)
        llama_memory_seq_rm(mem, seq, -1, -1);
}

/* Decodes tokens[from, from+n) at their positions in seq. */
static int decode(struct llama_context *ctx, struct llama_batch *batch, const llama_token *tokens,
                  int from, int n, int seq)
{
    batch->n_tokens = n;
    for (int k = 0; k < n; k++) {
        batch->token[k] = tokens[from + k];
        batch->pos[k] = from + k;
        batch->n_seq_id[k] = 1;
        batch->seq_id[k][0] = seq;
        batch->logits[k] = true;
    }
    return llama_decode(ctx, *batch);
}

/* The vector of one input, into out (dim floats). Returns 0, or
 * llama_decode's status (or -1 when llama.cpp gives no embeddings). */
static int embed_one(struct llama_context *ctx, struct llama_batch *batch, int chunk,
                     const llama_token *tokens, int n, int seq, float *out, double *sum, int dim)
{
    seq_clear(ctx, seq);
    if (llama_pooling_type(ctx) != LLAMA_POOLING_TYPE_NONE) {
        int status = decode(ctx, batch, tokens, 0, n, seq);
        const float *v = status == 0 ? llama_get_embeddings_seq(ctx, seq) : NULL;
        if (status != 0 || !v)
            return status != 0 ? status : -1;
        memcpy(out, v, (size_t)dim * sizeof *out);
        return 0;
    }
    memset(sum, 0, (size_t)dim * sizeof *sum);
    for (int from = 0; from < n; from += chunk) {
        int take = n - from < chunk ? n - from : chunk;
        int status = decode(ctx, batch, tokens, from, take, seq);
        if (status != 0)
            return status;
        for (int k = 0; k < take; k++) {
            const float *row = llama_get_embeddings_ith(ctx, k);
            if (!row)
                return -1;
            for (int d = 0; d < dim; d++)
                sum[d] += row[d];
        }
    }
    for (int d = 0; d < dim; d++)
        out[d] = (float)(sum[d] / n);
    return 0;
}

static void normalize(float *v, int dim)
{
    double norm = 0;
    for (int d = 0; d < dim; d++)
        norm += (double)v[d] * v[d];
    norm = sqrt(norm);
    if (norm > 0)
        for (int d = 0; d < dim; d++)
            v[d] = (float)(v[d] / norm);
}

sy_code embed_run(const struct embed *job, struct llama_context *ctx, int seq, int n_batch, int fd)
{
    double t0 = now_ms();
    sy_code rc = wire_started(fd, job->id, job->total_tokens);
    if (rc != SY_OK)
        return rc;
    int dim = llama_model_n_embd_out(llama_get_model(ctx));
    bool pooled = llama_pooling_type(ctx) != LLAMA_POOLING_TYPE_NONE;
    int chunk = pooled ? (int)llama_n_ubatch(ctx) : (n_batch < EMBED_CHUNK ? n_batch : EMBED_CHUNK);
    struct llama_batch batch = llama_batch_init(chunk, 0, 1);
    float *vec = malloc((size_t)dim * sizeof *vec);
    double *sum = malloc((size_t)dim * sizeof *sum);
    if (!vec || !sum || !batch.token) {
        rc = wire_error(fd, job->id, "engine_failed", "out of memory computing embeddings");
        goto out;
    }
    llama_set_embeddings(ctx, true);
    bool failed = false;
    for (int i = 0; i < job->n_inputs && rc == SY_OK && !failed; i++) {
        int status = embed_one(ctx, &batch, chunk, job->tokens[i], job->n_tokens[i], seq, vec, sum,
                               dim);
        if (status != 0) {
            char msg[128];
            snprintf(msg, sizeof msg, "computing the embedding of input %d failed (llama_decode "
                     "status %d)", i, status);
            rc = wire_error(fd, job->id, "engine_failed", msg);
            failed = true;
            continue;
        }
        normalize(vec, dim);
        rc = wire_embedding(fd, job->id, i, vec, dim);
    }
    llama_set_embeddings(ctx, false);
    seq_clear(ctx, seq);
    if (rc == SY_OK && !failed) {
        struct wire_done d = {.finish_reason = "stop",
                              .prompt_tokens = job->total_tokens,
                              .prompt_ms = now_ms() - t0};
        rc = wire_done(fd, job->id, &d);
    }
out:
    llama_batch_free(batch);
    free(vec);
    free(sum);
    return rc;
}
