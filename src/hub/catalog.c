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

sy_code catalog_model(struct catalog *cat, const char *repo, json_t **out, bool *cached,
                      struct sy_err *err)
{
    char target[512], what[256];
    snprintf(target, sizeof target, "/api/models/%s/revision/main?blobs=true", repo);
    snprintf(what, sizeof what, "model '%s'", repo);
    sy_code rc = cached_get(cat, target, what, out, cached, NULL, 0, err);
    if (rc == SY_OK && !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        rc = sy_errf(err, SY_EUPSTREAM, "the Hub's info for %s is not an object", what);
    }
    return rc;
}

/* ---- capabilities ----------------------------------------------------------------------- */

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

    /* Local: the GGUF model files, and which one a pull would choose. */
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
    } else {
        json_array_append_new(notes, json_string("it has no GGUF model file, so it cannot run "
                                                 "locally here (look for a '-GGUF' repository of "
                                                 "it)"));
    }
    const json_t *gguf = json_object_get(info, "gguf");
    caps.context_length = (uint64_t)json_integer_value(json_object_get(gguf, "context_length"));
    caps.chat = json_is_string(json_object_get(gguf, "chat_template"));

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
        return NULL;
    }
    json_object_set_new(out, "gated", caps.gated ? json_deep_copy(gated) : json_false());
    json_object_set_new(out, "needs_token", json_boolean(caps.gated && !has_token));
    json_object_set_new(out, "supported", json_boolean(known_task && runnable));
    json_object_set_new(out, "runnable_locally", json_boolean(runnable));
    json_object_set_new(out, "gguf_files", files);
    json_object_set_new(out, "default_file", choice);
    json_object_set_new(out, "notes", notes);
    if (!caps.context_length)
        json_object_set_new(out, "context_length", json_null());
    return out;
}
