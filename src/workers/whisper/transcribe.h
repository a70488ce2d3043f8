/* transcribe.h -- one `transcribe` request on a loaded whisper.cpp model
 * (docs/PROTOCOL.md, "The whisper worker"). */
#ifndef SY_WHISPER_TRANSCRIBE_H
#define SY_WHISPER_TRANSCRIBE_H

#include <jansson.h>
#include <stdbool.h>

#include "workers/speech/link.h"

struct whisper_context;

#define WHISPER_RATE 16000

/* Reads the request's audio frames from l, transcribes them with n_threads
 * and answers `started`, `segment`s as whisper.cpp finds them, then `done`
 * (or `error`). A `cancel` or `shutdown` that arrives meanwhile stops the
 * engine within one step of its graph.
 * Returns false if the supervisor is gone or broke the protocol. */
bool whisper_transcribe(struct whisper_context *ctx, int n_threads, struct link *l,
                        const json_t *req);

/* Whether the running request is being stopped on purpose (a cancel, or
 * the supervisor gone): whisper.cpp then reports the abort as a failure. */
bool whisper_transcribe_stopping(void);

#endif
