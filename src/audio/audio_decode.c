/* audio_decode.c -- libsndfile in, libsamplerate to the engine's rate. */
#include "audio/audio_decode.h"

#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/memfile.h"
#include "audio/resample.h"

#define CHANNELS_MAX 64
#define RATE_MAX 768000
#define ACCEPTED "WAV, FLAC, Ogg/Vorbis, Opus, MP3, AIFF, AU"

static void name_format(int format, char *out, size_t size)
{
    SF_FORMAT_INFO info = {.format = format & SF_FORMAT_TYPEMASK};
    if (sf_command(NULL, SFC_GET_FORMAT_MAJOR, &info, sizeof info) == 0 && info.extension)
        snprintf(out, size, "%s", info.extension);
    else
        snprintf(out, size, "audio");
}

sy_code audio_decode(const void *data, size_t len, unsigned target_rate, double max_seconds,
                     struct audio_pcm *out, struct sy_err *err)
{
    memset(out, 0, sizeof *out);
    if (len == 0)
        return sy_errf(err, SY_EINVAL, "the audio file is empty");
    struct memfile mf = {.rdata = data, .len = len};
    SF_INFO info = {0};
    SNDFILE *sf = sf_open_virtual(memfile_io(), SFM_READ, &info, &mf);
    if (!sf)
        return sy_errf(err, SY_EMEDIA, "the upload is not audio this server can read (%s); send %s",
                       sf_strerror(NULL), ACCEPTED);
    sy_code rc = SY_OK;
    /* libsamplerate converts by at most 256x either way. */
    if (info.channels < 1 || info.channels > CHANNELS_MAX || info.samplerate < 1 ||
        info.samplerate > RATE_MAX || (double)target_rate / info.samplerate > 256.0 ||
        (double)info.samplerate / target_rate > 256.0)
        rc = sy_errf(err, SY_EMEDIA,
                     "the audio file claims %d channels at %d Hz, which is not plausible "
                     "(1 to %d channels, %u to %d Hz)",
                     info.channels, info.samplerate, CHANNELS_MAX, (target_rate + 255) / 256,
                     RATE_MAX);
    /* Some formats (MP3, Opus) do not know their length up front: read in
     * pieces, stopping at the limit. */
    size_t frames_max = (size_t)(max_seconds * info.samplerate) + 1;
    float *mono = NULL, *piece = NULL;
    size_t n = 0, cap = 0;
    enum { PIECE = 4096 };
    if (rc == SY_OK && !(piece = malloc(sizeof *piece * PIECE * (size_t)info.channels)))
        rc = sy_errf(err, SY_ENOMEM, "out of memory decoding audio");
    while (rc == SY_OK) {
        sf_count_t got = sf_readf_float(sf, piece, PIECE);
        if (got <= 0)
            break;
        if (n + (size_t)got > frames_max) {
            rc = sy_errf(err, SY_ETOOLARGE,
                         "the audio is longer than %.0f seconds, the most this server takes "
                         "(max_audio_seconds)",
                         max_seconds);
            break;
        }
        if (n + (size_t)got > cap) {
            size_t grown = cap ? cap * 2 : 65536;
            while (grown < n + (size_t)got)
                grown *= 2;
            float *p = realloc(mono, grown * sizeof *p);
            if (!p) {
                rc = sy_errf(err, SY_ENOMEM, "out of memory decoding audio");
                break;
            }
            mono = p;
            cap = grown;
        }
        for (sf_count_t f = 0; f < got; f++) {
            float sum = 0;
            for (int ch = 0; ch < info.channels; ch++)
                sum += piece[f * info.channels + ch];
            mono[n++] = sum / (float)info.channels;
        }
    }
    if (rc == SY_OK && sf_error(sf) != SF_ERR_NO_ERROR)
        rc = sy_errf(err, SY_EMEDIA, "the audio file is damaged: %s", sf_strerror(sf));
    if (rc == SY_OK && n == 0)
        rc = sy_errf(err, SY_EINVAL, "the audio file holds no samples");
    free(piece);
    name_format(info.format, out->source_format, sizeof out->source_format);
    sf_close(sf);
    float *resampled = NULL;
    size_t rn = 0;
    if (rc == SY_OK)
        rc = resample_mono(mono, n, (unsigned)info.samplerate, target_rate, &resampled, &rn, err);
    free(mono);
    if (rc == SY_OK && !(out->samples = malloc((rn ? rn : 1) * sizeof *out->samples)))
        rc = sy_errf(err, SY_ENOMEM, "out of memory decoding audio");
    if (rc != SY_OK) {
        free(resampled);
        return rc;
    }
    /* libsndfile reads 16-bit samples as s / 32768: scaling back by the same
     * factor gives a 16-bit file's samples exactly (a file this server wrote
     * reads back as it was). */
    for (size_t i = 0; i < rn; i++) {
        float v = resampled[i] * 32768.0f;
        out->samples[i] = (int16_t)(v > 32767.0f ? 32767 : v < -32768.0f ? -32768 : lrintf(v));
    }
    free(resampled);
    out->n = rn;
    out->sample_rate = target_rate;
    out->source_rate = (unsigned)info.samplerate;
    out->source_channels = (unsigned)info.channels;
    out->source_seconds = (double)n / info.samplerate;
    return SY_OK;
}

void audio_pcm_cleanup(struct audio_pcm *pcm)
{
    if (!pcm)
        return;
    free(pcm->samples);
    pcm->samples = NULL;
    pcm->n = 0;
}
