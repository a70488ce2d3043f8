/* model_json.h -- one model as JSON, the same everywhere it is listed. */
#ifndef SY_MODEL_JSON_H
#define SY_MODEL_JSON_H

#include <jansson.h>

#include "core/model_info.h"
#include "router/router.h"

/* Returns: the model's type as the playground and seed 001 name it: "chat",
 * "image", "speech", "embedding" or "other". */
const char *model_type(const struct sy_model_info *info);

/* Returns: a new object with every field of info (OpenAI's id/object/created/
 * owned_by plus name, description, contextLength, type, capabilities, status
 * and file metadata), owned by the caller; NULL if out of memory. */
json_t *model_json(const struct sy_model_info *info);

/* Lists every model for a listing route: *out and *n as router_list, and
 * *problems a new array of {"provider", "code", "message"} for each remote
 * provider that could not list (empty if none). Returns router_list's code. */
sy_code model_list(struct router *r, struct sy_model_info **out, size_t *n, json_t **problems,
                   struct sy_err *err);

#endif
