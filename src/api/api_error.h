/* api_error.h -- sy_code → HTTP status and the wire shape of errors.
 *
 * The one place where error codes meet HTTP. OpenAI, HF and task surfaces use
 * {"error": {"message", "type", "code", "param"}}; the Ollama surface uses
 * {"error": "message"}, as Ollama does. */
#ifndef SY_API_ERROR_H
#define SY_API_ERROR_H

#include <jansson.h>

#include "http/exchange.h"
#include "util/err.h"

/* Returns: the HTTP status for code (400, 404, 422, 502, ...). */
unsigned api_status(sy_code code);

/* Returns: a new {"error": {...}} object for err, owned by the caller. */
json_t *api_error_body(const struct sy_err *err);

/* Answers ex with err in the OpenAI shape and the matching status (adds
 * Retry-After to 429/503). */
void api_respond_error(struct http_exchange *ex, const struct sy_err *err);

/* Answers ex with err in Ollama's shape, {"error": "message"}, and the same
 * status and Retry-After as api_respond_error. */
void api_respond_error_ollama(struct http_exchange *ex, const struct sy_err *err);

/* Shorthand: formats an error and answers with it. */
void api_respond_errorf(struct http_exchange *ex, sy_code code, const char *param,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
