/* upstream_form.h -- the multipart uploads of OpenAI's API as an upstream.
 *
 * /audio/transcriptions (and /audio/translations): the request's audio as a
 * 16-bit mono WAV file, the model, verbose_json (for segments and the
 * language heard), language, prompt, temperature. /images/edits: the
 * reference images ("image", or "image[]" for several), the model, prompt,
 * n, size, b64_json and the diffusion settings given. /videos (creating a
 * video job): the model, prompt, seconds and size. provider_overrides
 * become more fields (strings as they are, other values as JSON text).
 * Thread-safety: builds a new form for the caller's easy handle. */
#ifndef SY_UPSTREAM_FORM_H
#define SY_UPSTREAM_FORM_H

#include <curl/curl.h>

#include "app/provider_config.h"
#include "core/request.h"
#include "util/err.h"

/* Builds the form for req (its samples, language, prompt, settings) and
 * model (the upstream's id) on easy. *out is the caller's (curl_mime_free,
 * after the transfer). Returns: SY_OK; SY_EINVAL when req has no audio;
 * SY_ENOMEM; SY_EIO when the WAV cannot be written. */
sy_code upstream_transcription_form(CURL *easy, const struct sy_request *req, const char *model,
                                    curl_mime **out, struct sy_err *err);

/* Builds the image-edit form for req (its reference images, prompt and
 * settings) and model on easy; *out as above. Returns: SY_OK; the size
 * check's refusal (upstream_check_image_size); SY_ENOMEM. */
sy_code upstream_image_edit_form(const struct sy_provider_config *cfg, CURL *easy,
                                 const struct sy_request *req, const char *model,
                                 curl_mime **out, struct sy_err *err);

/* Builds the form that creates a video job for req (its prompt, duration and
 * size) and model on easy; *out as above. Returns: SY_OK; the size check's
 * refusal (upstream_check_video_size); SY_ENOMEM. */
sy_code upstream_video_form(const struct sy_provider_config *cfg, CURL *easy,
                            const struct sy_request *req, const char *model, curl_mime **out,
                            struct sy_err *err);

#endif
