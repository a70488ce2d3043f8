/* request.c -- building a sy_request from JSON pieces. */
#include "core/request.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/units.h"

void request_init(struct sy_request *req)
{
    memset(req, 0, sizeof *req);
    req->task = SY_TASK_TEXT_GENERATION;
    settings_init(&req->settings);
    req->residency.wait_for_load = true;
    req->images.n = 1;
}

const char *request_option_param(const struct sy_request *req, const char *name, char *buf,
                                 size_t size)
{
    snprintf(buf, size, "%s%s", req->options_at, name);
    return buf;
}

void request_cleanup(struct sy_request *req)
{
    if (!req)
        return;
    free(req->prompt);
    for (size_t i = 0; i < req->n_messages; i++) {
        free(req->messages[i].role);
        free(req->messages[i].content);
    }
    free(req->messages);
    settings_cleanup(&req->settings);
    json_decref(req->provider_overrides);
    for (size_t i = 0; i < req->speech.n_phrases; i++)
        free(req->speech.phrases[i]);
    free(req->speech.phrases);
    free(req->speech.samples);
    for (size_t i = 0; i < req->embed.n_inputs; i++)
        free(req->embed.inputs[i]);
    free(req->embed.inputs);
    for (size_t i = 0; i < req->images.n_refs; i++)
        free(req->images.refs[i].data);
    request_init(req);
}

sy_code request_set_model(struct sy_request *req, const json_t *v, const char *param,
                          struct sy_err *err)
{
    if (!v || json_is_null(v))
        return sy_errp(err, SY_EINVAL, param, "'%s' is required: name the model to run", param);
    if (!json_is_string(v) || json_string_length(v) == 0)
        return sy_errp(err, SY_EINVAL, param, "'%s' must be a non-empty string", param);
    if (json_string_length(v) > SY_MODEL_ID_MAX)
        return sy_errp(err, SY_EINVAL, param, "'%s' is longer than %d bytes", param,
                       SY_MODEL_ID_MAX);
    if (strlen(json_string_value(v)) != json_string_length(v))
        return sy_errp(err, SY_EINVAL, param, "'%s' must not contain NUL characters", param);
    snprintf(req->model, sizeof req->model, "%s", json_string_value(v));
    return SY_OK;
}

sy_code request_set_prompt(struct sy_request *req, const json_t *v, const char *param,
                           struct sy_err *err)
{
    if (!json_is_string(v))
        return sy_errp(err, SY_EINVAL, param, "'%s' must be a string", param);
    char *copy = strndup(json_string_value(v), json_string_length(v));
    if (!copy)
        return sy_errf(err, SY_ENOMEM, "out of memory copying '%s'", param);
    free(req->prompt);
    req->prompt = copy;
    return SY_OK;
}

static const char *canonical_role(const char *role)
{
    static const char *const roles[] = {"system", "user", "assistant"};
    if (strcmp(role, "developer") == 0) /* OpenAI's newer name for system */
        return "system";
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(role, roles[i]) == 0)
            return roles[i];
    return NULL;
}

/* Joins the text parts of an OpenAI content array; notes image parts. */
static sy_code read_parts(struct sy_request *req, const json_t *parts, const char *where,
                          char **out, struct sy_err *err)
{
    struct sy_buf text;
    buf_init(&text, SIZE_MAX / 2);
    sy_code rc = SY_OK;
    size_t i;
    json_t *part;
    json_array_foreach(parts, i, part) {
        const char *type = json_string_value(json_object_get(part, "type"));
        char at[160];
        snprintf(at, sizeof at, "%.120s[%zu]", where, i);
        if (!type) {
            rc = sy_errp(err, SY_EINVAL, at, "'%s' needs a string 'type'", at);
            break;
        }
        if (strcmp(type, "text") == 0) {
            const json_t *t = json_object_get(part, "text");
            if (!json_is_string(t)) {
                rc = sy_errp(err, SY_EINVAL, at, "'%s.text' must be a string", at);
                break;
            }
            if ((rc = buf_append(&text, json_string_value(t), json_string_length(t), err)) != SY_OK)
                break;
        } else if (strcmp(type, "image_url") == 0 || strcmp(type, "input_image") == 0) {
            req->has_images = true;
        } else {
            rc = sy_errp(err, SY_EINVAL, at, "'%s.type' must be \"text\" or \"image_url\", got \"%s\"",
                         at, type);
            break;
        }
    }
    if (rc == SY_OK && (rc = buf_append(&text, "", 0, err)) == SY_OK)
        *out = buf_detach(&text, NULL);
    buf_cleanup(&text);
    return rc;
}

sy_code request_read_messages(struct sy_request *req, const json_t *v, const char *param,
                              struct sy_err *err)
{
    if (!json_is_array(v) || json_array_size(v) == 0)
        return sy_errp(err, SY_EINVAL, param, "'%s' must be a non-empty array of messages", param);
    size_t n = json_array_size(v);
    if (n > SY_MESSAGES_MAX)
        return sy_errp(err, SY_EINVAL, param, "'%s' has %zu messages; at most %d are allowed",
                       param, n, SY_MESSAGES_MAX);
    struct sy_message *msgs = calloc(n, sizeof *msgs);
    if (!msgs)
        return sy_errf(err, SY_ENOMEM, "out of memory reading '%s'", param);
    sy_code rc = SY_OK;
    size_t done = 0;
    for (; done < n; done++) {
        const json_t *m = json_array_get(v, done);
        char where[96];
        snprintf(where, sizeof where, "%.64s[%zu]", param, done);
        const char *role = json_string_value(json_object_get(m, "role"));
        const char *canon = role ? canonical_role(role) : NULL;
        if (!json_is_object(m) || !canon) {
            char at[128];
            snprintf(at, sizeof at, "%s.role", where);
            rc = sy_errp(err, SY_EINVAL, at,
                         "'%s' must be one of system, developer, user, assistant", at);
            break;
        }
        const json_t *content = json_object_get(m, "content");
        char *text = NULL;
        char at[128];
        snprintf(at, sizeof at, "%s.content", where);
        if (json_is_string(content))
            text = strndup(json_string_value(content), json_string_length(content));
        else if (json_is_array(content))
            rc = read_parts(req, content, at, &text, err);
        else
            rc = sy_errp(err, SY_EINVAL, at, "'%s' must be a string or an array of parts", at);
        if (rc != SY_OK)
            break;
        msgs[done].role = strdup(canon);
        msgs[done].content = text;
        if (!text || !msgs[done].role) {
            done++; /* so the partial message is freed below */
            rc = sy_errf(err, SY_ENOMEM, "out of memory reading '%s'", param);
            break;
        }
    }
    if (rc != SY_OK) {
        for (size_t i = 0; i < done; i++) {
            free(msgs[i].role);
            free(msgs[i].content);
        }
        free(msgs);
        return rc;
    }
    req->messages = msgs;
    req->n_messages = n;
    return SY_OK;
}

sy_code request_set_overrides(struct sy_request *req, const json_t *v, const char *param,
                              struct sy_err *err)
{
    if (!v || json_is_null(v))
        return SY_OK;
    if (!json_is_object(v))
        return sy_errp(err, SY_EINVAL, param, "'%s' must be an object", param);
    json_decref(req->provider_overrides);
    req->provider_overrides = json_incref((json_t *)v);
    return SY_OK;
}

sy_code request_set_keep_alive(struct sy_request *req, const json_t *v, const char *param,
                               struct sy_err *err)
{
    if (!v || json_is_null(v))
        return SY_OK;
    int64_t ms;
    if (json_is_number(v)) {
        double seconds = json_number_value(v);
        if (!isfinite(seconds) || fabs(seconds) > 9.2e12)
            return sy_errp(err, SY_EINVAL, param, "'%s' is out of range", param);
        ms = (int64_t)(seconds * 1000.0);
    } else if (!json_is_string(v) || !units_parse_duration_ms(json_string_value(v), &ms)) {
        return sy_errp(err, SY_EINVAL, param,
                       "'%s' must be a number of seconds or a duration such as \"5m\", \"1h\" "
                       "or \"30s\" (negative keeps the model loaded, 0 unloads it after the "
                       "request)",
                       param);
    }
    req->residency.has_keep_alive = true;
    req->residency.keep_alive_ms = ms < 0 ? -1 : ms;
    return SY_OK;
}
