/* embed.h -- one embedding request inside the llama worker: an `embed` frame
 * tokenized, then run through a free slot's sequence with the context in
 * embeddings mode (docs/PROTOCOL.md, `embed`).
 *
 * A model that declares a pooling (an embedding model: mean, CLS or last
 * token) is pooled by llama.cpp and must see each input in one micro-batch;
 * a generative model (no pooling) is fed in chunks and its last hidden
 * states are averaged over the input's tokens, as llama-server does with
 * --pooling mean. Every vector is L2-normalised, as OpenAI's and Ollama's
 * are. Not thread-safe (the worker has one thread). */
#ifndef SY_LLAMA_EMBED_H
#define SY_LLAMA_EMBED_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "llama.h"
#include "util/err.h"
#include "workers/llama/gen.h"

struct embed {
    uint64_t id;
    llama_token **tokens; /* n_inputs token lists; owned */
    int *n_tokens;
    int n_inputs;
    int total_tokens;
    bool cancelled;
    struct embed *next;   /* the waiting queue */
};

/* The most tokens one input may have: the slot's context, and for a pooled
 * model also one micro-batch (llama.cpp pools within a micro-batch). */
int embed_max_tokens(const struct gen_env *env, struct llama_context *ctx);

/* Builds an embed from an `embed` frame (borrowed): {"id", "inputs":
 * [strings], "truncate": bool}. Inputs longer than embed_max_tokens() are
 * cut to it when truncate is true, refused otherwise.
 * Returns: a new embed owned by the caller (embed_free()), or NULL with *e filled. */
struct embed *embed_from_frame(const json_t *frame, const struct gen_env *env,
                               struct llama_context *ctx, struct gen_error *e);

void embed_free(struct embed *job); /* NULL is a no-op */

/* Runs job on sequence seq (emptied before and after) and sends `started`,
 * one `embedding` per input and `done`, or an `error`.
 * Returns: SY_OK; SY_EIO once the supervisor cannot be written to. */
sy_code embed_run(const struct embed *job, struct llama_context *ctx, int seq, int n_batch, int fd);

#endif
