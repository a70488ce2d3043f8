/* memory_estimate.h -- how much memory a local model will take once loaded.
 *
 * Computed from the GGUF header alone, before anything is loaded, so the
 * supervisor can keep every load inside the memory budget and clients can see
 * the numbers behind a refusal. The parts mirror how llama.cpp allocates:
 * the weights (mapped from the file), the KV cache for every slot's context,
 * and the compute buffers sized by the micro-batch and the vocabulary.
 * Thread-safety: pure functions. */
#ifndef SY_MEMORY_ESTIMATE_H
#define SY_MEMORY_ESTIMATE_H

#include <stdint.h>

#include "core/model_info.h"

/* The shape of a model, from its GGUF header. Zero means unknown. */
struct model_shape {
    uint64_t weights_bytes; /* tensor data */
    uint64_t n_layer, n_embd, n_head, n_head_kv, n_vocab;
    uint64_t n_ctx_train;
};

/* The engine settings the estimate depends on. */
struct engine_sizing {
    unsigned ctx_size; /* context tokens per slot (clamped to n_ctx_train) */
    unsigned slots;    /* parallel sequences */
    unsigned batch;    /* tokens per decode call */
};

/* Fills *out (caller storage) for a model of shape run with sizing. */
void memory_estimate(const struct model_shape *shape, const struct engine_sizing *sizing,
                     struct sy_memory_estimate *out);

#endif
