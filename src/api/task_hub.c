/* task_hub.c -- GET /api/hub/models (search the Hub) and GET
 * /api/hub/models/{org}/{name} (a model's info and what it can do here).
 *
 * Both go through the catalog (its SQLite cache and TTL) on a background
 * thread: a slow Hub never holds an HTTP thread. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/background.h"
#include "api/task.h"
#include "hub/catalog.h"

#define QUERY_TEXT_MAX 200

struct search_work {
    struct api_ctx *api;
    struct catalog_query q;
    char search[QUERY_TEXT_MAX + 1], author[QUERY_TEXT_MAX + 1], pipeline_tag[QUERY_TEXT_MAX + 1],
        filter[QUERY_TEXT_MAX + 1], sort[32];
    char expand[SY_CATALOG_EXPAND_MAX][32];
};

/* expand[] (or expand, comma-separated as some clients send it): Hub fields
 * only, checked here so a typo is a 400 rather than the Hub's puzzling one. */
static bool query_expand(struct http_exchange *ex, struct search_work *w, struct sy_err *err)
{
    enum { EACH = SY_CATALOG_EXPAND_MAX + 1 }; /* one more than fits: enough to refuse */
    const char *given[2 * EACH];
    size_t n = http_query_all(ex, "expand[]", given, EACH);
    n = n < EACH ? n : EACH;
    size_t n_plain = http_query_all(ex, "expand", given + n, EACH);
    n += n_plain < EACH ? n_plain : EACH;
    w->q.n_expand = 0;
    for (size_t i = 0; i < n; i++) {
        char list[512];
        snprintf(list, sizeof list, "%s", given[i]);
        char *save = NULL;
        for (char *f = strtok_r(list, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
            if (w->q.n_expand == SY_CATALOG_EXPAND_MAX)
                return !sy_errp(err, SY_EINVAL, "expand[]", "expand[] takes at most %d fields",
                                SY_CATALOG_EXPAND_MAX);
            if (!catalog_expand_ok(f) || strlen(f) >= sizeof w->expand[0])
                return !sy_errp(err, SY_EINVAL, "expand[]",
                                "expand[] '%.40s' is not a field of the Hub's model answers (e.g. "
                                "downloads, likes, pipeline_tag, gguf, inferenceProviderMapping)",
                                f);
            snprintf(w->expand[w->q.n_expand], sizeof w->expand[0], "%s", f);
            w->q.expand[w->q.n_expand] = w->expand[w->q.n_expand];
            w->q.n_expand++;
        }
    }
    return true;
}

static json_t *search_run(void *arg, struct sy_err *err)
{
    struct search_work *w = arg;
    json_t *models = NULL;
    bool cached = false;
    if (catalog_search(w->api->catalog, &w->q, &models, &cached, err) != SY_OK)
        return NULL;
    return json_pack("{s:o, s:b}", "models", models, "cached", cached);
}

/* Copies query parameter name into out. Returns false (err filled) if too long. */
static bool query_text(struct http_exchange *ex, const char *name, char *out, size_t size,
                       struct sy_err *err)
{
    const char *v = http_query(ex, name);
    out[0] = '\0';
    if (!v)
        return true;
    if (strlen(v) >= size) {
        sy_errp(err, SY_EINVAL, name, "%s is longer than %zu bytes", name, size - 1);
        return false;
    }
    strcpy(out, v);
    return true;
}

void task_hub_search(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    struct sy_err err;
    struct search_work *w = calloc(1, sizeof *w);
    if (!w) {
        api_respond_errorf(ex, SY_ENOMEM, NULL, "out of memory");
        return;
    }
    w->api = api;
    bool ok = query_text(ex, "search", w->search, sizeof w->search, &err) &&
              query_text(ex, "author", w->author, sizeof w->author, &err) &&
              query_text(ex, "pipeline_tag", w->pipeline_tag, sizeof w->pipeline_tag, &err) &&
              query_text(ex, "filter", w->filter, sizeof w->filter, &err) &&
              query_text(ex, "sort", w->sort, sizeof w->sort, &err);
    static const char *const sorts[] = {"downloads", "likes", "trendingScore", "createdAt",
                                        "lastModified"};
    bool sort_ok = !w->sort[0];
    for (size_t i = 0; i < sizeof sorts / sizeof sorts[0]; i++)
        sort_ok = sort_ok || strcmp(w->sort, sorts[i]) == 0;
    if (ok && !sort_ok)
        ok = !sy_errp(&err, SY_EINVAL, "sort",
                      "sort must be downloads, likes, trendingScore, createdAt or lastModified");
    const char *limit = http_query(ex, "limit");
    char *end = NULL;
    long n = limit ? strtol(limit, &end, 10) : 20;
    if (ok && (limit && (*end || end == limit || n < 1 || n > SY_CATALOG_LIMIT_MAX)))
        ok = !sy_errp(&err, SY_EINVAL, "limit", "limit must be a whole number from 1 to %d",
                      SY_CATALOG_LIMIT_MAX);
    if (!ok) {
        free(w);
        api_respond_error(ex, &err);
        return;
    }
    w->q = (struct catalog_query){.search = w->search, .author = w->author,
                                  .pipeline_tag = w->pipeline_tag, .filter = w->filter,
                                  .sort = w->sort, .limit = (int)n};
    if (!query_expand(ex, w, &err)) {
        free(w);
        api_respond_error(ex, &err);
        return;
    }
    api_background(ex, search_run, w, free);
}

struct model_work {
    struct api_ctx *api;
    char repo[SY_HUB_REPO_MAX + 1];
};

static json_t *model_run(void *arg, struct sy_err *err)
{
    struct model_work *w = arg;
    json_t *info = NULL;
    bool cached = false;
    if (catalog_model(w->api->catalog, w->repo, &info, &cached, err) != SY_OK)
        return NULL;
    json_t *out = json_object();
    static const char *const copied[] = {"id",    "sha",  "pipeline_tag", "library_name",
                                         "gated", "tags", "downloads",    "likes",
                                         "lastModified", "cardData", "inference"};
    for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++) {
        json_t *v = json_object_get(info, copied[i]);
        if (v)
            json_object_set(out, copied[i], v);
    }
    json_object_set_new(out, "capabilities",
                        catalog_capabilities(info, hub_client_has_token(w->api->hub)));
    json_object_set_new(out, "cached", json_boolean(cached));
    json_object_set_new(out, "source", json_string("hub"));
    json_decref(info);
    return out;
}

void task_hub_model(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    struct sy_err err;
    const char *repo = http_path_rest(ex);
    if (hub_repo_check(repo, &err) != SY_OK) {
        api_respond_error(ex, &err);
        return;
    }
    struct model_work *w = calloc(1, sizeof *w);
    if (!w) {
        api_respond_errorf(ex, SY_ENOMEM, NULL, "out of memory");
        return;
    }
    w->api = api;
    snprintf(w->repo, sizeof w->repo, "%s", repo);
    api_background(ex, model_run, w, free);
}
