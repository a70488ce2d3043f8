/* json_body.h -- reading a request body as JSON, and checking its fields.
 *
 * Bodies must be JSON objects sent as application/json (or without a content
 * type); nesting is bounded by SY_JSON_DEPTH_MAX before the parser runs, and
 * jansson rejects invalid UTF-8 and duplicate keys. Unknown fields are refused
 * by name, as OpenAI does, so a typo never silently does nothing. */
#ifndef SY_JSON_BODY_H
#define SY_JSON_BODY_H

#include <jansson.h>

#include "http/exchange.h"
#include "util/err.h"

/* Parses ex's body. Returns: SY_OK and *out (a new reference, an object);
 * SY_EMEDIA for another content type; SY_EINVAL for bad JSON (with line and
 * column), too deep nesting, or a non-object. */
sy_code json_body_parse(struct http_exchange *ex, json_t **out, struct sy_err *err);

/* Like json_body_parse, whatever the Content-Type says: Ollama's clients and
 * documented curl examples send JSON as form data, and Ollama reads it.
 * (Cross-site form posts are stopped by the origin check, not by this.) */
sy_code json_body_parse_any_type(struct http_exchange *ex, json_t **out, struct sy_err *err);

/* Checks that every key of obj is in known (NULL-terminated). `where` prefixes
 * the param in errors ("" for the top level, "parameters" for a nested object).
 * Returns: SY_OK; SY_EINVAL naming the first unknown key. */
sy_code json_body_known_keys(const json_t *obj, const char *const *known, const char *where,
                             struct sy_err *err);

/* Returns: whether a member was given: present and not JSON null (clients
 * send null for "not set"). */
bool json_body_present(const json_t *v);

/* Reads an optional boolean member. Returns SY_EINVAL naming it if not a bool. */
sy_code json_body_bool(const json_t *obj, const char *key, bool *out, struct sy_err *err);

struct http_form_field;

/* Puts a form field into body as the member a JSON body would carry: a whole
 * number for the names in integers, a number for those in reals (each list
 * NULL-terminated, may be NULL), a JSON object for provider_overrides and
 * providerOptions, text otherwise. Returns: SY_OK; SY_EINVAL naming the field
 * when it is given twice or its value is not of its kind. */
sy_code json_body_put_form_field(json_t *body, const struct http_form_field *f,
                                 const char *const *integers, const char *const *reals,
                                 struct sy_err *err);

#endif
