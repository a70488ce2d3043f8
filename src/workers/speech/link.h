/* link.h -- the speech worker's socket: sending its frames, and noticing
 * what the supervisor says while a request runs (docs/PROTOCOL.md, "Speech
 * workers").
 *
 * Engines call link_poll() between chunks of audio: a `cancel` for the
 * running request or a `shutdown` sets a flag; anything else waits in a
 * queue for the main loop. */
#ifndef SY_SPEECH_LINK_H
#define SY_SPEECH_LINK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

struct link {
    int fd;
    uint64_t current;    /* the request running now, 0 if none */
    bool cancelled;      /* it was asked to stop */
    bool shutdown;       /* the supervisor asked the worker to exit */
    bool broken;         /* the socket failed or the peer broke the protocol */
    int threads;         /* the last `threads` frame's n (engines that use more than one) */
    json_t *queue;       /* frames for later, in order */
};

/* Reads frames that are already waiting, without blocking. */
void link_poll(struct link *l);

/* The next frame: queued first, else read (blocking). NULL at EOF or error. */
json_t *link_next(struct link *l);

/* Sends a frame (takes ownership). Returns false if the supervisor is gone. */
bool link_send(struct link *l, json_t *frame);

bool link_error(struct link *l, uint64_t id, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Reads the audio of a `transcribe` request: checks its `samples` (1..max)
 * and reads that many from the `audio` frames that follow into *pcm (made
 * here, limited to max samples; buf_cleanup() it whatever the result).
 * Returns 1 when the audio is here (*n samples); 0 when the request was
 * answered with an error instead (go on with the next); -1 if the link broke. */
int link_transcribe_audio(struct link *l, const json_t *req, size_t max, struct sy_buf *pcm,
                          size_t *n);

/* Sends `fatal` with why (also logged) and frees the queue. Returns 1, the
 * worker's exit status. */
int link_fatal(struct link *l, const char *why);

/* One `audio` frame of n samples (n <= 65,536). */
bool link_audio(struct link *l, uint64_t id, const int16_t *pcm, size_t n);

#endif
