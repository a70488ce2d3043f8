/* pull_api.h -- a Hub pull answered over HTTP, in the task API's events or
 * Ollama's NDJSON status lines (task_pull.c). */
#ifndef SY_API_PULL_H
#define SY_API_PULL_H

#include <stdbool.h>

#include "http/exchange.h"

struct api_ctx;

enum pull_dialect { PULL_TASK, PULL_OLLAMA };

/* Pulls model ("org/name[@variant]") into the Hub cache and answers ex:
 * streamed progress, or one answer at the end. Answers errors itself. */
void pull_start(struct http_exchange *ex, struct api_ctx *api, const char *model, bool streamed,
                enum pull_dialect dialect);

#endif
