/* builtin_speech.h -- the speech models every Switchyard has: espeak-ng
 * (text to speech) and pocketsphinx with its US English model (speech to
 * text), both from Debian, so speech works offline from the first start.
 *
 * They are local models like GGUF files, named "espeak-ng" and
 * "pocketsphinx-en-us"; OpenAI's model names "tts-1", "tts-1-hd" and
 * "whisper-1" are aliases, so OpenAI clients work unchanged. What a built-in
 * offers (voices, languages, its version) is asked of the speech worker once
 * (`--describe`, docs/PROTOCOL.md) and kept; an engine whose data is missing
 * is listed as unusable with the reason.
 * Thread-safety: all functions may be called from any thread. */
#ifndef SY_BUILTIN_SPEECH_H
#define SY_BUILTIN_SPEECH_H

#include <stddef.h>

#include "models/registry.h"
#include "util/err.h"

#define BUILTIN_SPEECH_MODELS 2

struct builtin_speech_config {
    const char *worker;             /* the switchyard-speech executable */
    const char *espeak_data;        /* espeak-ng's data directory */
    const char *pocketsphinx_model; /* pocketsphinx's en-us model directory */
};

struct builtin_speech;

/* Returns: SY_OK and *out (builtin_speech_destroy()); SY_ENOMEM. Copies cfg. */
sy_code builtin_speech_create(const struct builtin_speech_config *cfg, struct builtin_speech **out,
                              struct sy_err *err);
void builtin_speech_destroy(struct builtin_speech *bs); /* NULL is a no-op */

/* Fills *out for a built-in's name or alias; variant must be "".
 * Returns: SY_OK; SY_ENOTFOUND if name is not a built-in (err untouched);
 *          SY_EINVAL for a variant. */
sy_code builtin_speech_lookup(struct builtin_speech *bs, const char *name, const char *variant,
                              struct registry_entry *out, struct sy_err *err);

/* Fills out[0..BUILTIN_SPEECH_MODELS) with every built-in. Returns how many. */
size_t builtin_speech_list(struct builtin_speech *bs, struct registry_entry *out);

/* The espeak-ng voice an OpenAI voice name ("alloy", ...) maps to, or voice
 * itself; "" gives the default voice. */
const char *builtin_speech_espeak_voice(const char *voice);

#endif
