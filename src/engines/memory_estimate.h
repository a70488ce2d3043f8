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
    uint64_t state_bytes; /* engines other than llama.cpp: what they allocate besides weights */
};

/* Slots a model gets when none are configured, if they fit. */
#define SY_AUTO_SLOTS_MAX 4

/* The engine settings the estimate depends on. */
struct engine_sizing {
    unsigned ctx_size; /* context tokens per slot (clamped to n_ctx_train) */
    unsigned slots;    /* parallel sequences; 0: the most, up to SY_AUTO_SLOTS_MAX,
                        * whose estimate fits in budget (1 if none does) */
    unsigned batch;    /* tokens per decode call */
    uint64_t budget;   /* bytes; only used to size slots */
};

/* Fills *out (caller storage) for a model of shape run with sizing; out->slots
 * says how many slots the numbers are for. */
void memory_estimate(const struct model_shape *shape, const struct engine_sizing *sizing,
                     struct sy_memory_estimate *out);

#endif
