/* model_info.h -- what the server tells clients about one model.
 *
 * Providers fill these; the API surfaces render them (/v1/models, the task
 * API's model routes). Plain data, copied by value. */
#ifndef SY_MODEL_INFO_H
#define SY_MODEL_INFO_H

#include <stdint.h>

#include "core/capabilities.h"
#include "util/err.h"
#include "util/limits.h"

/* Memory a local model takes once loaded (engines/memory_estimate.h). */
struct sy_memory_estimate {
    uint64_t weights_bytes, kv_cache_bytes, compute_bytes, total_bytes;
    unsigned ctx_per_slot, slots; /* the sizing the numbers are for */
};

struct sy_model_info {
    char id[SY_MODEL_ID_MAX + 1]; /* as clients name it, with provider prefix */
    char name[SY_MODEL_ID_MAX + 64]; /* display name */
    char description[512];
    char owned_by[64];            /* "local", or the provider's name */
    char backend[32];             /* the engine that runs it ("llama.cpp") */
    char architecture[64];
    char quantization[16];
    uint64_t parameter_count;
    uint64_t size_bytes;
    int64_t created;              /* Unix time (file modification for local files) */
    char status[16];              /* "unloaded" | "loading" | "loaded" | "failed" | "unusable" */
    char problem[SY_ERR_MSG_MAX];   /* why it is unusable, or "" */
    struct sy_capabilities caps;
    struct sy_memory_estimate memory; /* all zero when not a local model */
};

#endif
