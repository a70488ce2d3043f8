/* embeddings.h -- what every surface's embeddings answer shares: the vectors
 * a call collected, cut to the dimensions asked for, as JSON numbers or as
 * OpenAI's base64 of little-endian float32. */
#ifndef SY_API_EMBEDDINGS_H
#define SY_API_EMBEDDINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "api/call.h"
#include "core/request.h"
#include "util/err.h"

/* Reads `dimensions` from v at param (absent or null: the model's own).
 * Returns: SY_OK; SY_EINVAL unless it is an integer from 1 to 65536. */
sy_code embeddings_read_dimensions(const json_t *v, const char *param, struct sy_request *req,
                                   struct sy_err *err);

/* Returns: a new JSON value for vector i of c: an array of numbers, or
 * (base64) a string; cut to req.embed.dimensions and renormalised when the
 * request asked for fewer than the model makes. NULL if out of memory. */
json_t *embeddings_vector(const struct call *c, size_t i, bool base64);

/* Returns: a new array of every vector of c as arrays of numbers. */
json_t *embeddings_all(const struct call *c);

#endif
