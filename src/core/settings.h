/* settings.h -- GenerationSettings: the one set of knobs every request carries.
 *
 * Each API surface has its own names for these (OpenAI `max_tokens`, Ollama
 * `options.num_predict`, HF `parameters.max_new_tokens`); a surface describes
 * its names in a table of aliases and settings_read() does the rest: type
 * checks, the seed-000 bounds, and errors whose `param` is the field exactly as
 * the client wrote it. Which fields the client gave is kept in `given`, so the
 * capability check can refuse a setting a model does not honour.
 * Thread-safety: a settings value belongs to one request; no shared state. */
#ifndef SY_SETTINGS_H
#define SY_SETTINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/limits.h"

enum sy_setting {
    SY_SETTING_TEMPERATURE,
    SY_SETTING_TOP_P,
    SY_SETTING_TOP_K,
    SY_SETTING_MAX_NEW_TOKENS,
    SY_SETTING_DO_SAMPLE,
    SY_SETTING_REPETITION_PENALTY,
    SY_SETTING_PRESENCE_PENALTY,
    SY_SETTING_FREQUENCY_PENALTY,
    SY_SETTING_RETURN_FULL_TEXT,
    SY_SETTING_STOP,
    SY_SETTING_SEED,
    SY_SETTING_GUIDANCE_SCALE,
    SY_SETTING_NUM_INFERENCE_STEPS,
    SY_SETTING_WIDTH,
    SY_SETTING_HEIGHT,
    SY_SETTING_SCHEDULER,
    SY_SETTING_NEGATIVE_PROMPT,
    SY_SETTING_USE_CACHE,
    SY_SETTING_WAIT_FOR_MODEL,
    SY_SETTING_COUNT
};

#define SY_SETTING_BIT(s) (UINT32_C(1) << (s))

struct sy_settings {
    uint32_t given; /* SY_SETTING_BIT of every field the client sent */
    /* The client's name for each given field (static strings from the alias
     * table), so later errors can name it as the client wrote it. */
    const char *given_as[SY_SETTING_COUNT];

    double temperature;        /* [0,2]; 0 means greedy */
    double top_p;              /* (0,1] */
    int64_t top_k;             /* >= 0; 0 disables */
    int64_t max_new_tokens;    /* >= 1; 0 here means "not limited" (until context is full) */
    bool do_sample;            /* false: greedy decoding */
    double repetition_penalty; /* > 0; 1 disables */
    double presence_penalty;   /* [-2,2]; 0 disables */
    double frequency_penalty;  /* [-2,2]; 0 disables */
    bool return_full_text;     /* prepend the prompt to the output */
    char *stop[SY_STOP_MAX];   /* owned strings, n_stop of them */
    size_t n_stop;
    int64_t seed;              /* [0, 2^32-1]; meaningful only if given */
    double guidance_scale;     /* >= 0 */
    int64_t num_inference_steps; /* >= 1 */
    int64_t width, height;     /* [1, 16384] pixels */
    char *scheduler;           /* owned or NULL */
    char *negative_prompt;     /* owned or NULL */
    bool use_cache;
    bool wait_for_model;
};

/* A surface's name for one setting. `key` is a dotted path from the request
 * object ("options.num_predict"); it is also the `param` in errors. */
struct setting_alias {
    const char *key;
    enum sy_setting setting;
};

/* Initialises caller storage with the defaults (OpenAI's: temperature 1,
 * top_p 1, do_sample true, repetition_penalty 1, use_cache true). */
void settings_init(struct sy_settings *s);

/* Frees owned strings and returns s to the defaults. NULL is a no-op. */
void settings_cleanup(struct sy_settings *s);

/* Reads every alias present in obj into s. A JSON null counts as absent.
 * Returns: SY_OK; SY_EINVAL with err->param = the alias key for a wrong type,
 *          an out-of-range or over-long value, too many stop strings, or two
 *          aliases of one setting given together; SY_ENOMEM. */
sy_code settings_read(const json_t *obj, const struct setting_alias *aliases, size_t n_aliases,
                      struct sy_settings *s, struct sy_err *err);

/* Returns: the canonical (GenerationSettings) name of a setting. */
const char *settings_name(enum sy_setting setting);

/* Returns: the name the client used for a given setting, else the canonical one. */
const char *settings_param(const struct sy_settings *s, enum sy_setting setting);

/* Returns: whether the request asks for greedy decoding (do_sample false or
 * temperature 0). */
bool settings_greedy(const struct sy_settings *s);

/* Resolves a dotted path ("parameters.max_new_tokens") in obj.
 * Returns: the value (borrowed) or NULL if any step is absent. */
const json_t *settings_lookup(const json_t *obj, const char *path);

#endif
