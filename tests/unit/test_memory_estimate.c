/* test_memory_estimate.c -- the estimate against what llama.cpp itself reports
 * for SmolLM2-135M's shape with 4 slots of 4096 tokens and batch 512:
 * KV buffer 360.00 MiB, compute buffer 98.25 MiB, output buffer 0.75 MiB. */
#include "engines/memory_estimate.h"
#include "t.h"

#define MIB (1024.0 * 1024.0)

static const struct model_shape smollm = {
    .weights_bytes = 173108352, /* 165.09 MiB, as llama.cpp maps it */
    .n_layer = 30, .n_embd = 576, .n_head = 9, .n_head_kv = 3, .n_vocab = 49152,
    .n_ctx_train = 8192,
};

static void test_smollm_shape(void)
{
    struct engine_sizing z = {.ctx_size = 4096, .slots = 4, .batch = 512};
    struct sy_memory_estimate e;
    memory_estimate(&smollm, &z, &e);
    T_EQ_INT(e.kv_cache_bytes, 360ull * 1024 * 1024);
    /* llama.cpp's compute + output buffers (99 MiB) plus the runtime's 14 MiB
     * resident: the estimate may not undershoot them, nor overshoot by much. */
    double compute = (double)e.compute_bytes / MIB;
    T_ASSERT(compute >= 99.0 + 14.0);
    T_ASSERT(compute <= 99.0 + 24.0);
    T_EQ_INT(e.total_bytes, e.weights_bytes + e.kv_cache_bytes + e.compute_bytes);
    T_EQ_INT(e.ctx_per_slot, 4096);
    T_EQ_INT(e.slots, 4);
}

static void test_context_clamped_to_training(void)
{
    struct engine_sizing z = {.ctx_size = 32768, .slots = 1, .batch = 512};
    struct sy_memory_estimate e;
    memory_estimate(&smollm, &z, &e);
    T_EQ_INT(e.ctx_per_slot, 8192);
    T_EQ_INT(e.kv_cache_bytes, 2ull * 30 * 8192 * 192 * 2);
}

static void test_unknown_shape(void)
{
    struct model_shape none = {0};
    struct engine_sizing z = {.ctx_size = 4096, .slots = 4, .batch = 512};
    struct sy_memory_estimate e;
    memory_estimate(&none, &z, &e);
    T_EQ_INT(e.kv_cache_bytes, 0);
    T_ASSERT(e.total_bytes > 0); /* the runtime still costs something */
}

/* No slots configured: as many as fit, up to SY_AUTO_SLOTS_MAX, else one. */
static void test_auto_slots_follow_the_budget(void)
{
    struct sy_memory_estimate four, two;
    memory_estimate(&smollm, &(struct engine_sizing){.ctx_size = 4096, .slots = 4, .batch = 512},
                    &four);
    memory_estimate(&smollm, &(struct engine_sizing){.ctx_size = 4096, .slots = 2, .batch = 512},
                    &two);
    struct engine_sizing z = {.ctx_size = 4096, .batch = 512, .budget = 8ull << 30};
    struct sy_memory_estimate e;
    memory_estimate(&smollm, &z, &e);
    T_EQ_INT(e.slots, SY_AUTO_SLOTS_MAX);
    T_EQ_INT(e.total_bytes, four.total_bytes);

    z.budget = two.total_bytes; /* exactly two fit, three do not */
    memory_estimate(&smollm, &z, &e);
    T_EQ_INT(e.slots, 2);
    T_EQ_INT(e.total_bytes, two.total_bytes);

    z.budget = 1 << 20; /* nothing fits: one slot, and the refusal names its numbers */
    memory_estimate(&smollm, &z, &e);
    T_EQ_INT(e.slots, 1);
    T_ASSERT(e.total_bytes > z.budget);
}

int main(void)
{
    T_RUN(test_auto_slots_follow_the_budget);
    T_RUN(test_smollm_shape);
    T_RUN(test_context_clamped_to_training);
    T_RUN(test_unknown_shape);
    return t_done();
}
