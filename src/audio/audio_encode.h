/* audio_encode.h -- writing speech as the audio file a client asked for.
 *
 * OpenAI's response_format names: mp3, opus (Ogg), flac, wav, pcm (raw 16-bit
 * little-endian mono at 24 kHz, as OpenAI documents it); aac has no encoder
 * here and is refused. libsndfile does every container and codec, in memory;
 * libsamplerate converts to the rate a format needs (Opus: 48 kHz).
 *
 * Streaming: pcm and opus bytes are handed out as they are encoded, while
 * synthesis runs. WAV and FLAC headers hold the length, and libsndfile's MP3
 * writer puts the LAME tag decoders rely on into the first frame when the
 * file ends (written front to back without it, mpg123 decodes a third of a
 * one-second tone), so those three come out whole at the end. If the library
 * ever rewrote bytes already handed out, finishing fails loudly
 * (SY_EINTERNAL) rather than leaving a corrupt file.
 * Thread-safety: an encoder belongs to one caller at a time. */
#ifndef SY_AUDIO_ENCODE_H
#define SY_AUDIO_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

enum audio_format { AUDIO_MP3, AUDIO_OPUS, AUDIO_AAC, AUDIO_FLAC, AUDIO_WAV, AUDIO_PCM };

/* Returns: SY_OK; SY_EINVAL for a name that is none of mp3, opus, aac, flac,
 * wav, pcm (listing them). */
sy_code audio_format_parse(const char *name, enum audio_format *out, struct sy_err *err);

/* Returns: SY_OK if this build can produce f (asked of libsndfile);
 * SY_EUNSUPPORTED naming f and listing the formats it can produce. */
sy_code audio_format_check(enum audio_format f, struct sy_err *err);

const char *audio_format_name(enum audio_format f);
const char *audio_format_content_type(enum audio_format f);

struct audio_encoder;

/* An encoder for f fed with mono samples at in_rate.
 * Returns: SY_OK and *out; audio_format_check()'s error; SY_ENOMEM; SY_EIO
 * naming libsndfile's reason. */
sy_code audio_encoder_create(enum audio_format f, unsigned in_rate, struct audio_encoder **out,
                             struct sy_err *err);

/* Returns: the sample rate of the file it writes. */
unsigned audio_encoder_rate(const struct audio_encoder *e);

/* Encodes n samples; appends to out the bytes that are now final.
 * Returns: SY_OK; SY_EIO; out's SY_ETOOLARGE / SY_ENOMEM. */
sy_code audio_encoder_write(struct audio_encoder *e, const int16_t *pcm, size_t n,
                            struct sy_buf *out, struct sy_err *err);

/* Ends the file and appends the rest of it to out. Returns as write, and
 * SY_EINTERNAL if bytes already handed out were rewritten. */
sy_code audio_encoder_finish(struct audio_encoder *e, struct sy_buf *out, struct sy_err *err);

void audio_encoder_destroy(struct audio_encoder *e); /* NULL-safe */

#endif
