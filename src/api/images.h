/* images.h -- the pictures a call collected, as the surfaces answer them. */
#ifndef SY_API_IMAGES_H
#define SY_API_IMAGES_H

#include <jansson.h>

#include "api/call.h"

/* Returns: a new array with one object per picture of c, in order:
 * {b64_key: its bytes in base64} and, unless type_key is NULL, {type_key:
 * its media type}. NULL if out of memory. */
json_t *images_json(const struct call *c, const char *b64_key, const char *type_key);

#endif
