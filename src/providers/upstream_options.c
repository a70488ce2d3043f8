/* upstream_options.c -- the tables behind upstream_options.h. */
#include "providers/upstream_options.h"

#include <stdio.h>
#include <string.h>

#include "util/limits.h"

struct field {
    const char *name, *type; /* JSON Schema type */
};

/* Ollama's /api/chat and /api/generate fields beyond model, messages, prompt
 * and stream (which the relay sets). */
static const struct field ollama_fields[] = {
    {"format", "object"},  {"keep_alive", "string"}, {"options", "object"},
    {"think", "boolean"},  {"template", "string"},   {"system", "string"},
    {"raw", "boolean"},    {"images", "array"},      {"context", "array"},
    {"suffix", "string"},  {"tools", "array"},       {NULL, NULL},
};

/* Ollama's model options (its Modelfile parameters). */
static const struct field ollama_options[] = {
    {"num_keep", "integer"},       {"seed", "integer"},          {"num_predict", "integer"},
    {"top_k", "integer"},          {"top_p", "number"},          {"min_p", "number"},
    {"typical_p", "number"},       {"repeat_last_n", "integer"}, {"temperature", "number"},
    {"repeat_penalty", "number"},  {"presence_penalty", "number"},
    {"frequency_penalty", "number"}, {"penalize_newline", "boolean"}, {"stop", "array"},
    {"numa", "boolean"},           {"num_ctx", "integer"},       {"num_batch", "integer"},
    {"num_gpu", "integer"},        {"main_gpu", "integer"},      {"use_mmap", "boolean"},
    {"num_thread", "integer"},     {"mirostat", "integer"},      {"mirostat_tau", "number"},
    {"mirostat_eta", "number"},    {"tfs_z", "number"},          {NULL, NULL},
};

/* OpenAI's request fields the relay does not set itself. */
static const struct field openai_fields[] = {
    {"response_format", "object"}, {"logit_bias", "object"},     {"logprobs", "boolean"},
    {"top_logprobs", "integer"},   {"n", "integer"},             {"user", "string"},
    {"tools", "array"},            {"tool_choice", "string"},    {"parallel_tool_calls", "boolean"},
    {"max_completion_tokens", "integer"}, {"reasoning_effort", "string"},
    {"service_tier", "string"},    {"metadata", "object"},       {"store", "boolean"},
    {"modalities", "array"},       {"prediction", "object"},     {"suffix", "string"},
    {"echo", "boolean"},           {"best_of", "integer"},       {NULL, NULL},
};

static json_t *properties(const struct field *f)
{
    json_t *o = json_object();
    for (; f->name; f++)
        json_object_set_new(o, f->name, json_pack("{s:s}", "type", f->type));
    return o;
}

static bool known(const struct field *f, const char *name)
{
    for (; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return true;
    return false;
}

static void names(const struct field *f, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (; f->name && used < size; f++) {
        int w = snprintf(out + used, size - used, "%s%s", used ? ", " : "", f->name);
        if (w < 0)
            return;
        used += (size_t)w;
    }
}

json_t *upstream_options_schema(bool ollama, const char *provider)
{
    char title[128];
    snprintf(title, sizeof title, "Provider options of '%s' (%s)", provider,
             ollama ? "an Ollama server" : "an OpenAI-compatible API");
    json_t *s = json_pack("{s:s, s:s, s:s, s:o, s:b}", "$schema",
                          "https://json-schema.org/draft/2020-12/schema", "title", title, "type",
                          "object", "properties",
                          properties(ollama ? ollama_fields : openai_fields),
                          "additionalProperties", !ollama);
    if (s && ollama)
        json_object_set_new(json_object_get(json_object_get(s, "properties"), "options"),
                            "properties", properties(ollama_options));
    if (s && ollama)
        json_object_set_new(json_object_get(json_object_get(s, "properties"), "options"),
                            "additionalProperties", json_false());
    if (s && !ollama)
        json_object_set_new(s, "description",
                            json_string("OpenAI's request fields; other fields (the upstream's "
                                        "own extensions) are passed on as they are"));
    return s;
}

static sy_code unknown(const char *provider, const char *param, const char *field,
                       const struct field *table, struct sy_err *err)
{
    char list[1024];
    names(table, list, sizeof list);
    return sy_errp(err, SY_EUNSUPPORTED, param,
                   "provider '%s' (Ollama) does not know the option '%s'; it knows: %s", provider,
                   field, list);
}

sy_code upstream_options_check(bool ollama, const char *provider, const json_t *overrides,
                               struct sy_err *err)
{
    if (!ollama)
        return SY_OK;
    const char *key;
    const json_t *value;
    char param[SY_ERR_PARAM_MAX];
    json_object_foreach((json_t *)overrides, key, value) {
        snprintf(param, sizeof param, "provider_overrides.%s", key);
        if (!known(ollama_fields, key))
            return unknown(provider, param, key, ollama_fields, err);
        if (strcmp(key, "options") != 0)
            continue;
        if (!json_is_object(value))
            return sy_errp(err, SY_EINVAL, param, "'%s' must be an object", param);
        const char *opt;
        const json_t *v;
        json_object_foreach((json_t *)value, opt, v) {
            (void)v;
            snprintf(param, sizeof param, "provider_overrides.options.%s", opt);
            if (!known(ollama_options, opt))
                return unknown(provider, param, opt, ollama_options, err);
        }
    }
    return SY_OK;
}
