/* task_models.c -- GET /api/models and GET /api/models/{id}: the catalog the
 * playground browses, in the same shape as /v1/models entries.
 *
 * GET /api/models[?search=&task=&hub=true&limit=]: local and remote models,
 * each with its "source" ("local" or "remote"), those whose id or name
 * contains `search` (any case) and that can do `task`; with hub=true the
 * Hub's matches too ("source": "hub", "pulled" when a file of it is here),
 * found through the catalog on a background thread. A Hub that fails fails
 * the request: never a silently partial list.
 * GET /api/models/{id}: a model here or at a provider; a Hub repository id
 * (org/name) that is neither is answered as GET /api/hub/models/{id} would ("source":
 * "hub", with its capabilities). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/background.h"
#include "api/model_json.h"
#include "api/task.h"
#include "core/task.h"
#include "hub/catalog.h"

#define SEARCH_MAX 200
#define HUB_LIMIT_DEFAULT 20

struct hub_work {
    struct api_ctx *api;
    json_t *body; /* the local and remote part, owned */
    char search[SEARCH_MAX + 1];
    const char *pipeline_tag; /* NULL: any */
    int limit;
};

static void hub_work_free(void *arg)
{
    struct hub_work *w = arg;
    json_decref(w->body);
    free(w);
}

/* Whether a local entry is a file of repo ("org/name" or "org/name@..."). */
static bool pulled(const json_t *models, const char *repo)
{
    size_t i, n = strlen(repo);
    const json_t *m;
    json_array_foreach(models, i, m)
    {
        const char *id = json_string_value(json_object_get(m, "id"));
        if (id && strncmp(id, repo, n) == 0 && (id[n] == '\0' || id[n] == '@'))
            return true;
    }
    return false;
}

static json_t *hub_run(void *arg, struct sy_err *err)
{
    struct hub_work *w = arg;
    struct catalog_query q = {.search = w->search, .pipeline_tag = w->pipeline_tag,
                              .limit = w->limit};
    json_t *found = NULL;
    bool cached = false;
    if (catalog_search(w->api->catalog, &q, &found, &cached, err) != SY_OK)
        return NULL;
    json_t *models = json_object_get(w->body, "models");
    size_t i;
    const json_t *h;
    json_array_foreach(found, i, h)
    {
        const char *id = json_string_value(json_object_get(h, "id"));
        const char *tag = json_string_value(json_object_get(h, "pipeline_tag"));
        if (!id)
            continue;
        enum sy_task task;
        json_t *tasks = json_array();
        if (tag && task_parse(tag, &task, NULL) == SY_OK)
            json_array_append_new(tasks, json_string(task_name(task)));
        const json_t *gated = json_object_get(h, "gated");
        json_array_append_new(
            models, json_pack("{s:s, s:s, s:s?, s:o, s:o, s:b, s:O?, s:O?}", "id", id, "source",
                              "hub", "pipeline_tag", tag, "tasks", tasks, "gated",
                              gated ? json_deep_copy(gated) : json_false(), "pulled",
                              pulled(models, id), "downloads", json_object_get(h, "downloads"),
                              "likes", json_object_get(h, "likes")));
    }
    json_decref(found);
    json_object_set_new(w->body, "hub_cached", json_boolean(cached));
    return json_incref(w->body);
}

/* model_json, and where the model is: "local" or "remote". */
static json_t *sourced_model_json(const struct sy_model_info *info)
{
    json_t *m = model_json(info);
    bool local = strcmp(info->owned_by, "local") == 0;
    json_object_set_new(m, "source", json_string(local ? "local" : "remote"));
    return m;
}

/* Whether info's id or name contains text, in any case. */
static bool matches(const struct sy_model_info *info, const char *text)
{
    return !text || !text[0] || strcasestr(info->id, text) || strcasestr(info->name, text);
}

void task_models_list(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    struct sy_err err;
    const char *search = http_query(ex, "search");
    const char *task_text = http_query(ex, "task");
    const char *hub = http_query(ex, "hub");
    const char *limit_text = http_query(ex, "limit");
    enum sy_task task = SY_TASK_COUNT;
    if (search && strlen(search) > SEARCH_MAX) {
        api_respond_errorf(ex, SY_EINVAL, "search", "search is longer than %d bytes", SEARCH_MAX);
        return;
    }
    if (task_text && task_parse(task_text, &task, &err) != SY_OK) {
        snprintf(err.param, sizeof err.param, "task");
        api_respond_error(ex, &err);
        return;
    }
    if (hub && strcmp(hub, "true") != 0 && strcmp(hub, "false") != 0) {
        api_respond_errorf(ex, SY_EINVAL, "hub", "hub must be true or false; got '%.40s'", hub);
        return;
    }
    char *end = NULL;
    long limit = limit_text ? strtol(limit_text, &end, 10) : HUB_LIMIT_DEFAULT;
    if (limit_text && (*end || end == limit_text || limit < 1 || limit > SY_CATALOG_LIMIT_MAX)) {
        api_respond_errorf(ex, SY_EINVAL, "limit", "limit must be a whole number from 1 to %d",
                           SY_CATALOG_LIMIT_MAX);
        return;
    }

    struct sy_model_info *models;
    json_t *problems;
    size_t n;
    if (model_list(api->router, &models, &n, &problems, &err) != SY_OK) {
        api_respond_error(ex, &err);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        if (!matches(&models[i], search) ||
            (task != SY_TASK_COUNT && !(models[i].caps.tasks & SY_TASK_BIT(task))))
            continue;
        json_array_append_new(list, sourced_model_json(&models[i]));
    }
    free(models);
    json_t *body = json_pack("{s:o, s:o}", "models", list, "errors", problems);
    if (!hub || strcmp(hub, "true") != 0) {
        http_respond_json(ex, 200, body);
        return;
    }
    struct hub_work *w = calloc(1, sizeof *w);
    if (!w) {
        json_decref(body);
        api_respond_errorf(ex, SY_ENOMEM, NULL, "out of memory");
        return;
    }
    *w = (struct hub_work){.api = api, .body = body, .limit = (int)limit,
                           .pipeline_tag = task != SY_TASK_COUNT ? task_name(task) : NULL};
    snprintf(w->search, sizeof w->search, "%s", search ? search : "");
    api_background(ex, hub_run, w, hub_work_free);
}

void task_models_get(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    struct sy_model_info info;
    struct sy_err err;
    const char *id = http_path_rest(ex);
    sy_code rc = router_describe(api->router, id, &info, &err);
    if ((rc == SY_ENOTFOUND || rc == SY_EUNSUPPORTED) && strchr(id, '/') &&
        hub_repo_check(id, NULL) == SY_OK) {
        task_hub_model(ex, app); /* not here: what the Hub says of it, and what it can do */
        return;
    }
    if (rc != SY_OK) {
        api_respond_error(ex, &err);
        return;
    }
    http_respond_json(ex, 200, sourced_model_json(&info));
}
