/* provider_config.c -- reading and checking the `providers` configuration. */
#include "app/provider_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const entry_keys[] = {"name", "kind", "base_url", "api_key_env", "timeout",
                                         "connect_timeout", "aliases", "images", "audio", "videos",
                                         "poll_interval_ms", "job_timeout", NULL};

static bool known(const char *key)
{
    for (size_t i = 0; entry_keys[i]; i++)
        if (strcmp(entry_keys[i], key) == 0)
            return true;
    return false;
}

static sy_code string_field(const json_t *entry, const char *key, bool required, char *out,
                            size_t size, const char *at, struct sy_err *err)
{
    const json_t *v = json_object_get(entry, key);
    if (!v) {
        if (required)
            return sy_errf(err, SY_EINVAL, "%s: '%s' is required", at, key);
        out[0] = '\0';
        return SY_OK;
    }
    if (!json_is_string(v) || json_string_length(v) == 0)
        return sy_errf(err, SY_EINVAL, "%s: '%s' must be a non-empty string", at, key);
    if (json_string_length(v) >= size)
        return sy_errf(err, SY_EINVAL, "%s: '%s' is longer than %zu bytes", at, key, size - 1);
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return SY_OK;
}

static sy_code seconds_field(const json_t *entry, const char *key, unsigned fallback,
                             unsigned *out, const char *at, struct sy_err *err)
{
    const json_t *v = json_object_get(entry, key);
    *out = fallback;
    if (!v)
        return SY_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 86400)
        return sy_errf(err, SY_EINVAL, "%s: '%s' must be whole seconds from 1 to 86400", at, key);
    *out = (unsigned)json_integer_value(v);
    return SY_OK;
}

static bool name_ok(const char *s)
{
    return s[0] && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(s);
}

/* http(s)://host..., no credentials in it, no query or fragment: the key
 * belongs in api_key_env, and paths are appended to it. */
static sy_code url_check(char *url, const char *at, struct sy_err *err)
{
    const char *rest = strncasecmp(url, "https://", 8) == 0  ? url + 8
                       : strncasecmp(url, "http://", 7) == 0 ? url + 7
                                                             : NULL;
    if (!rest)
        return sy_errf(err, SY_EINVAL, "%s: 'base_url' must start with http:// or https://", at);
    size_t host_len = strcspn(rest, "/");
    if (host_len == 0)
        return sy_errf(err, SY_EINVAL, "%s: 'base_url' has no host", at);
    if (memchr(rest, '@', host_len))
        return sy_errf(err, SY_EINVAL,
                       "%s: 'base_url' must not carry credentials; put the key in the variable "
                       "named by 'api_key_env'", at);
    if (strpbrk(url, "?# \t\r\n"))
        return sy_errf(err, SY_EINVAL, "%s: 'base_url' must not have a query, fragment or spaces",
                       at);
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        url[--n] = '\0';
    return SY_OK;
}

static sy_code read_aliases(const json_t *v, struct sy_provider_config *p, const char *at,
                            struct sy_err *err)
{
    p->n_aliases = 0;
    if (!v)
        return SY_OK;
    if (!json_is_object(v))
        return sy_errf(err, SY_EINVAL, "%s: 'aliases' must be an object of alias: model", at);
    const char *alias;
    const json_t *model;
    json_object_foreach((json_t *)v, alias, model) {
        if (p->n_aliases == SY_PROVIDER_ALIASES_MAX)
            return sy_errf(err, SY_EINVAL, "%s: more than %d aliases", at,
                           SY_PROVIDER_ALIASES_MAX);
        struct sy_provider_alias *a = &p->aliases[p->n_aliases];
        if (!alias[0] || strlen(alias) >= sizeof a->alias || !json_is_string(model) ||
            json_string_length(model) == 0 || json_string_length(model) >= sizeof a->model)
            return sy_errf(err, SY_EINVAL,
                           "%s: aliases.%s must map a name to a model id of 1 to %d bytes", at,
                           alias, SY_MODEL_ID_MAX);
        snprintf(a->alias, sizeof a->alias, "%s", alias);
        snprintf(a->model, sizeof a->model, "%s", json_string_value(model));
        p->n_aliases++;
    }
    return SY_OK;
}

int provider_parse_size(const char *s, unsigned *width, unsigned *height)
{
    char *end;
    errno = 0;
    unsigned long w = strtoul(s, &end, 10);
    if (end == s || (*end != 'x' && *end != ':') || errno)
        return -1;
    const char *h_at = end + 1;
    unsigned long h = strtoul(h_at, &end, 10);
    if (end == h_at || *end || errno || w < 1 || w > 16384 || h < 1 || h > 16384 ||
        !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)h_at[0]))
        return -1;
    *width = (unsigned)w;
    *height = (unsigned)h;
    return 0;
}

/* A model's "sizes" (at most SY_PROVIDER_IMAGE_SIZES_MAX, checked by the
 * caller) into width[] and height[]; `map` and `model` name it in errors. */
static sy_code read_sizes(const json_t *sizes, unsigned *width, unsigned *height, size_t *n,
                          const char *at, const char *map, const char *model, struct sy_err *err)
{
    size_t i;
    const json_t *size;
    *n = 0;
    json_array_foreach(sizes, i, size) {
        if (!json_is_string(size) ||
            provider_parse_size(json_string_value(size), &width[i], &height[i]) != 0)
            return sy_errf(err, SY_EINVAL, "%s: %s.%s.sizes[%zu] must be \"WxH\" with sides of "
                           "1 to 16384", at, map, model, i);
        (*n)++;
    }
    return SY_OK;
}

static sy_code read_images(const json_t *v, struct sy_provider_config *p, const char *at,
                           struct sy_err *err)
{
    p->n_images = 0;
    if (!v)
        return SY_OK;
    if (!json_is_object(v))
        return sy_errf(err, SY_EINVAL, "%s: 'images' must be an object of model: {\"sizes\": "
                       "[\"WxH\", ...]}", at);
    if (strcmp(p->kind, "ollama") == 0)
        return sy_errf(err, SY_EINVAL, "%s: 'images' needs kind \"openai\" or \"hf\" (an "
                       "Ollama server makes no images)", at);
    const char *model;
    const json_t *opts;
    json_object_foreach((json_t *)v, model, opts) {
        if (p->n_images == SY_PROVIDER_IMAGE_MODELS_MAX)
            return sy_errf(err, SY_EINVAL, "%s: more than %d image models", at,
                           SY_PROVIDER_IMAGE_MODELS_MAX);
        struct sy_provider_image_model *m = &p->images[p->n_images];
        const json_t *sizes = json_object_get(opts, "sizes");
        const json_t *files = json_object_get(opts, "files");
        if (!model[0] || strlen(model) >= sizeof m->model || !json_is_object(opts) ||
            json_object_size(opts) > (sizes ? 1u : 0u) + (files ? 1u : 0u) ||
            (sizes && !json_is_array(sizes)) ||
            json_array_size(sizes) > SY_PROVIDER_IMAGE_SIZES_MAX ||
            (files && (!json_is_integer(files) || json_integer_value(files) < 0 ||
                       json_integer_value(files) > SY_REFERENCE_IMAGES_MAX)))
            return sy_errf(err, SY_EINVAL,
                           "%s: images.%s must be {} or {\"sizes\"?: [up to %d \"WxH\"], "
                           "\"files\"?: 0 to %d reference images}",
                           at, model, SY_PROVIDER_IMAGE_SIZES_MAX, SY_REFERENCE_IMAGES_MAX);
        if (files && json_integer_value(files) > 0 && strcmp(p->kind, "openai") != 0)
            return sy_errf(err, SY_EINVAL, "%s: images.%s.files needs kind \"openai\" (its "
                           "/images/edits)", at, model);
        memset(m, 0, sizeof *m);
        snprintf(m->model, sizeof m->model, "%s", model);
        m->files = (unsigned)json_integer_value(files);
        sy_code rc = read_sizes(sizes, m->width, m->height, &m->n_sizes, at, "images", model, err);
        if (rc != SY_OK)
            return rc;
        p->n_images++;
    }
    return SY_OK;
}

/* OpenAI's voices: what a text-to-speech model speaks unless told otherwise. */
#define OPENAI_VOICES "alloy,ash,ballad,coral,echo,fable,nova,onyx,sage,shimmer,verse"

static sy_code read_voices(const json_t *voices, struct sy_provider_audio_model *m,
                           const char *at, struct sy_err *err)
{
    if (!voices) {
        snprintf(m->voices, sizeof m->voices, "%s", OPENAI_VOICES);
        return SY_OK;
    }
    size_t i, used = 0;
    const json_t *v;
    json_array_foreach(voices, i, v) {
        const char *name = json_string_value(v);
        bool ok = name && name[0] && !strchr(name, ',') &&
                  json_string_length(v) + 2 < sizeof m->voices - used;
        if (!ok)
            return sy_errf(err, SY_EINVAL, "%s: audio.%s.voices[%zu] must be a voice name "
                           "(the list fits in %zu bytes)", at, m->model, i, sizeof m->voices);
        used += (size_t)snprintf(m->voices + used, sizeof m->voices - used, "%s%s",
                                 used ? "," : "", name);
    }
    if (!used)
        return sy_errf(err, SY_EINVAL, "%s: audio.%s.voices must name at least one voice", at,
                       m->model);
    return SY_OK;
}

static sy_code read_audio(const json_t *v, struct sy_provider_config *p, const char *at,
                          struct sy_err *err)
{
    p->n_audio = 0;
    if (!v)
        return SY_OK;
    if (strcmp(p->kind, "openai") != 0)
        return sy_errf(err, SY_EINVAL, "%s: 'audio' needs kind \"openai\" (the OpenAI audio "
                       "API)", at);
    if (!json_is_object(v))
        return sy_errf(err, SY_EINVAL, "%s: 'audio' must be an object of model: {\"task\": "
                       "...}", at);
    const char *model;
    const json_t *opts;
    json_object_foreach((json_t *)v, model, opts) {
        if (p->n_audio == SY_PROVIDER_AUDIO_MODELS_MAX)
            return sy_errf(err, SY_EINVAL, "%s: more than %d audio models", at,
                           SY_PROVIDER_AUDIO_MODELS_MAX);
        struct sy_provider_audio_model *m = &p->audio[p->n_audio];
        memset(m, 0, sizeof *m);
        const char *task = json_string_value(json_object_get(opts, "task"));
        const json_t *voices = json_object_get(opts, "voices");
        bool tts = task && strcmp(task, "text-to-speech") == 0;
        bool asr = task && strcmp(task, "automatic-speech-recognition") == 0;
        if (!model[0] || strlen(model) >= sizeof m->model || !json_is_object(opts) ||
            (!tts && !asr) || json_object_size(opts) > 1u + (voices != NULL) ||
            (voices && (!tts || !json_is_array(voices))))
            return sy_errf(err, SY_EINVAL,
                           "%s: audio.%s must be {\"task\": \"text-to-speech\", \"voices\"?: "
                           "[...]} or {\"task\": \"automatic-speech-recognition\"}", at, model);
        snprintf(m->model, sizeof m->model, "%s", model);
        m->task = tts ? SY_TASK_TEXT_TO_SPEECH : SY_TASK_AUTOMATIC_SPEECH_RECOGNITION;
        if (tts) {
            sy_code rc = read_voices(voices, m, at, err);
            if (rc != SY_OK)
                return rc;
        }
        p->n_audio++;
    }
    return SY_OK;
}

/* `videos`: an OpenAI-compatible upstream's video models (its /videos job
 * API), with the sizes and lengths in seconds each makes. */
static sy_code read_videos(const json_t *v, struct sy_provider_config *p, const char *at,
                           struct sy_err *err)
{
    p->n_videos = 0;
    if (!v)
        return SY_OK;
    if (strcmp(p->kind, "openai") != 0)
        return sy_errf(err, SY_EINVAL, "%s: 'videos' needs kind \"openai\" (OpenAI's /videos "
                       "job API)", at);
    if (!json_is_object(v))
        return sy_errf(err, SY_EINVAL, "%s: 'videos' must be an object of model: {\"sizes\"?: "
                       "[\"WxH\", ...], \"seconds\"?: [4, 8, ...]}", at);
    const char *model;
    const json_t *opts;
    json_object_foreach((json_t *)v, model, opts) {
        if (p->n_videos == SY_PROVIDER_VIDEO_MODELS_MAX)
            return sy_errf(err, SY_EINVAL, "%s: more than %d video models", at,
                           SY_PROVIDER_VIDEO_MODELS_MAX);
        struct sy_provider_video_model *m = &p->videos[p->n_videos];
        const json_t *sizes = json_object_get(opts, "sizes");
        const json_t *seconds = json_object_get(opts, "seconds");
        if (!model[0] || strlen(model) >= sizeof m->model || !json_is_object(opts) ||
            json_object_size(opts) > (sizes ? 1u : 0u) + (seconds ? 1u : 0u) ||
            (sizes && !json_is_array(sizes)) ||
            json_array_size(sizes) > SY_PROVIDER_IMAGE_SIZES_MAX ||
            (seconds && !json_is_array(seconds)) ||
            json_array_size(seconds) > SY_PROVIDER_VIDEO_LENGTHS_MAX)
            return sy_errf(err, SY_EINVAL,
                           "%s: videos.%s must be {} or {\"sizes\"?: [up to %d \"WxH\"], "
                           "\"seconds\"?: [up to %d lengths]}", at, model,
                           SY_PROVIDER_IMAGE_SIZES_MAX, SY_PROVIDER_VIDEO_LENGTHS_MAX);
        memset(m, 0, sizeof *m);
        snprintf(m->model, sizeof m->model, "%s", model);
        sy_code rc = read_sizes(sizes, m->width, m->height, &m->n_sizes, at, "videos", model, err);
        if (rc != SY_OK)
            return rc;
        size_t i;
        const json_t *s;
        json_array_foreach(seconds, i, s) {
            if (!json_is_integer(s) || json_integer_value(s) < 1 ||
                json_integer_value(s) > SY_MEDIA_SECONDS_MAX)
                return sy_errf(err, SY_EINVAL, "%s: videos.%s.seconds[%zu] must be whole "
                               "seconds from 1 to %d", at, model, i, SY_MEDIA_SECONDS_MAX);
            m->seconds[m->n_seconds++] = (unsigned)json_integer_value(s);
        }
        p->n_videos++;
    }
    return SY_OK;
}

/* `poll_interval_ms`: how often a job (a video) is asked how it is doing. */
static sy_code read_poll_interval(const json_t *v, struct sy_provider_config *p, const char *at,
                                  struct sy_err *err)
{
    p->poll_interval_ms = 2000;
    if (!v)
        return SY_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 50 || json_integer_value(v) > 600000)
        return sy_errf(err, SY_EINVAL, "%s: 'poll_interval_ms' must be milliseconds from 50 to "
                       "600000", at);
    p->poll_interval_ms = (unsigned)json_integer_value(v);
    return SY_OK;
}

static sy_code read_entry(const json_t *entry, struct sy_provider_config *p, const char *at,
                          struct sy_err *err)
{
    if (!json_is_object(entry))
        return sy_errf(err, SY_EINVAL, "%s must be an object", at);
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)entry, key, value) {
        if (!known(key))
            return sy_errf(err, SY_EINVAL,
                           "%s: unknown key '%s' (name, kind, base_url, api_key_env, timeout, "
                           "connect_timeout, aliases, images, audio, videos, poll_interval_ms, "
                           "job_timeout)", at, key);
    }
    memset(p, 0, sizeof *p);
    sy_code rc;
    if ((rc = string_field(entry, "name", true, p->name, sizeof p->name, at, err)) != SY_OK ||
        (rc = string_field(entry, "kind", true, p->kind, sizeof p->kind, at, err)) != SY_OK ||
        (rc = string_field(entry, "base_url", false, p->base_url, sizeof p->base_url, at, err)) !=
            SY_OK ||
        (rc = string_field(entry, "api_key_env", false, p->api_key_env, sizeof p->api_key_env,
                           at, err)) != SY_OK ||
        (rc = seconds_field(entry, "timeout", 600, &p->timeout_s, at, err)) != SY_OK ||
        (rc = seconds_field(entry, "connect_timeout", 10, &p->connect_timeout_s, at, err)) !=
            SY_OK ||
        (rc = seconds_field(entry, "job_timeout", 1800, &p->job_timeout_s, at, err)) != SY_OK ||
        (rc = read_poll_interval(json_object_get(entry, "poll_interval_ms"), p, at, err)) !=
            SY_OK)
        return rc;
    if (!name_ok(p->name))
        return sy_errf(err, SY_EINVAL,
                       "%s: 'name' is the model-id prefix and must be [a-z0-9_-]+, not '%s'", at,
                       p->name);
    if (strcmp(p->kind, "openai") != 0 && strcmp(p->kind, "ollama") != 0 &&
        strcmp(p->kind, "hf") != 0)
        return sy_errf(err, SY_EINVAL,
                       "%s: 'kind' must be \"openai\" (any OpenAI-compatible API), \"ollama\" "
                       "(an Ollama server's own API) or \"hf\" (Hugging Face Inference "
                       "Providers), not '%s'", at, p->kind);
    if (!p->base_url[0] && strcmp(p->kind, "hf") != 0)
        return sy_errf(err, SY_EINVAL, "%s: 'base_url' is required", at);
    if (!p->base_url[0])
        snprintf(p->base_url, sizeof p->base_url, "%s", SY_HF_ROUTER_URL);
    if ((rc = url_check(p->base_url, at, err)) != SY_OK)
        return rc;
    rc = read_aliases(json_object_get(entry, "aliases"), p, at, err);
    if (rc == SY_OK)
        rc = read_images(json_object_get(entry, "images"), p, at, err);
    if (rc == SY_OK)
        rc = read_audio(json_object_get(entry, "audio"), p, at, err);
    return rc == SY_OK ? read_videos(json_object_get(entry, "videos"), p, at, err) : rc;
}

sy_code provider_config_parse(const json_t *v, const char *where,
                              struct sy_provider_config *out, size_t *n, struct sy_err *err)
{
    if (!json_is_array(v))
        return sy_errf(err, SY_EINVAL, "%s: 'providers' must be an array of objects", where);
    if (json_array_size(v) > SY_PROVIDERS_MAX)
        return sy_errf(err, SY_EINVAL, "%s: more than %d providers", where, SY_PROVIDERS_MAX);
    size_t i;
    const json_t *entry;
    json_array_foreach(v, i, entry) {
        char at[96];
        snprintf(at, sizeof at, "%s: providers[%zu]", where, i);
        sy_code rc = read_entry(entry, &out[i], at, err);
        if (rc != SY_OK)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(out[j].name, out[i].name) == 0)
                return sy_errf(err, SY_EINVAL, "%s: the name '%s' is used twice", at,
                               out[i].name);
    }
    *n = json_array_size(v);
    return SY_OK;
}
