/* hf.h -- the Hugging Face Inference API surface (/models/{id}). */
#ifndef SY_HF_H
#define SY_HF_H

#include <stdbool.h>

#include "core/model_info.h"
#include "core/request.h"
#include "http/exchange.h"

struct api_ctx;

void hf_models_post(struct http_exchange *ex, void *app); /* POST /models/{model_id} */

/* Answers ex if model (req->model described; NULL if it does not resolve)
 * is a speech model, taking req over (it is cleaned up or moved). Returns
 * false, touching nothing, otherwise. */
bool hf_speech_serve(struct http_exchange *ex, struct api_ctx *api, struct sy_request *req,
                     const struct sy_model_info *model);

/* Returns: whether req->model ends in /pipeline/feature-extraction (where
 * huggingface_hub posts feature extraction); that part is cut from it. */
bool hf_embed_pipeline(struct sy_request *req);

/* Answers ex for feature extraction: when the path named the pipeline, or
 * when model (NULL if it does not resolve) does nothing but embed. Takes req
 * over then; returns false, touching nothing, otherwise. */
bool hf_embed_serve(struct http_exchange *ex, struct api_ctx *api, struct sy_request *req,
                    bool pipeline, const struct sy_model_info *model);

#endif
