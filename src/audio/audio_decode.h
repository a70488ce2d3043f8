/* audio_decode.h -- reading an uploaded audio file, whatever its format.
 *
 * libsndfile reads the file from memory (WAV, FLAC, Ogg/Vorbis, Opus, MP3
 * and the rest it knows); channels are averaged to mono and libsamplerate
 * converts to the rate the engine takes. Nothing is hand-decoded.
 * Thread-safety: reentrant. */
#ifndef SY_AUDIO_DECODE_H
#define SY_AUDIO_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct audio_pcm {
    int16_t *samples;       /* mono, owned (audio_pcm_cleanup) */
    size_t n;
    unsigned sample_rate;   /* the target rate asked for */
    double source_seconds;  /* the input's duration */
    unsigned source_rate, source_channels;
    char source_format[24]; /* "wav", "flac", "ogg", "mp3", ... */
};

/* Decodes a whole file held in memory to mono int16 at target_rate.
 * Returns: SY_OK; SY_EINVAL for empty input or a file with no samples;
 *   SY_EMEDIA when libsndfile cannot read it as audio (its reason, and the
 *   formats accepted); SY_ETOOLARGE when it is longer than max_seconds;
 *   SY_ENOMEM. */
sy_code audio_decode(const void *data, size_t len, unsigned target_rate, double max_seconds,
                     struct audio_pcm *out, struct sy_err *err);

/* Frees the samples. NULL-safe, idempotent. */
void audio_pcm_cleanup(struct audio_pcm *pcm);

#endif
