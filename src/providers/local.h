/* local.h -- the local provider: GGUF files in the models directory, run by
 * llama.cpp workers under the supervisor. */
#ifndef SY_PROVIDER_LOCAL_H
#define SY_PROVIDER_LOCAL_H

#include "engines/supervisor.h"
#include "models/registry.h"
#include "providers/provider.h"

/* Fills *out as the local provider over reg and sup (both borrowed; they must
 * outlive the provider). Returns: SY_OK; SY_ENOMEM. */
sy_code local_provider_init(struct registry *reg, struct supervisor *sup, struct sy_provider *out,
                            struct sy_err *err);

#endif
