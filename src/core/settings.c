/* settings.c -- the GenerationSettings validation table and its reader.
 *
 * The table below is the single statement of each setting's type and bounds
 * (seed 000, as settled in DESIGN.md). Surfaces never check bounds themselves. */
#include "core/settings.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


enum setting_type { ST_FLOAT, ST_INT, ST_BOOL, ST_STRING, ST_STRINGS };

struct setting_spec {
    const char *name;
    enum setting_type type;
    double min, max;     /* inclusive unless the matching *_open flag is set */
    bool min_open, max_open;
    size_t offset;       /* of the field in struct sy_settings */
};

#define F(field) offsetof(struct sy_settings, field)
#define NO_MIN (-INFINITY)
#define NO_MAX INFINITY

static const struct setting_spec specs[SY_SETTING_COUNT] = {
    [SY_SETTING_TEMPERATURE] = {"temperature", ST_FLOAT, 0, 2, false, false, F(temperature)},
    [SY_SETTING_TOP_P] = {"top_p", ST_FLOAT, 0, 1, true, false, F(top_p)},
    [SY_SETTING_TOP_K] = {"top_k", ST_INT, 0, 1e9, false, false, F(top_k)},
    [SY_SETTING_MAX_NEW_TOKENS] = {"max_new_tokens", ST_INT, 1, 1 << 24, false, false,
                                   F(max_new_tokens)},
    [SY_SETTING_DO_SAMPLE] = {"do_sample", ST_BOOL, 0, 0, false, false, F(do_sample)},
    [SY_SETTING_REPETITION_PENALTY] = {"repetition_penalty", ST_FLOAT, 0, 100, true, false,
                                       F(repetition_penalty)},
    [SY_SETTING_PRESENCE_PENALTY] = {"presence_penalty", ST_FLOAT, -2, 2, false, false,
                                     F(presence_penalty)},
    [SY_SETTING_FREQUENCY_PENALTY] = {"frequency_penalty", ST_FLOAT, -2, 2, false, false,
                                      F(frequency_penalty)},
    [SY_SETTING_RETURN_FULL_TEXT] = {"return_full_text", ST_BOOL, 0, 0, false, false,
                                     F(return_full_text)},
    [SY_SETTING_STOP] = {"stop_sequences", ST_STRINGS, 0, 0, false, false, F(stop)},
    [SY_SETTING_SEED] = {"seed", ST_INT, 0, 4294967295.0, false, false, F(seed)},
    [SY_SETTING_GUIDANCE_SCALE] = {"guidance_scale", ST_FLOAT, 0, NO_MAX, false, false,
                                   F(guidance_scale)},
    [SY_SETTING_NUM_INFERENCE_STEPS] = {"num_inference_steps", ST_INT, 1, 10000, false, false,
                                        F(num_inference_steps)},
    [SY_SETTING_WIDTH] = {"width", ST_INT, 1, 16384, false, false, F(width)},
    [SY_SETTING_HEIGHT] = {"height", ST_INT, 1, 16384, false, false, F(height)},
    [SY_SETTING_SCHEDULER] = {"scheduler", ST_STRING, 0, 0, false, false, F(scheduler)},
    [SY_SETTING_NEGATIVE_PROMPT] = {"negative_prompt", ST_STRING, 0, 0, false, false,
                                    F(negative_prompt)},
    [SY_SETTING_USE_CACHE] = {"use_cache", ST_BOOL, 0, 0, false, false, F(use_cache)},
    [SY_SETTING_WAIT_FOR_MODEL] = {"wait_for_model", ST_BOOL, 0, 0, false, false,
                                   F(wait_for_model)},
};

#define SETTING_STRING_MAX 65536 /* bytes of scheduler / negative_prompt */

void settings_init(struct sy_settings *s)
{
    memset(s, 0, sizeof *s);
    s->temperature = 1.0;
    s->top_p = 1.0;
    s->do_sample = true;
    s->repetition_penalty = 1.0;
    s->use_cache = true;
}

void settings_cleanup(struct sy_settings *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_stop; i++)
        free(s->stop[i]);
    free(s->scheduler);
    free(s->negative_prompt);
    settings_init(s);
}

const char *settings_name(enum sy_setting setting)
{
    return setting < SY_SETTING_COUNT ? specs[setting].name : "unknown";
}

const char *settings_param(const struct sy_settings *s, enum sy_setting setting)
{
    if (setting < SY_SETTING_COUNT && s->given_as[setting])
        return s->given_as[setting];
    return settings_name(setting);
}

bool settings_greedy(const struct sy_settings *s)
{
    return !s->do_sample || s->temperature == 0.0;
}

const json_t *settings_lookup(const json_t *obj, const char *path)
{
    char part[128];
    const json_t *cur = obj;
    while (cur && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof part || !json_is_object(cur))
            return NULL;
        memcpy(part, path, n);
        part[n] = '\0';
        cur = json_object_get(cur, part);
        path += n + (dot ? 1 : 0);
    }
    return cur;
}

/* Formats the bounds of spec as "[0, 2]", "(0, 1]", ">= 1". */
static void describe_range(const struct setting_spec *spec, char *out, size_t size)
{
    if (isinf(spec->max))
        snprintf(out, size, "%s %g", spec->min_open ? ">" : ">=", spec->min);
    else
        snprintf(out, size, "%c%g, %g%c", spec->min_open ? '(' : '[', spec->min, spec->max,
                 spec->max_open ? ')' : ']');
}

static bool in_range(const struct setting_spec *spec, double v)
{
    if (isnan(v))
        return false;
    if (spec->min_open ? v <= spec->min : v < spec->min)
        return false;
    if (spec->max_open ? v >= spec->max : v > spec->max)
        return false;
    return true;
}

static sy_code read_number(const struct setting_spec *spec, const char *key, const json_t *v,
                           void *field, struct sy_err *err)
{
    char range[64];
    describe_range(spec, range, sizeof range);
    if (spec->type == ST_INT) {
        /* 2.0 is accepted as 2 (JavaScript clients send whole floats); 2.5 is not. */
        double d = json_number_value(v);
        if (!json_is_number(v) || (json_is_real(v) && d != floor(d)))
            return sy_errp(err, SY_EINVAL, key, "'%s' must be an integer in %s", key, range);
        if (!in_range(spec, d))
            return sy_errp(err, SY_EINVAL, key, "'%s' must be in %s, got %.17g", key, range, d);
        *(int64_t *)field = json_is_integer(v) ? (int64_t)json_integer_value(v) : (int64_t)d;
        return SY_OK;
    }
    if (!json_is_number(v))
        return sy_errp(err, SY_EINVAL, key, "'%s' must be a number in %s", key, range);
    double d = json_number_value(v);
    if (!in_range(spec, d))
        return sy_errp(err, SY_EINVAL, key, "'%s' must be in %s, got %g", key, range, d);
    *(double *)field = d;
    return SY_OK;
}

static sy_code read_string(const char *key, const json_t *v, char **field, size_t max,
                           struct sy_err *err)
{
    if (!json_is_string(v))
        return sy_errp(err, SY_EINVAL, key, "'%s' must be a string", key);
    size_t n = json_string_length(v);
    if (n > max)
        return sy_errp(err, SY_EINVAL, key, "'%s' is %zu bytes; the limit is %zu", key, n, max);
    char *copy = strndup(json_string_value(v), n);
    if (!copy)
        return sy_errf(err, SY_ENOMEM, "out of memory reading '%s'", key);
    free(*field);
    *field = copy;
    return SY_OK;
}

/* Stop sequences: one string or an array of strings (OpenAI accepts both). */
static sy_code read_stop(const char *key, const json_t *v, struct sy_settings *s,
                         struct sy_err *err)
{
    const json_t *items[SY_STOP_MAX];
    size_t n = 0;
    if (json_is_string(v)) {
        items[n++] = v;
    } else if (json_is_array(v)) {
        if (json_array_size(v) > SY_STOP_MAX)
            return sy_errp(err, SY_EINVAL, key, "'%s' has %zu entries; at most %d are allowed", key,
                           json_array_size(v), SY_STOP_MAX);
        for (size_t i = 0; i < json_array_size(v); i++)
            items[n++] = json_array_get(v, i);
    } else {
        return sy_errp(err, SY_EINVAL, key, "'%s' must be a string or an array of strings", key);
    }
    for (size_t i = 0; i < n; i++) {
        if (!json_is_string(items[i]) || json_string_length(items[i]) == 0)
            return sy_errp(err, SY_EINVAL, key, "'%s' entries must be non-empty strings", key);
        if (json_string_length(items[i]) > SY_STOP_LEN_MAX)
            return sy_errp(err, SY_EINVAL, key, "'%s' entries must be at most %d bytes", key,
                           SY_STOP_LEN_MAX);
    }
    for (size_t i = 0; i < n; i++) {
        char *copy = strndup(json_string_value(items[i]), json_string_length(items[i]));
        if (!copy)
            return sy_errf(err, SY_ENOMEM, "out of memory reading '%s'", key);
        s->stop[s->n_stop++] = copy;
    }
    return SY_OK;
}

static sy_code read_one(enum sy_setting id, const char *key, const json_t *v,
                        struct sy_settings *s, struct sy_err *err)
{
    const struct setting_spec *spec = &specs[id];
    void *field = (char *)s + spec->offset;
    switch (spec->type) {
    case ST_FLOAT:
    case ST_INT:
        return read_number(spec, key, v, field, err);
    case ST_BOOL:
        if (!json_is_boolean(v))
            return sy_errp(err, SY_EINVAL, key, "'%s' must be true or false", key);
        *(bool *)field = json_is_true(v);
        return SY_OK;
    case ST_STRING:
        return read_string(key, v, (char **)field, SETTING_STRING_MAX, err);
    case ST_STRINGS:
        return read_stop(key, v, s, err);
    }
    return sy_errf(err, SY_EINTERNAL, "setting '%s' has no type", spec->name);
}

sy_code settings_read(const json_t *obj, const struct setting_alias *aliases, size_t n_aliases,
                      struct sy_settings *s, struct sy_err *err)
{
    for (size_t i = 0; i < n_aliases; i++) {
        const struct setting_alias *a = &aliases[i];
        const json_t *v = settings_lookup(obj, a->key);
        if (!v || json_is_null(v))
            continue;
        uint32_t bit = SY_SETTING_BIT(a->setting);
        if (s->given & bit)
            return sy_errp(err, SY_EINVAL, a->key, "'%s' and '%s' set the same thing; send only one",
                           s->given_as[a->setting], a->key);
        sy_code rc = read_one(a->setting, a->key, v, s, err);
        if (rc != SY_OK)
            return rc;
        s->given |= bit;
        s->given_as[a->setting] = a->key;
    }
    return SY_OK;
}
