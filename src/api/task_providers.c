/* task_providers.c -- GET /api/providers: every provider with the health of
 * the remote ones (from the background check, or asked now with
 * ?check=true), so an unreachable upstream is visible before anyone's
 * request fails on it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/task.h"
#include "router/router.h"

static json_t *provider_json(const struct router_provider_view *v)
{
    bool local = !v->name[0];
    char prefix[80];
    snprintf(prefix, sizeof prefix, "%s%s", v->name, local ? "" : ":");
    json_t *o = json_pack("{s:s, s:s, s:s}", "name", local ? "local" : v->name, "prefix", prefix,
                          "kind", v->kind);
    if (!o || !v->has_health)
        return o;
    const struct sy_provider_health *h = &v->health;
    json_object_set_new(o, "base_url", json_string(h->base_url));
    json_object_set_new(o, "healthy", h->checked ? json_boolean(h->healthy) : json_null());
    if (h->checked) {
        json_object_set_new(o, "latency_ms", json_real(h->latency_ms));
        json_object_set_new(o, "checked_at", json_integer(h->checked_at_ms));
        json_object_set_new(o, "models", json_integer((json_int_t)h->n_models));
    }
    json_object_set_new(o, "last_error", h->last_error[0] ? json_string(h->last_error)
                                                          : json_null());
    return o;
}

void task_providers_list(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    const char *check = http_query(ex, "check");
    bool now = check && (strcmp(check, "true") == 0 || strcmp(check, "1") == 0);
    if (check && !now && strcmp(check, "false") != 0 && strcmp(check, "0") != 0) {
        api_respond_errorf(ex, SY_EINVAL, "check", "'check' must be true or false, not '%s'",
                           check);
        return;
    }
    struct router_provider_view *views;
    size_t n;
    struct sy_err err;
    if (router_providers(api->router, now, &views, &n, &err) != SY_OK) {
        api_respond_error(ex, &err);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, provider_json(&views[i]));
    free(views);
    http_respond_json(ex, 200, json_pack("{s:o}", "providers", list));
}

/* GET /api/providers/{name}/schema */
void task_provider_schema(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    const char *rest = http_path_rest(ex);
    const char *slash = strchr(rest, '/');
    char name[64];
    if (!slash || strcmp(slash, "/schema") != 0 || slash == rest ||
        (size_t)(slash - rest) >= sizeof name) {
        api_respond_errorf(ex, SY_ENOTFOUND, NULL,
                           "no such route; a provider's options schema is at "
                           "/api/providers/{name}/schema");
        return;
    }
    memcpy(name, rest, (size_t)(slash - rest));
    name[slash - rest] = '\0';
    json_t *schema = NULL;
    struct sy_err err;
    if (router_provider_schema(api->router, name, &schema, &err) != SY_OK) {
        api_respond_error(ex, &err);
        return;
    }
    http_respond_json(ex, 200, schema);
}
