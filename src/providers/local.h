/* local.h -- the local provider: GGUF files in the models directory and the
 * Hub cache, run by llama.cpp workers, and the built-in speech models, run by
 * speech workers, all under the supervisor. */
#ifndef SY_PROVIDER_LOCAL_H
#define SY_PROVIDER_LOCAL_H

#include "engines/supervisor.h"
#include "hub/catalog.h"
#include "models/builtin_speech.h"
#include "models/registry.h"
#include "providers/provider.h"

struct local_provider_config {
    struct registry *registry;
    struct builtin_speech *speech;
    struct supervisor *supervisor;
    struct catalog *catalog; /* may be NULL: what it knows explains a model not pulled yet */
    bool has_token;          /* HF_TOKEN is set (for those explanations) */
};

/* Fills *out as the local provider over cfg's parts (all borrowed; they
 * must outlive the provider). Returns: SY_OK; SY_ENOMEM. */
sy_code local_provider_init(const struct local_provider_config *cfg, struct sy_provider *out,
                            struct sy_err *err);

#endif
