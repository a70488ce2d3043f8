/* api_metrics.h -- what Switchyard counts, and GET /metrics.
 *
 * Requests by route and status (from the HTTP server's observe hook), tokens
 * in and out, time to first token and the time between tokens per model (from
 * calls), and, read at scrape time from the router, every model's residency:
 * state, memory, active slots, queue depth, plus loads, evictions and worker
 * restarts. Labels are route patterns and model ids, never raw paths or text.
 * Thread-safety: every function may be called from any thread. */
#ifndef SY_API_METRICS_H
#define SY_API_METRICS_H

#include "core/event.h"
#include "http/exchange.h"

struct api_metrics;

/* Returns: the families declared and empty; NULL if out of memory. */
struct api_metrics *api_metrics_create(void);
void api_metrics_destroy(struct api_metrics *am); /* NULL is a no-op */

/* The HTTP server's observe hook (app is the struct api_ctx). */
void api_metrics_http(void *app, const char *method, const char *route, unsigned status,
                      double ms);

/* One token arrived for model, gap_s after the previous one (first: ttft). */
void api_metrics_token(struct api_metrics *am, const char *model, bool first, double seconds);

/* A generation ended: usage on success, or the error code's name. */
void api_metrics_done(struct api_metrics *am, const char *model, const struct sy_usage *usage,
                      const char *outcome);

/* GET /metrics */
void api_metrics_serve(struct http_exchange *ex, void *app);

#endif
