/* routes.c -- every HTTP route of Switchyard, in one table. */
#include <stdio.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/api_metrics.h"
#include "api/hf.h"
#include "api/ollama.h"
#include "api/playground.h"
#include "api/openai.h"
#include "api/task.h"

static void health(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    http_respond_json(ex, 200, json_pack("{s:s, s:s}", "status", "ok", "version", api->version));
}

static const struct http_route routes[] = {
    {"GET", "/health", health, 0, true}, /* liveness: no API key */
    {"GET", "/metrics", api_metrics_serve, 0, false},
    {"POST", "/v1/chat/completions", openai_chat_completions, 0, false},
    {"POST", "/v1/completions", openai_completions, 0, false},
    {"POST", "/v1/embeddings", openai_embeddings, 0, false},
    {"POST", "/v1/images/generations", openai_images_generations, 0, false},
    {"POST", "/v1/images/edits", openai_images_edits, SY_IMAGE_UPLOAD_MAX, false},
    {"POST", "/v1/videos", openai_videos_create, 0, false},
    {"GET", "/v1/videos", openai_videos_list, 0, false},
    {"GET", "/v1/videos/*", openai_videos_get, 0, false},
    {"DELETE", "/v1/videos/*", openai_videos_delete, 0, false},
    {"GET", "/v1/models", openai_models_list, 0, false},
    {"GET", "/v1/models/*", openai_models_get, 0, false},
    {"POST", "/v1/audio/speech", openai_audio_speech, 0, false},
    {"POST", "/v1/audio/transcriptions", openai_audio_transcriptions, SY_AUDIO_UPLOAD_MAX, false},
    {"POST", "/v1/audio/translations", openai_audio_translations, SY_AUDIO_UPLOAD_MAX, false},
    {"POST", "/models/*", hf_models_post, SY_AUDIO_UPLOAD_MAX, false}, /* audio for ASR */
    {"POST", "/api/inference", task_inference, 0, false},
    {"POST", "/api/inference/stream", task_inference_stream, 0, false},
    {"GET", "/api/models", task_models_list, 0, false},
    {"GET", "/api/models/status", task_models_status, 0, false}, /* before the id wildcard */
    {"POST", "/api/models/load", task_models_load, 0, false},
    {"POST", "/api/models/unload", task_models_unload, 0, false},
    {"POST", "/api/models/pull", task_models_pull, 0, false},
    {"GET", "/api/models/*", task_models_get, 0, false},
    {"DELETE", "/api/models/*", task_models_delete, 0, false},
    /* Ollama's API, served by Switchyard itself. */
    {"GET", "/", ollama_root, 0, true}, /* the page, or "Ollama is running" */
    {"HEAD", "/", ollama_root, 0, true},
    {"POST", "/api/chat", ollama_chat, 0, false},
    {"POST", "/api/generate", ollama_generate, 0, false},
    {"POST", "/api/embed", ollama_embed, 0, false},
    {"POST", "/api/embeddings", ollama_embeddings, 0, false},
    {"GET", "/api/tags", ollama_tags, 0, false},
    {"POST", "/api/show", ollama_show, 0, false},
    {"GET", "/api/ps", ollama_ps, 0, false},
    {"POST", "/api/pull", ollama_pull, 0, false},
    {"DELETE", "/api/delete", ollama_delete, 0, false},
    {"GET", "/api/version", ollama_version, 0, false},
    {"GET", "/api/intents", task_intents_list, 0, false},
    {"GET", "/api/providers", task_providers_list, 0, false},
    {"GET", "/api/providers/*", task_provider_schema, 0, false},
    {"GET", "/api/runs", task_runs_list, 0, false},
    {"GET", "/api/runs/*", task_runs_get, 0, false},
    {"DELETE", "/api/runs/*", task_runs_delete, 0, false},
    {"GET", "/api/hub/models", task_hub_search, 0, false},
    {"GET", "/api/hub/models/*", task_hub_model, 0, false},
    /* Last: the playground's files for GET paths no route above takes. The
     * page itself needs no key (its API calls do). */
    {"GET", "/*", playground_serve, 0, true},
    {"HEAD", "/*", playground_serve, 0, true},
};

const struct http_route *api_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}

void api_refuse(struct http_exchange *ex, void *app, sy_code code, const char *detail)
{
    (void)app;
    switch (code) {
    case SY_ENOTFOUND:
        api_respond_errorf(ex, code, NULL, "no route for %s %s", http_method(ex), http_path(ex));
        return;
    case SY_EMETHOD:
        api_respond_errorf(ex, code, NULL, "%s is not allowed on %s", http_method(ex),
                           http_path(ex));
        return;
    case SY_ETOOLARGE:
        api_respond_errorf(ex, code, NULL, "request body too large: %s",
                           detail ? detail : "over the limit");
        return;
    default:
        api_respond_errorf(ex, code, NULL, "%s", detail ? detail : "request refused");
        return;
    }
}
