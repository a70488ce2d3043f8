/* hf.h -- the Hugging Face Inference API surface (/models/{id}). */
#ifndef SY_HF_H
#define SY_HF_H

#include <stdbool.h>

#include "core/request.h"
#include "http/exchange.h"

struct api_ctx;

void hf_models_post(struct http_exchange *ex, void *app); /* POST /models/{model_id} */

/* Answers ex if req->model (set) is a speech model, taking req over (it is
 * cleaned up or moved). Returns false, touching nothing, for other models
 * and for ids that do not resolve. */
bool hf_speech_serve(struct http_exchange *ex, struct api_ctx *api, struct sy_request *req);

/* Answers ex for feature extraction: when the path ends in
 * /pipeline/feature-extraction (which is cut from req->model), or when the
 * model does nothing but embed. Takes req over then; returns false,
 * touching nothing, otherwise. */
bool hf_embed_serve(struct http_exchange *ex, struct api_ctx *api, struct sy_request *req);

#endif
