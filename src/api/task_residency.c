/* task_residency.c -- POST /api/models/load, POST /api/models/unload,
 * DELETE /api/models/{id} and GET /api/models/status: which models are in
 * memory, and moving them in, out, or off the disk.
 *
 * Load and unload answer when the work is done (the model is loaded, or its
 * worker has exited), not when it is asked for: the exchange is deferred and
 * a small sink wakes it. The answer is the model's status after the change. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/json_body.h"
#include "api/residency.h"
#include "api/task.h"

json_t *model_status_json(const struct sy_model_status *st)
{
    json_t *o = json_pack(
        "{s:s, s:s, s:I, s:I, s:i, s:i, s:i, s:i, s:I, s:i, s:i, s:f}", "id", st->id, "status",
        model_state_name(st->state), "memory_estimate_bytes", (json_int_t)st->memory_estimate,
        "memory_rss_bytes", (json_int_t)st->memory_rss, "slots", (int)st->slots, "threads",
        (int)st->threads, "active",
        (int)st->active, "queued", (int)st->queued, "keep_alive_ms", (json_int_t)st->keep_alive_ms,
        "crashes", (int)st->crashes, "restarts", (int)st->restarts, "load_ms", st->load_ms);
    if (!o)
        return NULL;
    json_object_set_new(o, "reason", st->reason[0] ? json_string(st->reason) : json_null());
    json_object_set_new(o, "last_used", st->last_used_ms ? json_integer(st->last_used_ms / 1000)
                                                         : json_null());
    json_object_set_new(o, "expires_at", st->expires_at_ms
                                             ? json_integer(st->expires_at_ms / 1000)
                                             : json_null());
    json_object_set_new(o, "pid", st->pid ? json_integer(st->pid) : json_null());
    return o;
}

/* The status of one model by the id clients use; NULL if it has none. */
static json_t *status_of(struct api_ctx *api, const char *id, struct sy_err *err)
{
    struct sy_model_status *list;
    size_t n;
    struct sy_residency_totals totals;
    if (router_status(api->router, &list, &n, &totals, err) != SY_OK)
        return NULL;
    json_t *found = NULL;
    for (size_t i = 0; i < n && !found; i++)
        if (strcmp(list[i].id, id) == 0)
            found = model_status_json(&list[i]);
    free(list);
    if (!found)
        sy_errp(err, SY_ENOTFOUND, "model", "model '%s' has no status", id);
    return found;
}

void task_models_status(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    struct sy_model_status *list;
    size_t n;
    struct sy_residency_totals t;
    struct sy_err err;
    if (router_status(api->router, &list, &n, &t, &err) != SY_OK) {
        api_respond_error(ex, &err);
        return;
    }
    json_t *models = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(models, model_status_json(&list[i]));
    free(list);
    http_respond_json(
        ex, 200,
        json_pack("{s:o, s:i, s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I, s:I, s:I}}", "models",
                  models, "threads", (int)t.threads,
                  "memory", "budget_bytes", (json_int_t)t.memory_budget, "used_bytes",
                  (json_int_t)t.memory_used, "free_bytes",
                  (json_int_t)(t.memory_budget > t.memory_used ? t.memory_budget - t.memory_used
                                                               : 0),
                  "counters", "loads", (json_int_t)t.loads, "load_failures",
                  (json_int_t)t.load_failures, "evictions", (json_int_t)t.evictions,
                  "expirations", (json_int_t)t.expirations, "crashes", (json_int_t)t.crashes,
                  "restarts", (json_int_t)t.restarts));
}

/* ---- load / unload: a deferred exchange woken by a sink --------------------------------- */

struct await {
    pthread_mutex_t lock;
    int refs; /* the exchange's and the sink's */
    enum residency_change change;
    residency_answer_fn answer;
    void *arg;
    struct api_ctx *api;
    struct http_waker *waker;
    bool done;
    struct sy_err err;
    char model[SY_MODEL_ID_MAX + 1];
};

static void await_unref(struct await *a)
{
    pthread_mutex_lock(&a->lock);
    bool last = --a->refs == 0;
    pthread_mutex_unlock(&a->lock);
    if (!last)
        return;
    http_waker_release(a->waker);
    pthread_mutex_destroy(&a->lock);
    free(a);
}

static void await_emit(void *ctx, const struct sy_event *ev)
{
    struct await *a = ctx;
    if (ev->type != SY_EVENT_DONE && ev->type != SY_EVENT_ERROR)
        return;
    pthread_mutex_lock(&a->lock);
    a->done = true;
    if (ev->type == SY_EVENT_ERROR)
        a->err = *ev->err;
    pthread_mutex_unlock(&a->lock);
    http_waker_wake(a->waker);
}

/* Per the sink contract a release without a final event happens only when
 * the request failed to start, and the handler answers that itself. */
static void await_release(void *ctx)
{
    await_unref(ctx);
}

static void await_resume(void *ctx, struct http_exchange *ex)
{
    struct await *a = ctx;
    pthread_mutex_lock(&a->lock);
    bool done = a->done;
    struct sy_err err = a->err;
    pthread_mutex_unlock(&a->lock);
    if (!done)
        return;
    a->answer(ex, a->api, a->change, a->model, &err, a->arg);
}

/* The task API's answers: the model's status after the change. */
static void task_answer(struct http_exchange *ex, struct api_ctx *api,
                        enum residency_change change, const char *model, const struct sy_err *e,
                        void *arg)
{
    (void)arg;
    struct sy_err err = *e;
    if (err.code != SY_OK) {
        api_respond_error(ex, &err);
        return;
    }
    if (change == CHANGE_REMOVE) {
        http_respond_json(ex, 200, json_pack("{s:s, s:s}", "status", "deleted", "model", model));
        return;
    }
    json_t *body = status_of(api, model, &err);
    if (body)
        http_respond_json(ex, 200, body);
    else
        api_respond_error(ex, &err);
}

static void await_closed(void *ctx, bool completed)
{
    (void)completed;
    await_unref(ctx);
}

static const struct http_deferred_ops await_ops = {
    .resume = await_resume,
    .closed = await_closed,
};

static const char *const load_keys[] = {"model", "keep_alive", NULL};
static const char *const unload_keys[] = {"model", NULL};

void residency_await(struct http_exchange *ex, struct api_ctx *api, enum residency_change change,
                     const struct sy_request *req, residency_answer_fn answer, void *arg)
{
    struct sy_err err;
    struct await *a = calloc(1, sizeof *a);
    if (!a) {
        api_respond_errorf(ex, SY_ENOMEM, NULL, "out of memory");
        return;
    }
    pthread_mutex_init(&a->lock, NULL);
    a->refs = 1;
    a->change = change;
    a->answer = answer;
    a->arg = arg;
    a->api = api;
    snprintf(a->model, sizeof a->model, "%s", req->model);
    a->waker = http_defer(ex, &await_ops, a);
    if (!a->waker) {
        await_unref(a);
        api_respond_errorf(ex, SY_ENOMEM, NULL, "out of memory");
        return;
    }
    a->refs++; /* the sink's */
    struct sy_sink sink = {.emit = await_emit, .release = await_release, .ctx = a};
    sy_code rc = change == CHANGE_REMOVE   ? router_remove(api->router, req->model, sink, &err)
                 : change == CHANGE_UNLOAD ? router_unload(api->router, req->model, sink, &err)
                                           : router_load(api->router, req->model, &req->residency,
                                                         sink, &err);
    if (rc != SY_OK) {
        pthread_mutex_lock(&a->lock);
        a->done = true;
        a->err = err;
        pthread_mutex_unlock(&a->lock);
        answer(ex, api, change, req->model, &err, arg);
    }
}

static void residency_change(struct http_exchange *ex, struct api_ctx *api,
                             enum residency_change change)
{
    json_t *body = NULL;
    struct sy_err err;
    struct sy_request req;
    request_init(&req);
    bool unload = change == CHANGE_UNLOAD;
    sy_code rc = json_body_parse(ex, &body, &err);
    if (rc == SY_OK)
        rc = json_body_known_keys(body, unload ? unload_keys : load_keys, "", &err);
    if (rc == SY_OK)
        rc = request_set_model(&req, json_object_get(body, "model"), "model", &err);
    if (rc == SY_OK && !unload)
        rc = request_set_keep_alive(&req, json_object_get(body, "keep_alive"), "keep_alive", &err);
    json_decref(body);
    if (rc == SY_OK)
        residency_await(ex, api, change, &req, task_answer, NULL);
    else
        api_respond_error(ex, &err);
    request_cleanup(&req);
}

void task_models_load(struct http_exchange *ex, void *app)
{
    residency_change(ex, app, CHANGE_LOAD);
}

void task_models_unload(struct http_exchange *ex, void *app)
{
    residency_change(ex, app, CHANGE_UNLOAD);
}

void task_models_delete(struct http_exchange *ex, void *app)
{
    struct sy_err err;
    struct sy_request req;
    request_init(&req);
    json_t *model = json_string(http_path_rest(ex));
    sy_code rc = request_set_model(&req, model, "model", &err);
    json_decref(model);
    if (rc == SY_OK)
        residency_await(ex, app, CHANGE_REMOVE, &req, task_answer, NULL);
    else
        api_respond_error(ex, &err);
    request_cleanup(&req);
}
