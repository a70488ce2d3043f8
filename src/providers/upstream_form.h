/* upstream_form.h -- the upload of OpenAI's /audio/transcriptions (and
 * /audio/translations) as an upstream: the request's audio as a 16-bit mono
 * WAV file, the model, verbose_json (for segments and the language heard),
 * language, prompt, temperature, and provider_overrides as more fields
 * (strings as they are, other values as JSON text).
 * Thread-safety: builds a new form for the caller's easy handle. */
#ifndef SY_UPSTREAM_FORM_H
#define SY_UPSTREAM_FORM_H

#include <curl/curl.h>

#include "core/request.h"
#include "util/err.h"

/* Builds the form for req (its samples, language, prompt, settings) and
 * model (the upstream's id) on easy. *out is the caller's (curl_mime_free,
 * after the transfer). Returns: SY_OK; SY_EINVAL when req has no audio;
 * SY_ENOMEM; SY_EIO when the WAV cannot be written. */
sy_code upstream_transcription_form(CURL *easy, const struct sy_request *req, const char *model,
                                    curl_mime **out, struct sy_err *err);

#endif
