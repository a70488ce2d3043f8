/* batcher.h -- continuous batching over one llama_context.
 *
 * The context has one sequence per slot. Each step builds ONE llama_batch
 * from every active slot -- the last sampled token of each generating slot,
 * plus the next chunk of prompt of slots still reading theirs, within the
 * batch budget -- runs one llama_decode, then samples for each slot whose
 * logits came out and sends what it produced. Requests wait in FIFO order for
 * a free slot. One thread, one decode at a time: concurrent requests share
 * the thread pool instead of competing for the cores.
 *
 * A slot's sequence outlives its request: the next request goes to the free
 * slot whose cached tokens share the longest prefix with its prompt, and only
 * the rest of the prompt is decoded (docs/PROTOCOL.md, `generate`).
 * Embedding requests borrow a free slot's sequence (embed.h). */
#ifndef SY_LLAMA_BATCHER_H
#define SY_LLAMA_BATCHER_H

#include <stdbool.h>
#include <stdint.h>

#include "llama.h"
#include "util/err.h"
#include "workers/llama/embed.h"
#include "workers/llama/gen.h"

struct batcher;

struct batcher_config {
    struct llama_context *ctx;        /* borrowed */
    const struct llama_vocab *vocab;  /* borrowed */
    int n_slots;
    int n_ctx;   /* context tokens per slot */
    int n_batch; /* most tokens per llama_decode */
    int fd;      /* where frames go */
};

/* Returns: a new batcher (batcher_destroy()), or NULL if out of memory. */
struct batcher *batcher_create(const struct batcher_config *cfg);

/* Frees the batcher and every request still in it, without sending anything. */
void batcher_destroy(struct batcher *b);

/* Queues g (ownership taken) behind the requests already waiting. */
void batcher_submit(struct batcher *b, struct gen *g);

/* Queues an embedding request (ownership taken); it runs whole in a free
 * slot between decode steps, ahead of waiting generations. */
void batcher_submit_embed(struct batcher *b, struct embed *job);

/* Asks request id to stop; it ends with done/cancelled at the next step.
 * Unknown ids are ignored (the request may have just finished). */
void batcher_cancel(struct batcher *b, uint64_t id);

/* Cancels every request, running or waiting. */
void batcher_cancel_all(struct batcher *b);

/* Returns: true when no request runs or waits. */
bool batcher_idle(const struct batcher *b);

/* Runs one step. Returns: SY_OK; SY_EIO once the supervisor cannot be
 * written to (the worker should exit). */
sy_code batcher_step(struct batcher *b);

#endif
