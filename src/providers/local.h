/* local.h -- the local provider: GGUF files in the models directory and the
 * Hub cache, run by llama.cpp workers, and the built-in speech models, run by
 * speech workers, all under the supervisor. */
#ifndef SY_PROVIDER_LOCAL_H
#define SY_PROVIDER_LOCAL_H

#include "engines/supervisor.h"
#include "models/builtin_speech.h"
#include "models/registry.h"
#include "providers/provider.h"

/* Fills *out as the local provider over reg, speech and sup (all borrowed;
 * they must outlive the provider). Returns: SY_OK; SY_ENOMEM. */
sy_code local_provider_init(struct registry *reg, struct builtin_speech *speech,
                            struct supervisor *sup, struct sy_provider *out, struct sy_err *err);

#endif
