/* capabilities.c -- the capability gate and its JSON form. */
#include "core/capabilities.h"

#include <stdio.h>

sy_code capabilities_check(const struct sy_capabilities *caps, const char *model_id,
                           const struct sy_request *req, struct sy_err *err)
{
    char tasks[256];
    task_list(caps->tasks, tasks, sizeof tasks);
    if (!(caps->tasks & SY_TASK_BIT(req->task)))
        return sy_errp(err, SY_EUNSUPPORTED, "task",
                       "model '%s' does not support task '%s'; it supports: %s", model_id,
                       task_name(req->task), tasks[0] ? tasks : "no task this server can run");
    if (req->messages && !caps->chat)
        return sy_errp(err, SY_EUNSUPPORTED, "messages",
                       "model '%s' has no chat template, so it cannot take chat messages; "
                       "send a plain prompt instead (POST /v1/completions)",
                       model_id);
    if (req->has_images && !caps->vision)
        return sy_errp(err, SY_EUNSUPPORTED, "messages",
                       "model '%s' does not take images; send text only or choose a vision model",
                       model_id);
    uint32_t refused = req->settings.given & ~caps->settings;
    for (int s = 0; s < SY_SETTING_COUNT; s++) {
        if (!(refused & SY_SETTING_BIT(s)))
            continue;
        const char *param = settings_param(&req->settings, (enum sy_setting)s);
        return sy_errp(err, SY_EUNSUPPORTED, param,
                       "model '%s' does not support the setting '%s' for %s; remove it from the "
                       "request",
                       model_id, param, task_name(req->task));
    }
    return SY_OK;
}

json_t *capabilities_to_json(const struct sy_capabilities *caps)
{
    json_t *tasks = json_array();
    json_t *settings = json_array();
    for (int t = 0; t < SY_TASK_COUNT; t++)
        if (caps->tasks & SY_TASK_BIT(t))
            json_array_append_new(tasks, json_string(task_name((enum sy_task)t)));
    for (int s = 0; s < SY_SETTING_COUNT; s++)
        if (caps->settings & SY_SETTING_BIT(s))
            json_array_append_new(settings, json_string(settings_name((enum sy_setting)s)));
    return json_pack("{s:o, s:o, s:b, s:b, s:b, s:I}", "tasks", tasks, "settings", settings,
                     "chat", caps->chat, "vision", caps->vision, "gated", caps->gated,
                     "context_length", (json_int_t)caps->context_length);
}
