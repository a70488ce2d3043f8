/* task_intents.c -- GET /api/intents: each goal a person may start from, the
 * tasks that serve it, and the models here (local and remote) that can do it
 * now, so the playground can say plainly when nothing can yet. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/model_json.h"
#include "api/task.h"
#include "core/intent.h"
#include "core/task.h"

static json_t *task_names(uint32_t mask)
{
    json_t *list = json_array();
    for (int t = 0; t < SY_TASK_COUNT; t++)
        if (mask & SY_TASK_BIT(t))
            json_array_append_new(list, json_string(task_name((enum sy_task)t)));
    return list;
}

void task_intents_list(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    struct sy_model_info *models;
    json_t *problems;
    size_t n_models;
    struct sy_err err;
    if (model_list(api->router, &models, &n_models, &problems, &err) != SY_OK) {
        api_respond_error(ex, &err);
        return;
    }
    size_t n;
    const struct sy_intent *table = intents(&n);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *ids = json_array();
        for (size_t m = 0; m < n_models; m++)
            if (!models[m].problem[0] && (models[m].caps.tasks & table[i].tasks))
                json_array_append_new(ids, json_string(models[m].id));
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", table[i].id,
                                              "label", table[i].label, "description",
                                              table[i].description, "tasks",
                                              task_names(table[i].tasks), "models", ids));
    }
    free(models);
    http_respond_json(ex, 200, json_pack("{s:o, s:o}", "intents", list, "errors", problems));
}
