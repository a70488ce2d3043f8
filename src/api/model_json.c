/* model_json.c -- model listings' JSON. */
#include "api/model_json.h"

const char *model_type(const struct sy_model_info *info)
{
    uint32_t t = info->caps.tasks;
    if (t & (SY_TASK_BIT(SY_TASK_TEXT_GENERATION) | SY_TASK_BIT(SY_TASK_IMAGE_TEXT_TO_TEXT)))
        return "chat";
    if (t & SY_TASK_BIT(SY_TASK_TEXT_TO_IMAGE))
        return "image";
    if (t & (SY_TASK_BIT(SY_TASK_TEXT_TO_SPEECH) | SY_TASK_BIT(SY_TASK_AUTOMATIC_SPEECH_RECOGNITION)))
        return "speech";
    if (t & SY_TASK_BIT(SY_TASK_FEATURE_EXTRACTION))
        return "embedding";
    return "other";
}

json_t *model_json(const struct sy_model_info *info)
{
    json_t *m = json_pack(
        "{s:s, s:s, s:I, s:s, s:s, s:s, s:I, s:s, s:o, s:s, s:s, s:s, s:s, s:I, s:I}", "id",
        info->id, "object", "model", "created", (json_int_t)info->created, "owned_by",
        info->owned_by, "name", info->name, "description", info->description, "contextLength",
        (json_int_t)info->caps.context_length, "type", model_type(info), "capabilities",
        capabilities_to_json(&info->caps), "status", info->status, "backend", info->backend,
        "architecture", info->architecture, "quantization", info->quantization,
        "parameter_count", (json_int_t)info->parameter_count, "size_bytes",
        (json_int_t)info->size_bytes);
    if (m && info->problem[0])
        json_object_set_new(m, "problem", json_string(info->problem));
    const struct sy_memory_estimate *mem = &info->memory;
    if (m && mem->total_bytes)
        json_object_set_new(
            m, "memory",
            json_pack("{s:I, s:I, s:I, s:I, s:i, s:i}", "estimate_bytes",
                      (json_int_t)mem->total_bytes, "weights_bytes",
                      (json_int_t)mem->weights_bytes, "kv_cache_bytes",
                      (json_int_t)mem->kv_cache_bytes, "compute_bytes",
                      (json_int_t)mem->compute_bytes, "context_per_slot", (int)mem->ctx_per_slot,
                      "slots", (int)mem->slots));
    return m;
}

sy_code model_list(struct router *r, struct sy_model_info **out, size_t *n, json_t **problems,
                   struct sy_err *err)
{
    struct router_problem found[ROUTER_PROVIDERS_MAX];
    size_t n_found = 0;
    sy_code rc = router_list(r, out, n, found, &n_found, err);
    if (rc != SY_OK)
        return rc;
    *problems = json_array();
    for (size_t i = 0; i < n_found; i++)
        json_array_append_new(*problems,
                              json_pack("{s:s, s:s, s:s}", "provider", found[i].provider, "code",
                                        sy_code_name(found[i].err.code), "message",
                                        found[i].err.msg));
    return SY_OK;
}
