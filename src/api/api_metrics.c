/* api_metrics.c -- the metric families and the /metrics handler. */
#include "api/api_metrics.h"

#include <stdio.h>
#include <stdlib.h>

#include "api/api.h"
#include "api/api_error.h"
#include "util/limits.h"
#include "util/metrics.h"

struct api_metrics {
    struct metrics *reg;
    struct metric_family *requests, *request_seconds, *prompt_tokens, *cached_tokens,
        *completion_tokens,
        *generations, *ttft, *token_gap;
};

/* Seconds; from a fast first token on a tiny model to a slow load. */
static const double ttft_bounds[] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
static const double gap_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1};
static const double request_bounds[] = {0.001, 0.005, 0.025, 0.1, 0.5, 1, 5, 15, 60, 300};

struct api_metrics *api_metrics_create(void)
{
    struct api_metrics *am = calloc(1, sizeof *am);
    if (!am || !(am->reg = metrics_create())) {
        free(am);
        return NULL;
    }
    static const char *const http_labels[] = {"method", "route", "status"};
    static const char *const route_labels[] = {"route"};
    static const char *const model[] = {"model"};
    static const char *const model_outcome[] = {"model", "outcome"};
    am->requests = metrics_counter(am->reg, "switchyard_http_requests_total",
                                   "HTTP requests by method, route pattern and status.", 3,
                                   http_labels);
    am->request_seconds = metrics_histogram(
        am->reg, "switchyard_http_request_duration_seconds",
        "Time from a request's arrival to the end of its response, by route pattern.", 1,
        route_labels, request_bounds, sizeof request_bounds / sizeof request_bounds[0]);
    am->prompt_tokens = metrics_counter(am->reg, "switchyard_prompt_tokens_total",
                                        "Prompt tokens processed, by model.", 1, model);
    am->cached_tokens = metrics_counter(
        am->reg, "switchyard_prompt_tokens_cached_total",
        "Prompt tokens reused from a slot's cache instead of decoded again, by model.", 1, model);
    am->completion_tokens = metrics_counter(am->reg, "switchyard_completion_tokens_total",
                                            "Tokens generated, by model.", 1, model);
    am->generations = metrics_counter(
        am->reg, "switchyard_generations_total",
        "Generations ended, by model and outcome (stop, length, cancelled or an error code).", 2,
        model_outcome);
    am->ttft = metrics_histogram(am->reg, "switchyard_time_to_first_token_seconds",
                                 "Time from submission to the first token, by model.", 1, model,
                                 ttft_bounds, sizeof ttft_bounds / sizeof ttft_bounds[0]);
    am->token_gap = metrics_histogram(am->reg, "switchyard_inter_token_latency_seconds",
                                      "Time between consecutive tokens of one stream, by model.",
                                      1, model, gap_bounds, sizeof gap_bounds / sizeof gap_bounds[0]);
    if (!am->requests || !am->request_seconds || !am->prompt_tokens || !am->cached_tokens ||
        !am->completion_tokens ||
        !am->generations || !am->ttft || !am->token_gap) {
        api_metrics_destroy(am);
        return NULL;
    }
    return am;
}

void api_metrics_destroy(struct api_metrics *am)
{
    if (!am)
        return;
    metrics_destroy(am->reg);
    free(am);
}

void api_metrics_http(void *app, const char *method, const char *route, unsigned status,
                      double ms)
{
    struct api_ctx *api = app;
    if (!api->metrics)
        return;
    char code[8];
    snprintf(code, sizeof code, "%u", status);
    const char *labels[] = {method, route, status ? code : "none"};
    metrics_add(api->metrics->requests, labels, 1);
    metrics_observe(api->metrics->request_seconds, &route, ms / 1000.0);
}

void api_metrics_token(struct api_metrics *am, const char *model, bool first, double seconds)
{
    if (am)
        metrics_observe(first ? am->ttft : am->token_gap, &model, seconds);
}

void api_metrics_done(struct api_metrics *am, const char *model, const struct sy_usage *usage,
                      const char *outcome)
{
    if (!am)
        return;
    if (usage) {
        metrics_add(am->prompt_tokens, &model, (double)usage->prompt_tokens);
        metrics_add(am->cached_tokens, &model, (double)usage->cached_tokens);
        metrics_add(am->completion_tokens, &model, (double)usage->completion_tokens);
    }
    const char *labels[] = {model, outcome};
    metrics_add(am->generations, labels, 1);
}

/* ---- residency gauges, read at scrape time ---------------------------------------------- */

static sy_code write_residency(struct api_ctx *api, struct sy_buf *out, struct sy_err *err)
{
    struct sy_model_status *list;
    size_t n;
    struct sy_residency_totals t;
    sy_code rc = router_status(api->router, &list, &n, &t, err);
    if (rc != SY_OK)
        return rc;
    static const char *const model[] = {"model"};
    static const char *const model_state[] = {"model", "state"};
    static const struct {
        const char *name, *help;
    } gauges[] = {
        {"switchyard_model_state", "1 for the state each model is in."},
        {"switchyard_model_memory_estimate_bytes",
         "Memory a running model holds against the budget (its estimate)."},
        {"switchyard_model_memory_rss_bytes", "Resident memory of each model's worker process."},
        {"switchyard_model_active_slots", "Requests decoding now, by model."},
        {"switchyard_model_queue_depth", "Requests waiting for a slot, by model."},
        {"switchyard_model_restarts_total", "Worker restarts after crashes, by model."},
    };
    for (size_t g = 0; g < sizeof gauges / sizeof gauges[0] && rc == SY_OK; g++) {
        const char *type = g == 5 ? "counter" : "gauge";
        rc = metrics_write_header(out, gauges[g].name, type, gauges[g].help, err);
        for (size_t i = 0; i < n && rc == SY_OK; i++) {
            const struct sy_model_status *st = &list[i];
            const char *id = st->id;
            switch (g) {
            case 0: {
                const char *values[] = {id, model_state_name(st->state)};
                rc = metrics_write_sample(out, gauges[g].name, 2, model_state, values, 1, err);
                break;
            }
            case 1:
                rc = metrics_write_sample(out, gauges[g].name, 1, model, &id,
                                          st->pid ? (double)st->memory_estimate : 0, err);
                break;
            case 2:
                rc = metrics_write_sample(out, gauges[g].name, 1, model, &id,
                                          (double)st->memory_rss, err);
                break;
            case 3:
                rc = metrics_write_sample(out, gauges[g].name, 1, model, &id, st->active, err);
                break;
            case 4:
                rc = metrics_write_sample(out, gauges[g].name, 1, model, &id, st->queued, err);
                break;
            default:
                rc = metrics_write_sample(out, gauges[g].name, 1, model, &id, st->restarts, err);
                break;
            }
        }
    }
    unsigned loaded = 0;
    for (size_t i = 0; i < n; i++)
        loaded += list[i].state == SY_MODEL_LOADED;
    free(list);
    static const struct {
        const char *name, *type, *help;
    } totals[] = {
        {"switchyard_models_loaded", "gauge", "Models loaded now."},
        {"switchyard_memory_budget_bytes", "gauge", "The memory budget for loaded models."},
        {"switchyard_memory_used_bytes", "gauge", "Estimates of the running models, summed."},
        {"switchyard_model_loads_total", "counter", "Models loaded."},
        {"switchyard_model_load_failures_total", "counter", "Loads that failed."},
        {"switchyard_model_evictions_total", "counter",
         "Idle models unloaded to make room for another."},
        {"switchyard_model_expirations_total", "counter", "Models unloaded after keep_alive."},
        {"switchyard_worker_crashes_total", "counter", "Worker processes that died unasked."},
        {"switchyard_worker_restarts_total", "counter", "Workers restarted after a crash."},
    };
    const double values[] = {loaded, (double)t.memory_budget, (double)t.memory_used,
                             (double)t.loads, (double)t.load_failures, (double)t.evictions,
                             (double)t.expirations, (double)t.crashes, (double)t.restarts};
    for (size_t i = 0; i < sizeof totals / sizeof totals[0] && rc == SY_OK; i++) {
        rc = metrics_write_header(out, totals[i].name, totals[i].type, totals[i].help, err);
        if (rc == SY_OK)
            rc = metrics_write_sample(out, totals[i].name, 0, NULL, NULL, values[i], err);
    }
    return rc;
}

void api_metrics_serve(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    struct sy_buf out;
    buf_init(&out, SY_METRICS_TEXT_MAX);
    struct sy_err err;
    sy_code rc = api->metrics ? metrics_render(api->metrics->reg, &out, &err)
                              : sy_errf(&err, SY_EINTERNAL, "metrics are not set up");
    if (rc == SY_OK)
        rc = write_residency(api, &out, &err);
    if (rc != SY_OK) {
        buf_cleanup(&out);
        api_respond_error(ex, &err);
        return;
    }
    http_respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", out.data ? out.data : "",
                 out.len);
    buf_cleanup(&out);
}
