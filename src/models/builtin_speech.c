/* builtin_speech.c -- the built-in speech models and what their engines offer. */
#include "models/builtin_speech.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/task.h"
#include "engines/frame.h"
#include "engines/worker_proc.h"
#include "util/log.h"

#define DESCRIBE_TIMEOUT_MS 10000
#define DESCRIBE_RETRY_S 60 /* a failed description is asked again after this */

/* Resident memory of a loaded worker, measured (VmRSS) with some headroom. */
#define ESPEAK_BYTES (48ull * 1024 * 1024)
#define POCKETSPHINX_BYTES (96ull * 1024 * 1024)

/* espeak-ng's rate is words per minute, 80..450, 175 normal; the pace range
 * stays inside it. */
#define ESPEAK_SPEED_MIN 0.5
#define ESPEAK_SPEED_MAX 2.5

/* OpenAI's voices, each given an espeak-ng voice of its own. */
static const struct {
    const char *openai, *espeak;
} voice_map[] = {
    {"alloy", "en-us"},     {"ash", "en-us+m2"},  {"ballad", "en+m2"},    {"coral", "en-us+f2"},
    {"echo", "en-us+m1"},   {"fable", "en+m3"},   {"nova", "en-us+f3"},   {"onyx", "en-us+m7"},
    {"sage", "en-us+f4"},   {"shimmer", "en-us+f5"}, {"verse", "en-us+m4"},
};

struct builtin {
    const char *id;
    const char *aliases[3];
    enum engine_kind engine;
    char data[PATH_MAX];
    struct registry_entry entry; /* as last described */
    bool described;
    time_t failed_at;            /* when describing last failed, 0 if it did not */
};

struct builtin_speech {
    pthread_mutex_t lock;
    char worker[PATH_MAX];
    struct builtin models[BUILTIN_SPEECH_MODELS];
};

sy_code builtin_speech_create(const struct builtin_speech_config *cfg, struct builtin_speech **out,
                              struct sy_err *err)
{
    struct builtin_speech *bs = calloc(1, sizeof *bs);
    if (!bs)
        return sy_errf(err, SY_ENOMEM, "out of memory setting up the built-in speech models");
    pthread_mutex_init(&bs->lock, NULL);
    snprintf(bs->worker, sizeof bs->worker, "%s", cfg->worker ? cfg->worker : "");
    bs->models[0] = (struct builtin){.id = "espeak-ng", .aliases = {"tts-1", "tts-1-hd"},
                                     .engine = ENGINE_ESPEAK};
    snprintf(bs->models[0].data, sizeof bs->models[0].data, "%s", cfg->espeak_data);
    bs->models[1] = (struct builtin){.id = "pocketsphinx-en-us", .aliases = {"whisper-1"},
                                     .engine = ENGINE_POCKETSPHINX};
    snprintf(bs->models[1].data, sizeof bs->models[1].data, "%s", cfg->pocketsphinx_model);
    *out = bs;
    return SY_OK;
}

void builtin_speech_destroy(struct builtin_speech *bs)
{
    if (!bs)
        return;
    pthread_mutex_destroy(&bs->lock);
    free(bs);
}

const char *builtin_speech_espeak_voice(const char *voice)
{
    if (!voice || !voice[0])
        return "en-us";
    for (size_t i = 0; i < sizeof voice_map / sizeof voice_map[0]; i++)
        if (strcasecmp(voice, voice_map[i].openai) == 0)
            return voice_map[i].espeak;
    return voice;
}

/* ---- asking the worker ------------------------------------------------------------------ */

/* Runs `switchyard-speech --describe` for b. Returns its description frame. */
static sy_code ask_worker(const char *worker, const struct builtin *b, json_t **out,
                          struct sy_err *err)
{
    char *argv[] = {(char *)worker,   "--fd",         "3", "--engine",
                    (char *)engine_kind_name(b->engine), "--model", (char *)b->data,
                    "--log-level", "warn", "--describe", NULL};
    struct worker_proc proc;
    sy_code rc = worker_proc_spawn(argv, &proc, err);
    if (rc != SY_OK)
        return rc;
    json_t *msg = NULL;
    struct pollfd pfd = {.fd = proc.fd, .events = POLLIN};
    if (poll(&pfd, 1, DESCRIBE_TIMEOUT_MS) <= 0)
        rc = sy_errf(err, SY_ETIMEOUT, "the speech worker did not describe %s within %d s",
                     engine_kind_name(b->engine), DESCRIBE_TIMEOUT_MS / 1000);
    else
        rc = frame_read_json(proc.fd, &msg, err);
    if (rc == SY_EEOF)
        rc = sy_errf(err, SY_EENGINE, "the speech worker ended without describing %s",
                     engine_kind_name(b->engine));
    if (rc == SY_OK && strcmp(frame_type(msg), "fatal") == 0) {
        const char *text = json_string_value(json_object_get(msg, "message"));
        rc = sy_errf(err, SY_EENGINE, "%s", text ? text : "the speech worker failed");
    } else if (rc == SY_OK && strcmp(frame_type(msg), "description") != 0) {
        rc = sy_errf(err, SY_EENGINE, "the speech worker sent '%s' instead of a description",
                     frame_type(msg));
    }
    worker_proc_close_socket(&proc);
    worker_proc_reap(&proc, 2000, NULL, 0);
    if (rc != SY_OK) {
        json_decref(msg);
        return rc;
    }
    *out = msg;
    return SY_OK;
}

/* Appends item to a comma-separated list. Returns false if it does not fit. */
static bool list_add(char *list, size_t size, const char *item)
{
    size_t len = strlen(list);
    int n = snprintf(list + len, size - len, "%s%s", len ? "," : "", item);
    if (n < 0 || (size_t)n >= size - len) {
        list[len] = '\0';
        return false;
    }
    return true;
}

static void describe_espeak(const json_t *d, struct registry_entry *e)
{
    struct sy_capabilities *caps = &e->info.caps;
    for (size_t i = 0; i < sizeof voice_map / sizeof voice_map[0]; i++)
        list_add(caps->voices, sizeof caps->voices, voice_map[i].openai);
    size_t i, n_voices = 0;
    json_t *v;
    json_array_foreach(json_object_get(d, "voices"), i, v) {
        const char *name = json_string_value(json_object_get(v, "name"));
        if (!name || !name[0])
            continue;
        if (!list_add(caps->voices, sizeof caps->voices, name)) {
            log_warn("espeak-ng offers more voices than Switchyard lists; '%s' and later ones "
                     "are left out",
                     name);
            break;
        }
        n_voices++;
    }
    caps->tasks = SY_TASK_BIT(SY_TASK_TEXT_TO_SPEECH);
    caps->speed_min = ESPEAK_SPEED_MIN;
    caps->speed_max = ESPEAK_SPEED_MAX;
    const char *version = json_string_value(json_object_get(d, "version"));
    snprintf(e->info.description, sizeof e->info.description,
             "Built-in text-to-speech: espeak-ng %s from Debian, %zu voices, no download needed. "
             "Clear but robotic. OpenAI's voice names (alloy, echo, ...) map to English voices; "
             "'tts-1' and 'tts-1-hd' are aliases of this model.",
             version ? version : "", n_voices);
    snprintf(e->info.architecture, sizeof e->info.architecture, "formant synthesis");
}

static void describe_pocketsphinx(const json_t *d, struct registry_entry *e)
{
    struct sy_capabilities *caps = &e->info.caps;
    size_t i;
    json_t *lang;
    json_array_foreach(json_object_get(d, "languages"), i, lang)
        if (json_is_string(lang))
            list_add(caps->languages, sizeof caps->languages, json_string_value(lang));
    caps->tasks = SY_TASK_BIT(SY_TASK_AUTOMATIC_SPEECH_RECOGNITION);
    caps->phrases = true;
    snprintf(e->info.description, sizeof e->info.description,
             "Built-in English speech-to-text: pocketsphinx with the en-us model from Debian, "
             "no download needed. Its accuracy on open speech is modest; list the phrases you "
             "expect in 'phrases' and it recognises those accurately. 'whisper-1' is an alias "
             "of this model while no whisper model is here; then it names the largest one.");
    snprintf(e->info.architecture, sizeof e->info.architecture, "hmm + n-gram");
}

/* Fills b->entry from the worker's description, once. Caller holds bs->lock. */
static void describe(struct builtin_speech *bs, struct builtin *b)
{
    time_t now = time(NULL);
    if (b->described || (b->failed_at && now - b->failed_at < DESCRIBE_RETRY_S))
        return;
    struct registry_entry *e = &b->entry;
    memset(e, 0, sizeof *e);
    e->engine = b->engine;
    snprintf(e->path, sizeof e->path, "%s", b->data);
    struct sy_model_info *info = &e->info;
    snprintf(info->id, sizeof info->id, "%s", b->id);
    snprintf(info->name, sizeof info->name, "%s", b->id);
    snprintf(info->owned_by, sizeof info->owned_by, "switchyard");
    snprintf(info->backend, sizeof info->backend, "%s", engine_kind_name(b->engine));
    snprintf(info->status, sizeof info->status, "unloaded");
    info->caps.settings = SY_SPEECH_SETTINGS;
    uint64_t bytes = b->engine == ENGINE_ESPEAK ? ESPEAK_BYTES : POCKETSPHINX_BYTES;
    e->shape.weights_bytes = bytes;

    json_t *d = NULL;
    struct sy_err err;
    if (ask_worker(bs->worker, b, &d, &err) != SY_OK) {
        b->failed_at = now;
        info->caps.tasks = SY_TASK_BIT(b->engine == ENGINE_ESPEAK
                                           ? SY_TASK_TEXT_TO_SPEECH
                                           : SY_TASK_AUTOMATIC_SPEECH_RECOGNITION);
        snprintf(info->status, sizeof info->status, "unusable");
        int n = snprintf(info->problem, sizeof info->problem, "%s (data: %s)", err.msg, b->data);
        if (n < 0 || (size_t)n >= sizeof info->problem) /* the reason matters more than the path */
            snprintf(info->problem, sizeof info->problem, "%s", err.msg);
        log_warn("built-in model %s is unusable: %s", b->id, info->problem);
        return;
    }
    info->caps.sample_rate = (unsigned)json_integer_value(json_object_get(d, "sample_rate"));
    if (b->engine == ENGINE_ESPEAK)
        describe_espeak(d, e);
    else
        describe_pocketsphinx(d, e);
    json_decref(d);
    b->described = true;
    b->failed_at = 0;
}

static struct builtin *find(struct builtin_speech *bs, const char *name)
{
    for (size_t i = 0; i < BUILTIN_SPEECH_MODELS; i++) {
        struct builtin *b = &bs->models[i];
        if (strcmp(name, b->id) == 0)
            return b;
        for (size_t k = 0; k < sizeof b->aliases / sizeof b->aliases[0] && b->aliases[k]; k++)
            if (strcmp(name, b->aliases[k]) == 0)
                return b;
    }
    return NULL;
}

sy_code builtin_speech_lookup(struct builtin_speech *bs, const char *name, const char *variant,
                              struct registry_entry *out, struct sy_err *err)
{
    struct builtin *b = find(bs, name);
    if (!b)
        return SY_ENOTFOUND;
    if (variant && variant[0])
        return sy_errp(err, SY_EINVAL, "model",
                       "the built-in model '%s' has no variants; drop '@%s'", b->id, variant);
    pthread_mutex_lock(&bs->lock);
    describe(bs, b);
    *out = b->entry;
    pthread_mutex_unlock(&bs->lock);
    return SY_OK;
}

size_t builtin_speech_list(struct builtin_speech *bs, struct registry_entry *out)
{
    pthread_mutex_lock(&bs->lock);
    for (size_t i = 0; i < BUILTIN_SPEECH_MODELS; i++) {
        describe(bs, &bs->models[i]);
        out[i] = bs->models[i].entry;
    }
    pthread_mutex_unlock(&bs->lock);
    return BUILTIN_SPEECH_MODELS;
}
