/* task.h -- Switchyard's own task API (/api/...), used by the playground.
 *
 * POST /api/inference      {"model_id", "task"?, "inputs", "settings"?, "provider_overrides"?}
 *   → {"result": {"task_output": {"text"}, "finish_reason", "usage"}, "resolved_model_id",
 *      "backend", "runtime_ms_model", "timings"}
 * POST /api/inference/stream: the same request, answered as typed, versioned SSE:
 *   event: start | token | done | error, each data object carrying "v": 1 and "type".
 * GET /api/models, GET /api/models/{id}: the model catalog.
 * GET /api/models/status, POST /api/models/load {"model", "keep_alive"?},
 * POST /api/models/unload {"model"}: residency (task_residency.c). */
#ifndef SY_TASK_API_H
#define SY_TASK_API_H

#include <jansson.h>

#include "core/model_status.h"
#include "http/exchange.h"
#include "util/err.h"

#define TASK_EVENT_VERSION 1

struct sy_buf;
/* Appends one typed, versioned event of the task API's streams ({"v": 1,
 * "type": type, ...data}) to out, as SSE; takes data (NULL: SY_ENOMEM). */
sy_code task_event_write(struct sy_buf *out, const char *type, json_t *data);

struct call_encoder;
/* The task API's encoding: typed SSE events and the inference JSON body. */
extern const struct call_encoder task_encoder;

void task_inference(struct http_exchange *ex, void *app);        /* POST /api/inference */
void task_inference_stream(struct http_exchange *ex, void *app); /* POST /api/inference/stream */
void task_models_list(struct http_exchange *ex, void *app);      /* GET /api/models */
void task_models_get(struct http_exchange *ex, void *app);       /* GET /api/models/{id} */
void task_models_status(struct http_exchange *ex, void *app);    /* GET /api/models/status */
void task_models_load(struct http_exchange *ex, void *app);      /* POST /api/models/load */
void task_models_unload(struct http_exchange *ex, void *app);    /* POST /api/models/unload */
void task_models_pull(struct http_exchange *ex, void *app);      /* POST /api/models/pull */
void task_models_delete(struct http_exchange *ex, void *app);    /* DELETE /api/models/{id} */
void task_hub_search(struct http_exchange *ex, void *app);       /* GET /api/hub/models */
void task_hub_model(struct http_exchange *ex, void *app);        /* GET /api/hub/models/{repo} */
void task_intents_list(struct http_exchange *ex, void *app);     /* GET /api/intents */
void task_providers_list(struct http_exchange *ex, void *app);   /* GET /api/providers */
void task_provider_schema(struct http_exchange *ex, void *app);  /* GET /api/providers/{n}/schema */
void task_runs_list(struct http_exchange *ex, void *app);        /* GET /api/runs */
void task_runs_get(struct http_exchange *ex, void *app);         /* GET /api/runs/{id} */
void task_runs_delete(struct http_exchange *ex, void *app);      /* DELETE /api/runs/{id} */

struct call;
/* Records a finished task-API call in the run history (the encoder's record). */
void task_record_run(struct call *c);

/* One model's residency as JSON (id, status, memory, slots, expiry, ...). */
json_t *model_status_json(const struct sy_model_status *st);

#endif
