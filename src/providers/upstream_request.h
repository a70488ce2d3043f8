/* upstream_request.h -- what a remote provider sends its upstream: the path
 * and the JSON body of each request, in the upstream's dialect.
 *
 * OpenAI: /chat/completions, /completions, /embeddings, /images/generations
 * under the base URL. Ollama: /api/chat, /api/generate, /api/embed. Hugging
 * Speech (OpenAI only): /audio/speech asking for raw 16-bit PCM at
 * SY_UPSTREAM_PCM_RATE, which can be relayed while it arrives, and
 * /audio/transcriptions or /audio/translations (upstream_form.h). Hugging
 * Face Inference Providers (the router): chat and completions through its
 * OpenAI-compatible /v1, and task endpoints of the hf-inference provider,
 * /hf-inference/models/{id} with {"inputs", "parameters"} (text-to-image) and
 * /hf-inference/models/{id}/pipeline/feature-extraction (embeddings), and
 * the same models route for text-to-audio (music, answered with the file).
 * Video (OpenAI only): /videos creates a job (upstream_form.h), which
 * remote_job.c polls and downloads.
 * Provider-specific fields (provider_overrides) go in untouched and win.
 * Thread-safety: pure functions of their arguments. */
#ifndef SY_UPSTREAM_REQUEST_H
#define SY_UPSTREAM_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "app/provider_config.h"
#include "core/request.h"
#include "util/err.h"

#define SY_UPSTREAM_PCM_RATE 24000 /* OpenAI's response_format "pcm": mono, 16-bit */

enum upstream_dialect {
    UPSTREAM_OPENAI, /* any OpenAI-compatible API */
    UPSTREAM_OLLAMA, /* an Ollama server's own API */
    UPSTREAM_HF,     /* Hugging Face Inference Providers' router */
};

/* The dialect a provider kind ("openai", "ollama", "hf") speaks. */
enum upstream_dialect upstream_dialect_of(const char *kind);

/* Where a model list is: the path after the base URL. */
const char *upstream_list_path(enum upstream_dialect d);

/* The URL of req's upstream request for model (the upstream's id) into url.
 * Returns: SY_OK; SY_EINVAL if it does not fit. */
sy_code upstream_url(const struct sy_provider_config *cfg, enum upstream_dialect d,
                     const struct sy_request *req, const char *model, char *url, size_t size,
                     struct sy_err *err);

/* The Accept header the answer is asked for with. */
const char *upstream_accept(enum upstream_dialect d, const struct sy_request *req);

/* The body of req's upstream request for model (the upstream's id); *out is
 * owned by the caller (free()). Returns: SY_OK; SY_EINVAL or SY_EUNSUPPORTED
 * naming what the upstream cannot take (a size its image model does not make,
 * several pictures from hf-inference, shortened embeddings); SY_ENOMEM. */
sy_code upstream_body(const struct sy_provider_config *cfg, enum upstream_dialect d,
                      const struct sy_request *req, const char *model, char **out,
                      struct sy_err *err);

/* Checks a drawing's width and height against what model is configured to
 * make. Returns: SY_OK; SY_EINVAL when only one is given; SY_EUNSUPPORTED
 * listing the sizes it makes. */
sy_code upstream_check_image_size(const struct sy_provider_config *cfg, const char *model,
                                  const struct sy_settings *s, struct sy_err *err);

/* The same for a video's size (settings width and height). */
sy_code upstream_check_video_size(const struct sy_provider_config *cfg, const char *model,
                                  const struct sy_settings *s, struct sy_err *err);

/* The configured video model with the upstream id `id`, or NULL. */
const struct sy_provider_video_model *upstream_video_model(const struct sy_provider_config *cfg,
                                                           const char *id);

/* The configured speech model with the upstream id `id`, or NULL. */
const struct sy_provider_audio_model *upstream_audio_model(const struct sy_provider_config *cfg,
                                                           const char *id);

/* The configured image model with the upstream id `id`, or NULL. */
const struct sy_provider_image_model *upstream_image_model(const struct sy_provider_config *cfg,
                                                           const char *id);

#endif
