/* catalog.c -- cached Hub answers, and capabilities read from model info. */
#include "hub/catalog.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/capabilities.h"
#include "core/task.h"
#include "hub/gguf_choice.h"
#include "util/log.h"

#define SEARCH_PAGES_MAX 10

struct catalog {
    struct hub_client *hub;
    struct hub_store *store;
    int64_t ttl_ms;
};

struct catalog *catalog_create(struct hub_client *hub, struct hub_store *store, int64_t ttl_ms)
{
    struct catalog *cat = calloc(1, sizeof *cat);
    if (cat)
        *cat = (struct catalog){.hub = hub, .store = store, .ttl_ms = ttl_ms};
    return cat;
}

void catalog_destroy(struct catalog *cat)
{
    free(cat);
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The answer for target: fresh from the store, revalidated, or fetched.
 * next (may be NULL) gets its next-page link. */
static sy_code cached_get(struct catalog *cat, const char *target, const char *what, json_t **out,
                          bool *cached, char *next, size_t next_size, struct sy_err *err)
{
    *out = NULL;
    if (next)
        next[0] = '\0';
    struct hub_stored row;
    bool found = false;
    int64_t now = wall_ms();
    sy_code rc = hub_store_get(cat->store, target, &row, &found, err);
    if (rc != SY_OK) {
        log_warn("%s; asking the Hub", err ? err->msg : "the Hub cache cannot be read");
        found = false;
    }
    const char *body = NULL;
    size_t len = 0;
    struct hub_answer a = {0};
    if (found && now - row.fetched_at < cat->ttl_ms) {
        *cached = true;
        body = row.body;
        len = row.len;
        if (next)
            snprintf(next, next_size, "%s", row.next);
    } else {
        *cached = false;
        rc = hub_api_get(cat->hub, target, found ? row.etag : NULL, what, &a, err);
        if (rc == SY_OK && a.status == 304 && found) {
            hub_store_touch(cat->store, target, now, NULL);
            body = row.body;
            len = row.len;
            if (next)
                snprintf(next, next_size, "%s", row.next);
        } else if (rc == SY_OK && a.body) {
            struct sy_err store_err;
            if (hub_store_put(cat->store, target, a.etag, a.next, a.body, a.len, now,
                              &store_err) != SY_OK)
                log_warn("cannot keep the Hub's answer: %s", store_err.msg);
            body = a.body;
            len = a.len;
            if (next)
                snprintf(next, next_size, "%s", a.next);
        } else if (rc == SY_OK) {
            rc = sy_errf(err, SY_EUPSTREAM, "the Hub answered %ld without a body for %s",
                         a.status, what);
        }
    }
    if (rc == SY_OK) {
        json_error_t je;
        *out = json_loadb(body, len, 0, &je);
        if (!*out)
            rc = sy_errf(err, SY_EUPSTREAM, "the Hub's answer for %s is not JSON: %s", what,
                         je.text);
    }
    free(a.body);
    if (found)
        free(row.body);
    return rc;
}

/* Appends "&name=value" (value escaped) when value is given. */
static void add_param(char *url, size_t size, const char *name, const char *value)
{
    if (!value || !value[0])
        return;
    char *esc = curl_easy_escape(NULL, value, 0);
    size_t used = strlen(url);
    if (esc)
        snprintf(url + used, size - used, "%s%s=%s", strchr(url, '?') ? "&" : "?", name, esc);
    curl_free(esc);
}

bool catalog_expand_ok(const char *field)
{
    /* The Hub's documented expand[] values for models. */
    static const char *const known[] = {
        "author",      "baseModels", "cardData",      "childrenModelCount",
        "config",      "createdAt",  "disabled",      "downloads",
        "downloadsAllTime", "gated", "gguf",          "inference",
        "inferenceProviderMapping", "lastModified",   "library_name",
        "likes",       "mask_token", "model-index",   "pipeline_tag",
        "private",     "resourceGroup", "safetensors", "sha",
        "siblings",    "spaces",     "tags",          "transformersInfo",
        "trendingScore", "usedStorage", "widgetData"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(field, known[i]) == 0)
            return true;
    return false;
}

sy_code catalog_search(struct catalog *cat, const struct catalog_query *q, json_t **out,
                       bool *cached, struct sy_err *err)
{
    char target[2048] = "/api/models", limit[16];
    snprintf(limit, sizeof limit, "%d", q->limit);
    add_param(target, sizeof target, "search", q->search);
    add_param(target, sizeof target, "author", q->author);
    add_param(target, sizeof target, "pipeline_tag", q->pipeline_tag);
    add_param(target, sizeof target, "filter", q->filter);
    add_param(target, sizeof target, "sort", q->sort && q->sort[0] ? q->sort : "downloads");
    add_param(target, sizeof target, "direction", "-1");
    add_param(target, sizeof target, "limit", limit);
    for (size_t i = 0; i < q->n_expand; i++)
        add_param(target, sizeof target, "expand%5B%5D", q->expand[i]);
    json_t *all = json_array();
    *cached = true;
    sy_code rc = SY_OK;
    char next[2048];
    for (int page = 0; page < SEARCH_PAGES_MAX && target[0] && rc == SY_OK; page++) {
        json_t *part = NULL;
        bool from_store;
        rc = cached_get(cat, target, "the model search", &part, &from_store, next, sizeof next,
                        err);
        if (rc == SY_OK && !json_is_array(part))
            rc = sy_errf(err, SY_EUPSTREAM, "the Hub's model search answer is not a list");
        if (rc == SY_OK) {
            *cached = *cached && from_store;
            json_array_extend(all, part);
            snprintf(target, sizeof target, "%s", next);
        }
        json_decref(part);
        if ((int)json_array_size(all) >= q->limit)
            break;
    }
    if (rc != SY_OK) {
        json_decref(all);
        return rc;
    }
    while ((int)json_array_size(all) > q->limit)
        json_array_remove(all, json_array_size(all) - 1);
    *out = all;
    return SY_OK;
}

/* Where each part of a model's info comes from (and is kept under). */
static void info_target(const char *repo, char *out, size_t size)
{
    snprintf(out, size, "/api/models/%s/revision/main?blobs=true", repo);
}

static void mapping_target(const char *repo, char *out, size_t size)
{
    snprintf(out, size,
             "/api/models/%s?expand%%5B%%5D=inferenceProviderMapping&expand%%5B%%5D=inference",
             repo);
}

static void config_target(const char *repo, char *out, size_t size)
{
    snprintf(out, size, "/%s/resolve/main/config.json", repo);
}

/* The fields the second answer was asked for, into info. */
static void copy_expanded(const json_t *answer, json_t *info)
{
    static const char *const fields[] = {"inferenceProviderMapping", "inference"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        json_t *v = json_object_get(answer, fields[i]);
        if (v)
            json_object_set(info, fields[i], v);
    }
}

static bool has_sibling(const json_t *info, const char *path)
{
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(info, "siblings"), i, s)
    {
        const char *name = json_string_value(json_object_get(s, "rfilename"));
        if (name && strcmp(name, path) == 0)
            return true;
    }
    return false;
}

/* A model without GGUF metadata has its context length in config.json: kept
 * in info as "config_json", or why it could not be read as
 * "config_json_error" (a note then says the length is unknown, and why). */
static void add_config_json(struct catalog *cat, const char *repo, json_t *info, bool *cached)
{
    if (json_integer_value(json_object_get(json_object_get(info, "gguf"), "context_length")) ||
        !has_sibling(info, "config.json"))
        return;
    char target[512], what[300];
    config_target(repo, target, sizeof target);
    snprintf(what, sizeof what, "config.json of model '%s'", repo);
    json_t *config = NULL;
    bool from_store = false;
    struct sy_err err;
    if (cached_get(cat, target, what, &config, &from_store, NULL, 0, &err) == SY_OK &&
        json_is_object(config)) {
        json_object_set_new(info, "config_json", config);
        *cached = *cached && from_store;
        return;
    }
    json_decref(config);
    json_object_set_new(info, "config_json_error",
                        json_string(config ? "config.json is not a JSON object" : err.msg));
}

sy_code catalog_model(struct catalog *cat, const char *repo, json_t **out, bool *cached,
                      struct sy_err *err)
{
    char target[512], what[256];
    info_target(repo, target, sizeof target);
    snprintf(what, sizeof what, "model '%s'", repo);
    sy_code rc = cached_get(cat, target, what, out, cached, NULL, 0, err);
    if (rc == SY_OK && !json_is_object(*out))
        rc = sy_errf(err, SY_EUPSTREAM, "the Hub's info for %s is not an object", what);
    /* The provider mapping comes only when asked for by name, and expand[]
     * cannot be combined with blobs=true: a second answer. */
    json_t *mapping = NULL;
    bool from_store = false;
    mapping_target(repo, target, sizeof target);
    if (rc == SY_OK &&
        (rc = cached_get(cat, target, what, &mapping, &from_store, NULL, 0, err)) == SY_OK) {
        *cached = *cached && from_store;
        copy_expanded(mapping, *out);
        add_config_json(cat, repo, *out, cached);
    }
    json_decref(mapping);
    if (rc != SY_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* A stored answer as JSON, whatever its age; NULL if none (or unreadable). */
static json_t *stored_json(struct catalog *cat, const char *target)
{
    struct hub_stored row;
    bool found = false;
    if (hub_store_get(cat->store, target, &row, &found, NULL) != SY_OK || !found)
        return NULL;
    json_t *v = json_loadb(row.body, row.len, 0, NULL);
    free(row.body);
    return v;
}

json_t *catalog_model_stored(struct catalog *cat, const char *repo)
{
    char target[512];
    info_target(repo, target, sizeof target);
    json_t *info = stored_json(cat, target);
    if (!json_is_object(info)) {
        json_decref(info);
        return NULL;
    }
    mapping_target(repo, target, sizeof target);
    json_t *mapping = stored_json(cat, target);
    copy_expanded(mapping, info);
    json_decref(mapping);
    config_target(repo, target, sizeof target);
    json_t *config = stored_json(cat, target);
    if (json_is_object(config))
        json_object_set(info, "config_json", config);
    json_decref(config);
    return info;
}

/* ---- capabilities ----------------------------------------------------------------------- */

/* The context length a config.json gives: the first of the names model
 * families use for it, at the top or in text_config (multimodal models). */
static uint64_t config_context_length(const json_t *config)
{
    static const char *const names[] = {"max_position_embeddings", "n_positions",
                                        "max_sequence_length",     "seq_length",
                                        "n_ctx",                   "max_seq_len"};
    const json_t *scopes[] = {config, json_object_get(config, "text_config")};
    for (size_t s = 0; s < 2; s++)
        for (size_t i = 0; scopes[s] && i < sizeof names / sizeof names[0]; i++) {
            json_int_t v = json_integer_value(json_object_get(scopes[s], names[i]));
            if (v > 0)
                return (uint64_t)v;
        }
    return 0;
}

static void add_provider(json_t *out, const char *provider, const json_t *entry)
{
    const char *task = json_string_value(json_object_get(entry, "task"));
    const char *id = json_string_value(json_object_get(entry, "providerId"));
    const char *status = json_string_value(json_object_get(entry, "status"));
    if (provider && task)
        json_array_append_new(out, json_pack("{s:s, s:s?, s:s, s:s?}", "provider", provider,
                                             "provider_id", id, "task", task, "status", status));
}

json_t *catalog_inference_providers(const json_t *mapping)
{
    json_t *out = json_array();
    size_t i;
    const char *key;
    const json_t *entry;
    if (json_is_array(mapping))
        json_array_foreach(mapping, i, entry)
            add_provider(out, json_string_value(json_object_get(entry, "provider")), entry);
    else if (json_is_object(mapping))
        json_object_foreach((json_t *)mapping, key, entry)
            add_provider(out, key, entry);
    return out;
}

/* "a, b" of the live providers in list, into out ("" if none). */
static void live_providers(const json_t *list, char *out, size_t size)
{
    out[0] = '\0';
    size_t i, used = 0;
    const json_t *p;
    json_array_foreach(list, i, p)
    {
        const char *status = json_string_value(json_object_get(p, "status"));
        if (status && strcmp(status, "live") != 0)
            continue;
        int w = snprintf(out + used, size - used, "%s%s", used ? ", " : "",
                         json_string_value(json_object_get(p, "provider")));
        if (w < 0 || (size_t)w >= size - used)
            break;
        used += (size_t)w;
    }
}

json_t *catalog_capabilities(const json_t *info, bool has_token)
{
    json_t *notes = json_array(), *files = json_array();
    struct sy_capabilities caps = {0};
    const char *tag = json_string_value(json_object_get(info, "pipeline_tag"));
    enum sy_task task;
    bool known_task = tag && task_parse(tag, &task, NULL) == SY_OK;
    if (known_task) {
        caps.tasks = SY_TASK_BIT(task);
    } else {
        char note[256] = "the Hub names no task for it";
        if (tag)
            snprintf(note, sizeof note, "its task '%s' is not one Switchyard runs", tag);
        json_array_append_new(notes, json_string(note));
    }

    /* Local: the model files (GGUF, or whisper.cpp's ggml-*.bin), and which one a pull
     * would choose. */
    const char *paths[1024];
    uint64_t sizes[1024];
    size_t n = 0, i;
    const json_t *s;
    json_array_foreach(json_object_get(info, "siblings"), i, s)
    {
        const char *path = json_string_value(json_object_get(s, "rfilename"));
        int shard, of;
        if (!path || n == 1024 || !gguf_model_file(path, &shard, &of))
            continue;
        json_int_t size = json_integer_value(json_object_get(json_object_get(s, "lfs"), "size"));
        if (!size)
            size = json_integer_value(json_object_get(s, "size"));
        paths[n] = path;
        sizes[n++] = size > 0 ? (uint64_t)size : 0;
        char label[32];
        gguf_label_from_name(path, label, sizeof label);
        json_array_append_new(files, json_pack("{s:s, s:s, s:I}", "file", path, "label", label,
                                               "size", (json_int_t)size));
    }
    json_t *choice = json_null();
    size_t chosen[64], n_chosen;
    char label[32];
    const char *why;
    bool runnable = n > 0 && gguf_choose(paths, sizes, n, "", chosen, 64, &n_chosen, label,
                                         sizeof label, &why, NULL) == SY_OK;
    if (runnable) {
        choice = json_pack("{s:s, s:s, s:s, s:i}", "file", paths[chosen[0]], "label", label, "why",
                           why, "files", (int)n_chosen);
        if (known_task && task == SY_TASK_TEXT_GENERATION)
            caps.settings = SY_LLAMA_SETTINGS;
        if (gguf_whisper_file(paths[chosen[0]])) {
            /* whisper.cpp hears speech whatever the Hub's tag; the file's
             * header tells its languages, once it is here. */
            caps.tasks = SY_TASK_BIT(SY_TASK_AUTOMATIC_SPEECH_RECOGNITION);
            caps.settings = SY_SPEECH_SETTINGS | SY_SETTING_BIT(SY_SETTING_TEMPERATURE);
            caps.sample_rate = 16000;
            caps.speech_prompt = true;
            known_task = true;
            caps.speech_translate = !strstr(label, ".en");
            if (!caps.speech_translate)
                snprintf(caps.languages, sizeof caps.languages, "en");
        }
    } else {
        json_array_append_new(notes, json_string("it has no GGUF model file (nor a whisper "
                                                 "ggml-*.bin), so it cannot run locally here "
                                                 "(look for a '-GGUF' repository of it)"));
    }
    const json_t *gguf = json_object_get(info, "gguf");
    caps.context_length = (uint64_t)json_integer_value(json_object_get(gguf, "context_length"));
    caps.chat = json_is_string(json_object_get(gguf, "chat_template"));
    const char *context_source = caps.context_length ? "gguf" : NULL;
    const char *config_error = json_string_value(json_object_get(info, "config_json_error"));
    if (!caps.context_length &&
        (caps.context_length = config_context_length(json_object_get(info, "config_json"))))
        context_source = "config.json";
    else if (!caps.context_length && config_error) {
        char note[400];
        snprintf(note, sizeof note, "its context length is unknown: %s", config_error);
        json_array_append_new(notes, json_string(note));
    }

    json_t *providers =
        catalog_inference_providers(json_object_get(info, "inferenceProviderMapping"));
    char live[256];
    live_providers(providers, live, sizeof live);
    if (live[0] && !runnable) {
        char note[400];
        const char *id = json_string_value(json_object_get(info, "id"));
        snprintf(note, sizeof note,
                 "Hugging Face Inference Providers serve it (%s): add a provider with base_url "
                 "https://router.huggingface.co/v1 and ask for <its name>:%s",
                 live, id ? id : "<model>");
        json_array_append_new(notes, json_string(note));
    }

    /* gated: false, "auto" or "manual" */
    const json_t *gated = json_object_get(info, "gated");
    caps.gated = json_is_string(gated) || json_is_true(gated);
    if (caps.gated)
        json_array_append_new(
            notes, json_string(has_token ? "it is gated: the HF_TOKEN account must have accepted "
                                           "its terms on the Hub"
                                         : "it is gated: accept its terms on the Hub, then set "
                                           "HF_TOKEN"));
    json_t *out = capabilities_to_json(&caps);
    if (!out) {
        json_decref(notes);
        json_decref(files);
        json_decref(choice);
        json_decref(providers);
        return NULL;
    }
    json_object_set_new(out, "gated", caps.gated ? json_deep_copy(gated) : json_false());
    json_object_set_new(out, "needs_token", json_boolean(caps.gated && !has_token));
    json_object_set_new(out, "supported", json_boolean(known_task && runnable));
    json_object_set_new(out, "runnable_locally", json_boolean(runnable));
    json_object_set_new(out, "gguf_files", files);
    json_object_set_new(out, "default_file", choice);
    json_object_set_new(out, "notes", notes);
    json_object_set_new(out, "inference_providers", providers);
    /* The Hub's word on serverless inference ("warm", or absent). */
    const json_t *inference = json_object_get(info, "inference");
    json_object_set_new(out, "inference",
                        json_is_string(inference) ? json_deep_copy(inference) : json_null());
    json_object_set_new(out, "context_length_source",
                        context_source ? json_string(context_source) : json_null());
    if (!caps.context_length)
        json_object_set_new(out, "context_length", json_null());
    return out;
}

/* ---- a model that is not here ----------------------------------------------------------- */

/* The notes of caps joined with "; " into out. */
static void join_notes(const json_t *caps, char *out, size_t size)
{
    out[0] = '\0';
    size_t i, used = 0;
    const json_t *note;
    json_array_foreach(json_object_get(caps, "notes"), i, note)
    {
        int w = snprintf(out + used, size - used, "%s%s", used ? "; " : "",
                         json_string_value(note));
        if (w < 0 || (size_t)w >= size - used)
            break;
        used += (size_t)w;
    }
}

sy_code catalog_explain_missing(struct catalog *cat, const char *repo, const char *variant,
                                bool has_token, sy_code rc, struct sy_err *err)
{
    json_t *info = cat ? catalog_model_stored(cat, repo) : NULL;
    json_t *caps = info ? catalog_capabilities(info, has_token) : NULL;
    if (!caps) {
        json_decref(info);
        return rc;
    }
    const char *tag = json_string_value(json_object_get(info, "pipeline_tag"));
    char notes[1024];
    join_notes(caps, notes, sizeof notes);
    if (!json_is_true(json_object_get(caps, "supported"))) {
        rc = sy_errp(err, SY_EUNSUPPORTED, "model",
                     "model '%s' (%s on the Hub) cannot run here, and pulling it would not help: "
                     "%s",
                     repo, tag ? tag : "no task", notes);
    } else if (json_is_true(json_object_get(caps, "needs_token"))) {
        rc = sy_errp(err, SY_ENOTFOUND, "model",
                     "model '%s' is not here, and it is gated: accept its terms on the Hub, set "
                     "HF_TOKEN, then pull it (switchyard pull %s, or POST /api/models/pull)",
                     repo, repo);
    } else if (err && !variant[0]) {
        const json_t *choice = json_object_get(caps, "default_file");
        size_t used = strlen(err->msg);
        snprintf(err->msg + used, sizeof err->msg - used,
                 " (the Hub lists it for %s; a pull would take %s, %s)", tag,
                 json_string_value(json_object_get(choice, "file")),
                 json_string_value(json_object_get(choice, "why")));
    }
    json_decref(caps);
    json_decref(info);
    return rc;
}
