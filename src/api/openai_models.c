/* openai_models.c -- GET /v1/models[?type=chat|image|speech|embedding] and
 * GET /v1/models/{id}. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/model_json.h"
#include "api/openai.h"

void openai_models_list(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    const char *type = http_query(ex, "type");
    static const char *const types[] = {"chat", "image", "speech", "embedding", "other"};
    if (type) {
        bool known = false;
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            known = known || strcmp(type, types[i]) == 0;
        if (!known) {
            api_respond_errorf(ex, SY_EINVAL, "type",
                               "'type' must be chat, image, speech, embedding or other; got '%s'",
                               type);
            return;
        }
    }
    struct sy_model_info *models;
    json_t *problems;
    size_t n;
    struct sy_err err;
    if (model_list(api->router, &models, &n, &problems, &err) != SY_OK) {
        api_respond_error(ex, &err);
        return;
    }
    json_t *data = json_array();
    for (size_t i = 0; i < n; i++)
        if (!type || strcmp(type, model_type(&models[i])) == 0)
            json_array_append_new(data, model_json(&models[i]));
    free(models);
    json_t *body = json_pack("{s:s, s:o}", "object", "list", "data", data);
    /* Extra to OpenAI's shape (clients ignore it): providers that could not list. */
    if (json_array_size(problems))
        json_object_set(body, "errors", problems);
    json_decref(problems);
    http_respond_json(ex, 200, body);
}

void openai_models_get(struct http_exchange *ex, void *app)
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
