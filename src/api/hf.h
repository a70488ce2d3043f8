/* hf.h -- the Hugging Face Inference API surface (/models/{id}). */
#ifndef SY_HF_H
#define SY_HF_H

#include "http/exchange.h"

void hf_models_post(struct http_exchange *ex, void *app); /* POST /models/{model_id} */

#endif
