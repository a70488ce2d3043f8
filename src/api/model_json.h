/* model_json.h -- one model as JSON, the same everywhere it is listed. */
#ifndef SY_MODEL_JSON_H
#define SY_MODEL_JSON_H

#include <jansson.h>

#include "core/model_info.h"

/* Returns: the model's type as the playground and seed 001 name it: "chat",
 * "image", "speech", "embedding" or "other". */
const char *model_type(const struct sy_model_info *info);

/* Returns: a new object with every field of info (OpenAI's id/object/created/
 * owned_by plus name, description, contextLength, type, capabilities, status
 * and file metadata), owned by the caller; NULL if out of memory. */
json_t *model_json(const struct sy_model_info *info);

#endif
