/* form.h -- reading a request body sent as an HTML form.
 *
 * multipart/form-data (OpenAI's audio uploads) and
 * application/x-www-form-urlencoded bodies are parsed by libmicrohttpd's post
 * processor, never by hand. The body is already buffered (and bounded by the
 * route's limit) when a handler runs; each field is handed over whole.
 * Thread-safety: on the HTTP thread that runs the handler. */
#ifndef SY_HTTP_FORM_H
#define SY_HTTP_FORM_H

#include <stddef.h>

#include "http/exchange.h"
#include "util/err.h"

#define HTTP_FORM_FIELDS_MAX 64 /* fields one form may have */

struct http_form_field {
    const char *name;         /* the field's name */
    const char *filename;     /* an uploaded file's name, or NULL */
    const char *content_type; /* the part's Content-Type, or NULL */
    const char *data;         /* its value (NUL-terminated; may hold NULs) */
    size_t len;
};

/* Calls fn once per field, in order, with data borrowed for the call; fn
 * returns SY_OK to go on or an error to stop with.
 * Returns: SY_OK; SY_EMEDIA if the body is not a form (naming the content
 *          types accepted); SY_EINVAL if it is malformed or has more than
 *          HTTP_FORM_FIELDS_MAX fields; fn's error. */
sy_code http_form_parse(struct http_exchange *ex,
                        sy_code (*fn)(void *ctx, const struct http_form_field *field,
                                      struct sy_err *err),
                        void *ctx, struct sy_err *err);

#endif
