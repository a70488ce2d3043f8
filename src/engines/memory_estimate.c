/* memory_estimate.c -- weights + KV cache + compute buffers, the llama.cpp way. */
#include "engines/memory_estimate.h"

#include <string.h>

#define MIB (1024ull * 1024ull)

/* What every worker costs whatever the model: code, the ggml/llama.cpp
 * runtime, thread stacks, graph metadata. Measured: a worker holding the
 * 230 KB test model is 14 MiB resident. */
#define RUNTIME_OVERHEAD (16ull * MIB)

static uint64_t pad_to(uint64_t n, uint64_t step)
{
    return (n + step - 1) / step * step;
}

static void estimate_for(const struct model_shape *s, const struct engine_sizing *z,
                         uint64_t slots, struct sy_memory_estimate *out)
{
    memset(out, 0, sizeof *out);
    uint64_t ctx = z->ctx_size;
    if (s->n_ctx_train && ctx > s->n_ctx_train)
        ctx = s->n_ctx_train;
    /* llama.cpp pads each sequence's cache to 256 cells. */
    uint64_t cells = pad_to(ctx, 256) * slots;
    uint64_t head_dim = s->n_head ? s->n_embd / s->n_head : 0;
    uint64_t n_head_kv = s->n_head_kv ? s->n_head_kv : s->n_head;
    uint64_t kv_width = n_head_kv * head_dim;
    /* K and V, F16 (2 bytes) per element, every layer. */
    out->kv_cache_bytes = 2ull * s->n_layer * cells * kv_width * 2ull;

    uint64_t batch = z->batch > slots ? z->batch : slots;
    uint64_t ubatch = batch < 512 ? batch : 512;
    /* llama.cpp reserves its compute buffer for the worst graph: logits for a
     * whole micro-batch, plus a couple of activations of the model's width
     * (flash attention keeps the rest small); the host output buffer holds
     * one row of logits per slot. Checked against its own report for
     * SmolLM2-135M's shape, 4 slots, batch 512: compute 98.25 + output 0.75
     * MiB reported, 96 + 2.25 + 0.75 MiB here (test_memory_estimate.c). */
    uint64_t logits = ubatch * s->n_vocab * 4ull;
    uint64_t activations = ubatch * s->n_embd * 4ull * 2ull;
    uint64_t outputs = slots * s->n_vocab * 4ull;
    out->compute_bytes = logits + activations + outputs + RUNTIME_OVERHEAD;

    out->weights_bytes = s->weights_bytes;
    out->ctx_per_slot = (unsigned)ctx;
    out->slots = (unsigned)slots;
    out->total_bytes = out->weights_bytes + out->kv_cache_bytes + out->compute_bytes;
}

void memory_estimate(const struct model_shape *s, const struct engine_sizing *z,
                     struct sy_memory_estimate *out)
{
    if (z->slots) {
        estimate_for(s, z, z->slots, out);
        return;
    }
    /* Parallel slots cost only KV cache and a row of logits each: take as many
     * as the budget allows, so concurrent clients batch instead of queueing. */
    for (unsigned n = SY_AUTO_SLOTS_MAX; n > 1; n--) {
        estimate_for(s, z, n, out);
        if (out->total_bytes <= z->budget)
            return;
    }
    estimate_for(s, z, 1, out);
}
