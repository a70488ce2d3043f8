/* task_models.c -- GET /api/models and GET /api/models/{id}: the catalog the
 * playground browses, in the same shape as /v1/models entries. */
#include <stdlib.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/model_json.h"
#include "api/task.h"

void task_models_list(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    struct sy_model_info *models;
    json_t *problems;
    size_t n;
    struct sy_err err;
    if (model_list(api->router, &models, &n, &problems, &err) != SY_OK) {
        api_respond_error(ex, &err);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, model_json(&models[i]));
    free(models);
    http_respond_json(ex, 200, json_pack("{s:o, s:o}", "models", list, "errors", problems));
}

void task_models_get(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    struct sy_model_info info;
    struct sy_err err;
    if (router_describe(api->router, http_path_rest(ex), &info, &err) != SY_OK) {
        api_respond_error(ex, &err);
        return;
    }
    http_respond_json(ex, 200, model_json(&info));
}
