/* json_body.c -- JSON request bodies. */
#include "api/json_body.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/form.h"
#include "util/limits.h"

/* Nesting depth of JSON text, counted outside strings. Runs before the parser
 * so a body of 100000 '[' cannot make it recurse that deep. */
static size_t json_depth(const char *s, size_t n)
{
    size_t depth = 0, max = 0;
    bool in_string = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max)
                max = depth;
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return max;
}

static bool is_json_type(const char *ct)
{
    if (!ct)
        return true;
    size_t n = strcspn(ct, ";");
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    return n == strlen("application/json") && strncasecmp(ct, "application/json", n) == 0;
}

static sy_code parse(struct http_exchange *ex, json_t **out, struct sy_err *err);

sy_code json_body_parse(struct http_exchange *ex, json_t **out, struct sy_err *err)
{
    *out = NULL;
    const char *ct = http_header(ex, "Content-Type");
    if (!is_json_type(ct))
        return sy_errf(err, SY_EMEDIA,
                       "the body must be JSON sent with 'Content-Type: application/json', not '%s'",
                       ct);
    return parse(ex, out, err);
}

sy_code json_body_parse_any_type(struct http_exchange *ex, json_t **out, struct sy_err *err)
{
    *out = NULL;
    return parse(ex, out, err);
}

static sy_code parse(struct http_exchange *ex, json_t **out, struct sy_err *err)
{
    size_t len;
    const char *body = http_body(ex, &len);
    if (len == 0)
        return sy_errf(err, SY_EINVAL, "the request body is empty; send a JSON object");
    if (json_depth(body, len) > SY_JSON_DEPTH_MAX)
        return sy_errf(err, SY_EINVAL, "the JSON body nests deeper than %d levels",
                       SY_JSON_DEPTH_MAX);
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root && json_error_code(&jerr) == json_error_null_character)
        /* Prompts travel as C strings: a NUL would cut them short unseen. */
        return sy_errf(err, SY_EINVAL, "a string in the body holds \\u0000 (line %d, column %d); "
                       "requests cannot carry the NUL character, remove it", jerr.line,
                       jerr.column);
    if (!root)
        return sy_errf(err, SY_EINVAL, "the body is not valid JSON: %s (line %d, column %d)",
                       jerr.text, jerr.line, jerr.column);
    if (!json_is_object(root)) {
        json_decref(root);
        return sy_errf(err, SY_EINVAL, "the body must be a JSON object");
    }
    *out = root;
    return SY_OK;
}

bool json_body_present(const json_t *v)
{
    return v && !json_is_null(v);
}

sy_code json_body_known_keys(const json_t *obj, const char *const *known, const char *where,
                             struct sy_err *err)
{
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)obj, key, value) {
        bool found = false;
        for (const char *const *k = known; *k && !found; k++)
            found = strcmp(*k, key) == 0;
        if (found)
            continue;
        char param[128];
        snprintf(param, sizeof param, "%s%s%s", where, where[0] ? "." : "", key);
        return sy_errp(err, SY_EINVAL, param, "unrecognized request argument supplied: '%s'",
                       param);
    }
    return SY_OK;
}

sy_code json_body_bool(const json_t *obj, const char *key, bool *out, struct sy_err *err)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return SY_OK;
    if (!json_is_boolean(v))
        return sy_errp(err, SY_EINVAL, key, "'%s' must be true or false", key);
    *out = json_is_true(v);
    return SY_OK;
}

static bool named_in(const char *const *names, const char *name)
{
    for (size_t i = 0; names && names[i]; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* A form field's value as the JSON value of its kind; NULL with err set. */
static json_t *form_value(const struct http_form_field *f, const char *const *integers,
                          const char *const *reals, struct sy_err *err)
{
    char *end;
    if (named_in(integers, f->name)) {
        long long n = strtoll(f->data, &end, 10);
        if (end == f->data || *end)
            return sy_errp(err, SY_EINVAL, f->name, "'%s' must be a whole number", f->name),
                   NULL;
        return json_integer(n);
    }
    if (named_in(reals, f->name)) {
        double x = strtod(f->data, &end);
        if (end == f->data || *end)
            return sy_errp(err, SY_EINVAL, f->name, "'%s' must be a number", f->name), NULL;
        return json_real(x);
    }
    json_t *v;
    json_error_t jerr;
    if (strcmp(f->name, "provider_overrides") == 0 || strcmp(f->name, "providerOptions") == 0) {
        if (!(v = json_loadb(f->data, f->len, 0, &jerr)))
            sy_errp(err, SY_EINVAL, f->name, "'%s' must be a JSON object: %s", f->name,
                    jerr.text);
        return v;
    }
    if (!(v = json_stringn(f->data, f->len)))
        sy_errp(err, SY_EINVAL, f->name, "'%s' must be UTF-8 text", f->name);
    return v;
}

sy_code json_body_put_form_field(json_t *body, const struct http_form_field *f,
                                 const char *const *integers, const char *const *reals,
                                 struct sy_err *err)
{
    if (json_object_get(body, f->name))
        return sy_errp(err, SY_EINVAL, f->name, "'%s' is given twice", f->name);
    json_t *v = form_value(f, integers, reals, err);
    if (!v)
        return SY_EINVAL;
    if (json_object_set_new(body, f->name, v) != 0) /* a name that is not UTF-8 */
        return sy_errf(err, SY_EINVAL, "a form field's name is not UTF-8 text");
    return SY_OK;
}
