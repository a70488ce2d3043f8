/* tts_espeak.h -- text to speech with espeak-ng (Debian's libespeak-ng). */
#ifndef SY_TTS_ESPEAK_H
#define SY_TTS_ESPEAK_H

#include <jansson.h>

#include "workers/speech/link.h"

/* Starts espeak-ng on its data directory (the one holding phontab).
 * Returns: the sample rate (22050), or 0 with why in `why`. */
int tts_espeak_init(const char *data_dir, char *why, size_t why_size);

/* Stops espeak-ng (a no-op if it never started). */
void tts_espeak_close(void);

/* The `description` frame (voices, version, rate). */
json_t *tts_espeak_describe(void);

/* Runs one `synthesize` request, answering on l. Returns false if the
 * supervisor is gone. */
bool tts_espeak_run(struct link *l, const json_t *req);

#endif
