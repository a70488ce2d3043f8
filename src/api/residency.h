/* residency.h -- moving a model into memory, out of it, or off the disk, and
 * answering once that is done (not when it is asked for). Shared by the task
 * API (/api/models/load, ...) and the Ollama surface (empty prompts,
 * keep_alive 0, /api/delete), which answer in their own shapes. */
#ifndef SY_API_RESIDENCY_H
#define SY_API_RESIDENCY_H

#include "core/request.h"
#include "http/exchange.h"
#include "util/err.h"

struct api_ctx;

enum residency_change { CHANGE_LOAD, CHANGE_UNLOAD, CHANGE_REMOVE };

/* Answers ex: err->code is SY_OK when the change is done, else why it failed.
 * model is as the client named it. */
typedef void (*residency_answer_fn)(struct http_exchange *ex, struct api_ctx *api,
                                    enum residency_change change, const char *model,
                                    const struct sy_err *err, void *arg);

/* Starts the change of req->model (load uses req->residency) and defers ex
 * until it is done; answer runs exactly once (arg is passed through, borrowed
 * for the exchange's life). */
void residency_await(struct http_exchange *ex, struct api_ctx *api, enum residency_change change,
                     const struct sy_request *req, residency_answer_fn answer, void *arg);

#endif
