/* openai.h -- the OpenAI API surface (/v1/...): handlers for the route table. */
#ifndef SY_OPENAI_H
#define SY_OPENAI_H

#include "http/exchange.h"

void openai_chat_completions(struct http_exchange *ex, void *app); /* POST /v1/chat/completions */
void openai_completions(struct http_exchange *ex, void *app);      /* POST /v1/completions */
void openai_embeddings(struct http_exchange *ex, void *app);       /* POST /v1/embeddings */
void openai_images_generations(struct http_exchange *ex, void *app); /* POST /v1/images/... */
void openai_images_edits(struct http_exchange *ex, void *app);       /* .../images/edits */
void openai_videos_create(struct http_exchange *ex, void *app);      /* POST /v1/videos */
void openai_videos_list(struct http_exchange *ex, void *app);        /* GET /v1/videos */
void openai_videos_get(struct http_exchange *ex, void *app);   /* GET /v1/videos/{id}[/content] */
void openai_videos_delete(struct http_exchange *ex, void *app);      /* DELETE /v1/videos/{id} */
void openai_models_list(struct http_exchange *ex, void *app);      /* GET /v1/models */
void openai_models_get(struct http_exchange *ex, void *app);       /* GET /v1/models/{id} */
void openai_audio_speech(struct http_exchange *ex, void *app);     /* POST /v1/audio/speech */
void openai_audio_transcriptions(struct http_exchange *ex, void *app); /* POST .../transcriptions */
/* POST /v1/audio/translations: speech into English text */
void openai_audio_translations(struct http_exchange *ex, void *app);

#endif
