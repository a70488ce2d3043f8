/* ollama_models.c -- Ollama's model routes: /api/tags, /api/show, /api/ps,
 * /api/pull, /api/delete, /api/version and the root's "Ollama is running".
 *
 * Models are listed by our ids (org/name, org/name@Q8_0, a file's name);
 * ":latest" on a name a client sends is dropped. Only models that generate
 * text are listed, since that is what Ollama clients offer to chat with.
 * "digest" identifies a model version: the SHA-256 of its id, size and
 * modification time (hashing multi-gigabyte files on every listing would be
 * too slow), so it changes when the file does. */
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/model_json.h"
#include "api/json_body.h"
#include "api/ollama.h"
#include "api/pull_api.h"
#include "api/playground.h"
#include "api/residency.h"
#include "util/units.h"

int ollama_model_name(const char *name, char *out, size_t size)
{
    size_t len = strlen(name);
    static const char latest[] = ":latest";
    if (len >= sizeof latest - 1 && strcmp(name + len - (sizeof latest - 1), latest) == 0)
        len -= sizeof latest - 1;
    if (len >= size)
        return -1;
    memcpy(out, name, len);
    out[len] = '\0';
    return 0;
}

static void rfc3339(int64_t unix_s, char *out, size_t size)
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void digest_of(const struct sy_model_info *m, char *out, size_t size)
{
    char key[SY_MODEL_ID_MAX + 64];
    int n = snprintf(key, sizeof key, "%s:%llu:%lld", m->id, (unsigned long long)m->size_bytes,
                     (long long)m->created);
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)key, n > 0 ? (size_t)n : 0, md);
    for (size_t i = 0; i < sizeof md && 2 * i + 2 < size; i++)
        snprintf(out + 2 * i, size - 2 * i, "%02x", md[i]);
}

static json_t *details_json(const struct sy_model_info *m)
{
    char params[32];
    units_format_count(m->parameter_count, params, sizeof params);
    return json_pack("{s:s, s:s, s:s, s:[s], s:s, s:s}", "parent_model", "", "format", "gguf",
                     "family", m->architecture, "families", m->architecture, "parameter_size",
                     params, "quantization_level", m->quantization);
}

/* What Ollama's own listing would hold: models that generate text or embed. */
static bool ollama_served(const struct sy_model_info *m)
{
    return !m->problem[0] && (m->caps.tasks & (SY_TASK_BIT(SY_TASK_TEXT_GENERATION) |
                                               SY_TASK_BIT(SY_TASK_FEATURE_EXTRACTION)));
}

void ollama_tags(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    struct sy_model_info *models;
    json_t *problems;
    size_t n;
    struct sy_err err;
    if (model_list(api->router, &models, &n, &problems, &err) != SY_OK) {
        api_respond_error_ollama(ex, &err);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct sy_model_info *m = &models[i];
        if (!ollama_served(m))
            continue;
        char modified[32], digest[65];
        rfc3339(m->created, modified, sizeof modified);
        digest_of(m, digest, sizeof digest);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:I, s:s, s:o}", "name", m->id,
                                              "model", m->id, "modified_at", modified, "size",
                                              (json_int_t)m->size_bytes, "digest", digest,
                                              "details", details_json(m)));
    }
    free(models);
    json_t *body = json_pack("{s:o}", "models", list);
    if (json_array_size(problems))
        json_object_set(body, "errors", problems);
    json_decref(problems);
    http_respond_json(ex, 200, body);
}

/* The "model" (or older clients' "name") of a body, without ":latest". */
static sy_code body_model(struct http_exchange *ex, const char *const *keys, json_t **body,
                          char *model, size_t size, struct sy_err *err)
{
    sy_code rc = json_body_parse_any_type(ex, body, err);
    if (rc == SY_OK)
        rc = json_body_known_keys(*body, keys, "", err);
    if (rc != SY_OK)
        return rc;
    const json_t *v = json_object_get(*body, "model");
    if (!v)
        v = json_object_get(*body, "name");
    if (!json_is_string(v) || json_string_length(v) == 0)
        return sy_errp(err, SY_EINVAL, "model", "model is required");
    if (ollama_model_name(json_string_value(v), model, size) != 0)
        return sy_errp(err, SY_EINVAL, "model", "model name is too long");
    return SY_OK;
}

void ollama_show(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    static const char *const keys[] = {"model", "name", "verbose", NULL};
    json_t *body = NULL;
    char model[SY_MODEL_ID_MAX + 1];
    struct sy_err err;
    struct sy_model_info m;
    sy_code rc = body_model(ex, keys, &body, model, sizeof model, &err);
    json_decref(body);
    if (rc == SY_OK)
        rc = router_describe(api->router, model, &m, &err);
    if (rc != SY_OK) {
        api_respond_error_ollama(ex, &err);
        return;
    }
    json_t *caps = json_array();
    if (m.caps.tasks & SY_TASK_BIT(SY_TASK_TEXT_GENERATION))
        json_array_append_new(caps, json_string("completion"));
    else if (m.caps.tasks & SY_TASK_BIT(SY_TASK_FEATURE_EXTRACTION))
        json_array_append_new(caps, json_string("embedding")); /* as Ollama: embedders only */
    if (m.caps.vision)
        json_array_append_new(caps, json_string("vision"));
    char modified[32], ctx_key[96];
    rfc3339(m.created, modified, sizeof modified);
    snprintf(ctx_key, sizeof ctx_key, "%s.context_length", m.architecture);
    json_t *info = json_pack("{s:s, s:I, s:I}", "general.architecture", m.architecture,
                             "general.parameter_count", (json_int_t)m.parameter_count, ctx_key,
                             (json_int_t)m.caps.context_length);
    if (info && m.caps.embedding_length) {
        char embd_key[96];
        snprintf(embd_key, sizeof embd_key, "%s.embedding_length", m.architecture);
        json_object_set_new(info, embd_key, json_integer((json_int_t)m.caps.embedding_length));
    }
    http_respond_json(ex, 200,
                      json_pack("{s:o, s:o, s:o, s:s}", "details", details_json(&m), "model_info",
                                info, "capabilities", caps, "modified_at", modified));
}

void ollama_ps(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    struct sy_model_status *list;
    size_t n;
    struct sy_residency_totals totals;
    struct sy_err err;
    if (router_status(api->router, &list, &n, &totals, &err) != SY_OK) {
        api_respond_error_ollama(ex, &err);
        return;
    }
    json_t *models = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct sy_model_status *st = &list[i];
        struct sy_model_info m;
        if (st->state != SY_MODEL_LOADED || router_describe(api->router, st->id, &m, NULL) != SY_OK)
            continue;
        char expires[32] = "", digest[65];
        /* A model that never expires: Ollama shows a date far in the future. */
        rfc3339(st->expires_at_ms ? st->expires_at_ms / 1000 : 253402300799, expires,
                sizeof expires);
        digest_of(&m, digest, sizeof digest);
        json_array_append_new(models, json_pack("{s:s, s:s, s:I, s:s, s:o, s:s, s:i}", "name",
                                                st->id, "model", st->id, "size",
                                                (json_int_t)st->memory_estimate, "digest", digest,
                                                "details", details_json(&m), "expires_at",
                                                expires, "size_vram", 0));
    }
    free(list);
    http_respond_json(ex, 200, json_pack("{s:o}", "models", models));
}

void ollama_pull(struct http_exchange *ex, void *app)
{
    static const char *const keys[] = {"model", "name", "stream", "insecure", NULL};
    json_t *body = NULL;
    char model[SY_MODEL_ID_MAX + 1];
    struct sy_err err;
    sy_code rc = body_model(ex, keys, &body, model, sizeof model, &err);
    const json_t *stream = json_object_get(body, "stream");
    if (rc == SY_OK && stream && !json_is_boolean(stream) && !json_is_null(stream))
        rc = sy_errp(&err, SY_EINVAL, "stream", "stream must be true or false");
    bool streamed = !json_is_false(stream);
    json_decref(body);
    if (rc != SY_OK) {
        api_respond_error_ollama(ex, &err);
        return;
    }
    pull_start(ex, app, model, streamed, PULL_OLLAMA);
}

static void answer_delete(struct http_exchange *ex, struct api_ctx *api,
                          enum residency_change change, const char *model,
                          const struct sy_err *err, void *arg)
{
    (void)api;
    (void)change;
    (void)model;
    (void)arg;
    if (err->code != SY_OK)
        api_respond_error_ollama(ex, err);
    else
        http_respond(ex, 200, "application/json", "", 0);
}

void ollama_delete(struct http_exchange *ex, void *app)
{
    static const char *const keys[] = {"model", "name", NULL};
    json_t *body = NULL;
    char model[SY_MODEL_ID_MAX + 1];
    struct sy_err err;
    struct sy_request req;
    request_init(&req);
    sy_code rc = body_model(ex, keys, &body, model, sizeof model, &err);
    json_decref(body);
    if (rc == SY_OK) {
        json_t *id = json_string(model);
        rc = request_set_model(&req, id, "model", &err);
        json_decref(id);
    }
    if (rc == SY_OK)
        residency_await(ex, app, CHANGE_REMOVE, &req, answer_delete, NULL);
    else
        api_respond_error_ollama(ex, &err);
    request_cleanup(&req);
}

void ollama_version(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    http_respond_json(ex, 200, json_pack("{s:s}", "version", api->version));
}

void ollama_root(struct http_exchange *ex, void *app)
{
    /* Browsers get the playground; Ollama clients probe for this line. */
    if (playground_wanted(ex, app)) {
        playground_serve(ex, app);
        return;
    }
    static const char text[] = "Ollama is running";
    http_respond(ex, 200, "text/plain; charset=utf-8", text, sizeof text - 1);
}
