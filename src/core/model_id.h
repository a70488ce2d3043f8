/* model_id.h -- parsing `[provider:]model[@file]` (DESIGN.md, "Model ids").
 *
 * Only the first ':' splits (`ollama:llama3.2:1b` is provider "ollama", model
 * "llama3.2:1b"); no prefix means the local engines. For local models a
 * suffix after the last '@' names a file or quantisation
 * (`bartowski/SmolLM2-135M-Instruct-GGUF@Q8_0`). */
#ifndef SY_MODEL_ID_H
#define SY_MODEL_ID_H

#include "util/err.h"
#include "util/limits.h"

struct model_id {
    char provider[64];               /* "" for local */
    char name[SY_MODEL_ID_MAX + 1];  /* the model, without provider or variant */
    char variant[SY_MODEL_ID_MAX + 1]; /* after '@', or "" */
};

/* Parses text into caller storage.
 * Returns: SY_OK; SY_EINVAL (param "model") for an empty part, a provider name
 *          that is not [a-z0-9_-]+, a name with "..", control characters or a
 *          leading '/', or a text longer than SY_MODEL_ID_MAX. */
sy_code model_id_parse(const char *text, struct model_id *out, struct sy_err *err);

#endif
