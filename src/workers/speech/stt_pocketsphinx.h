/* stt_pocketsphinx.h -- English speech to text with pocketsphinx and
 * Debian's pocketsphinx-en-us model. */
#ifndef SY_STT_POCKETSPHINX_H
#define SY_STT_POCKETSPHINX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "workers/speech/link.h"

#define STT_RATE 16000

/* Checks the model directory (en-us/, en-us.lm.bin, cmudict-en-us.dict) and,
 * unless describe_only, loads it. Returns false with why in `why`. */
bool stt_init(const char *model_dir, bool describe_only, bool verbose, char *why,
              size_t why_size);

/* Frees the decoder (a no-op if it was never loaded). */
void stt_close(void);

/* The `description` frame. */
json_t *stt_describe(void);

/* Runs one `transcribe` request: reads its audio frames from l, decodes and
 * answers. Returns false if the supervisor is gone or broke the protocol. */
bool stt_run(struct link *l, const json_t *req);

#endif
