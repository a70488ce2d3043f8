/* event.h -- what a provider tells the API layer while it works, and the sink
 * it tells it through.
 *
 * Providers never know a wire format: they emit events into a sink, and the
 * surface that owns the sink encodes them (OpenAI chunks, SSE, NDJSON, JSON).
 * Order for one request: START, then TOKEN* (text), AUDIO* (speech being
 * synthesised), SEGMENT* (speech recognised), EMBEDDING* (one per input,
 * in input order), IMAGE* (one per picture made) or PROGRESS* (a long job's
 * state) then one MEDIA (the video or music made), then exactly one DONE or
 * ERROR; an ERROR may also come first, with no START. Events for one request are never
 * emitted concurrently, but may come from any thread. */
#ifndef SY_EVENT_H
#define SY_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum sy_event_type {
    SY_EVENT_START,
    SY_EVENT_TOKEN,
    SY_EVENT_DONE,
    SY_EVENT_ERROR,
    SY_EVENT_AUDIO,
    SY_EVENT_SEGMENT,
    SY_EVENT_EMBEDDING,
    SY_EVENT_IMAGE,
    SY_EVENT_PROGRESS,
    SY_EVENT_MEDIA,
};

enum sy_finish { SY_FINISH_STOP, SY_FINISH_LENGTH, SY_FINISH_CANCELLED };

struct sy_usage {
    long prompt_tokens;
    long cached_tokens;     /* of prompt_tokens, reused from the cache (not decoded again) */
    long completion_tokens;
    double prompt_ms; /* time the engine spent on the prompt */
    double decode_ms; /* time the engine spent generating */
    double audio_seconds; /* speech: audio produced (synthesis) or heard (recognition) */
};

struct sy_event {
    enum sy_event_type type;
    const char *text;         /* TOKEN, SEGMENT, PROGRESS: valid UTF-8, borrowed for the call */
    size_t len;
    const int16_t *pcm;       /* AUDIO: mono samples, borrowed for the call */
    size_t n_samples;
    unsigned sample_rate;     /* AUDIO */
    double start_s, end_s;    /* SEGMENT: seconds from the start of the audio */
    const float *vector;      /* EMBEDDING: dim floats, borrowed for the call */
    size_t dim;
    size_t index;             /* EMBEDDING: which input it belongs to */
    const void *image;        /* IMAGE: the encoded file, borrowed for the call */
    size_t image_size;
    const char *image_type;   /* IMAGE: its media type ("image/png"), static storage */
    const void *media;        /* MEDIA: the encoded file, borrowed for the call */
    size_t media_size;
    const char *media_type;   /* MEDIA: its media type ("video/mp4"), static storage */
    double progress;          /* PROGRESS: percent done, 0..100; text: the job's state
                               * ("queued", "in_progress") */
    enum sy_finish finish;    /* DONE */
    const char *language;     /* DONE of speech recognition: the language heard, or NULL;
                               * borrowed for the call */
    struct sy_usage usage;    /* START: prompt_tokens; DONE: all */
    const struct sy_err *err; /* ERROR: borrowed for the call */
};

struct sy_sink {
    /* required: receives each event; must not block for long (it runs on the
     * engine's reader thread). */
    void (*emit)(void *ctx, const struct sy_event *ev);
    /* required: called exactly once, after the last event, or instead of any
     * event when submission fails; ctx is not used afterwards. */
    void (*release)(void *ctx);
    void *ctx;
};

/* Returns: "stop", "length" or "cancelled". */
const char *finish_name(enum sy_finish finish);

#endif
