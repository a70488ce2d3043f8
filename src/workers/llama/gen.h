/* gen.h -- one generation request inside the llama worker: a `generate` frame
 * validated, templated, tokenized and checked against the slot's context.
 * Not thread-safe (the worker has one thread). */
#ifndef SY_LLAMA_GEN_H
#define SY_LLAMA_GEN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "llama.h"

struct gen {
    uint64_t id;
    llama_token *tokens; /* the prompt; owned */
    int n_tokens;
    int max_tokens;      /* 0: until the slot's context is full */
    bool greedy;
    float temperature, top_p, repetition_penalty, presence_penalty, frequency_penalty;
    int top_k;
    bool has_seed;
    uint32_t seed;
    char **stop;         /* owned, n_stop strings */
    size_t n_stop;
    struct gen *next;    /* the waiting queue */
};

struct gen_env {
    const struct llama_model *model;
    const struct llama_vocab *vocab;
    int n_ctx; /* context tokens per slot */
};

struct gen_error {
    bool has_id;         /* the frame had a usable id (an error can be sent) */
    uint64_t id;
    const char *code;    /* "invalid_request" | "context_length_exceeded" | "engine_failed" */
    char message[512];
};

/* Builds a gen from a `generate` frame (borrowed).
 * Returns: a new gen owned by the caller (gen_free()), or NULL with *e filled. */
struct gen *gen_from_frame(const json_t *frame, const struct gen_env *env, struct gen_error *e);

void gen_free(struct gen *g); /* NULL is a no-op */

/* Returns: a new sampler chain for g (llama_sampler_free()), or NULL. */
struct llama_sampler *gen_sampler(const struct gen *g);

#endif
