/* audio_encode.c -- libsndfile out, libsamplerate to the format's rate. */
#include "audio/audio_encode.h"

#include <samplerate.h>
#include <sndfile.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/memfile.h"

#define FILE_MAX (512u * 1024 * 1024) /* bytes of one encoded file */
#define CHUNK 4096                    /* samples converted at a time */

static const struct {
    const char *name, *type;
    int sf_format;     /* 0: no encoder here */
    unsigned rate;     /* 0: the input's */
    bool streams;      /* written front to back: bytes are final once written */
} formats[] = {
    [AUDIO_MP3] = {"mp3", "audio/mpeg", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 0, false},
    [AUDIO_OPUS] = {"opus", "audio/ogg", SF_FORMAT_OGG | SF_FORMAT_OPUS, 48000, true},
    [AUDIO_AAC] = {"aac", "audio/aac", 0, 0, false},
    [AUDIO_FLAC] = {"flac", "audio/flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 0, false},
    [AUDIO_WAV] = {"wav", "audio/wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 0, false},
    [AUDIO_PCM] = {"pcm", "audio/pcm", SF_FORMAT_RAW | SF_FORMAT_PCM_16 | SF_ENDIAN_LITTLE, 24000,
                   true},
};
#define N_FORMATS (sizeof formats / sizeof formats[0])

struct audio_encoder {
    enum audio_format format;
    unsigned in_rate, rate;
    struct memfile mf;
    SNDFILE *sf;
    SRC_STATE *src; /* NULL when no conversion is needed */
};

sy_code audio_format_parse(const char *name, enum audio_format *out, struct sy_err *err)
{
    for (size_t i = 0; i < N_FORMATS; i++) {
        if (strcmp(name, formats[i].name) == 0) {
            *out = (enum audio_format)i;
            return SY_OK;
        }
    }
    return sy_errp(err, SY_EINVAL, "response_format",
                   "'%s' is not an audio format; use one of mp3, opus, aac, flac, wav, pcm", name);
}

static bool can_encode(enum audio_format f)
{
    if (!formats[f].sf_format)
        return false;
    SF_INFO info = {.samplerate = formats[f].rate ? (int)formats[f].rate : 22050,
                    .channels = 1,
                    .format = formats[f].sf_format};
    return sf_format_check(&info) != 0;
}

sy_code audio_format_check(enum audio_format f, struct sy_err *err)
{
    if (can_encode(f))
        return SY_OK;
    char list[128] = "";
    for (size_t i = 0; i < N_FORMATS; i++) {
        if (!can_encode((enum audio_format)i))
            continue;
        size_t len = strlen(list);
        snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "", formats[i].name);
    }
    return sy_errp(err, SY_EUNSUPPORTED, "response_format",
                   "this server cannot encode %s audio; choose one of %s", formats[f].name, list);
}

const char *audio_format_name(enum audio_format f)
{
    return formats[f].name;
}

const char *audio_format_content_type(enum audio_format f)
{
    return formats[f].type;
}

sy_code audio_encoder_create(enum audio_format f, unsigned in_rate, struct audio_encoder **out,
                             struct sy_err *err)
{
    sy_code rc = audio_format_check(f, err);
    if (rc != SY_OK)
        return rc;
    struct audio_encoder *e = calloc(1, sizeof *e);
    if (!e)
        return sy_errf(err, SY_ENOMEM, "out of memory encoding audio");
    e->format = f;
    e->in_rate = in_rate;
    e->rate = formats[f].rate ? formats[f].rate : in_rate;
    e->mf.limit = FILE_MAX;
    /* Streaming formats get a file that cannot seek back, so libsndfile
     * never goes back to patch what was already sent. */
    e->mf.seekable = !formats[f].streams;
    SF_INFO info = {.samplerate = (int)e->rate, .channels = 1, .format = formats[f].sf_format};
    e->sf = sf_open_virtual(memfile_io(), SFM_WRITE, &info, &e->mf);
    if (!e->sf) {
        rc = sy_errf(err, SY_EIO, "cannot start a %s file at %u Hz: %s", formats[f].name,
                     e->rate, sf_strerror(NULL));
        audio_encoder_destroy(e);
        return rc;
    }
    int error = 0;
    if (e->rate != in_rate && !(e->src = src_new(SRC_SINC_MEDIUM_QUALITY, 1, &error))) {
        rc = sy_errf(err, SY_ENOMEM, "cannot start resampling: %s", src_strerror(error));
        audio_encoder_destroy(e);
        return rc;
    }
    *out = e;
    return SY_OK;
}

unsigned audio_encoder_rate(const struct audio_encoder *e)
{
    return e->rate;
}

/* Hands out what is final: everything written so far for streaming formats. */
static sy_code take_final(struct audio_encoder *e, bool all, struct sy_buf *out,
                          struct sy_err *err)
{
    if (!all && !formats[e->format].streams)
        return SY_OK;
    if (e->mf.len <= e->mf.sent)
        return SY_OK;
    sy_code rc = buf_append(out, e->mf.wdata + e->mf.sent, e->mf.len - e->mf.sent, err);
    if (rc == SY_OK)
        e->mf.sent = e->mf.len;
    return rc;
}

static sy_code write_float(struct audio_encoder *e, const float *x, size_t n, struct sy_err *err)
{
    if (n && sf_writef_float(e->sf, x, (sf_count_t)n) != (sf_count_t)n)
        return sy_errf(err, SY_EIO, "encoding %s failed: %s", formats[e->format].name,
                       sf_strerror(e->sf));
    return SY_OK;
}

/* Converts and writes in pieces; last ends the conversion. */
static sy_code convert(struct audio_encoder *e, const float *in, size_t n, bool last,
                       struct sy_err *err)
{
    float outbuf[CHUNK * 3];
    SRC_DATA d = {.data_in = in,
                  .input_frames = (long)n,
                  .data_out = outbuf,
                  .output_frames = (long)(sizeof outbuf / sizeof outbuf[0]),
                  .src_ratio = (double)e->rate / (double)e->in_rate,
                  .end_of_input = last};
    for (;;) {
        int error = src_process(e->src, &d);
        if (error)
            return sy_errf(err, SY_EIO, "resampling failed: %s", src_strerror(error));
        sy_code rc = write_float(e, outbuf, (size_t)d.output_frames_gen, err);
        if (rc != SY_OK)
            return rc;
        d.data_in += d.input_frames_used;
        d.input_frames -= d.input_frames_used;
        if (d.input_frames == 0 && (!last || d.output_frames_gen == 0))
            return SY_OK;
    }
}

sy_code audio_encoder_write(struct audio_encoder *e, const int16_t *pcm, size_t n,
                            struct sy_buf *out, struct sy_err *err)
{
    /* Without a rate to convert, the samples go in as they are: a 16-bit
     * file then holds exactly what the engine made (floats would be scaled
     * by 32767/32768 on the way back to integers). */
    if (!e->src && n && sf_writef_short(e->sf, pcm, (sf_count_t)n) != (sf_count_t)n)
        return sy_errf(err, SY_EIO, "encoding %s failed: %s", formats[e->format].name,
                       sf_strerror(e->sf));
    if (!e->src)
        return take_final(e, false, out, err);
    float x[CHUNK];
    for (size_t at = 0; at < n; at += CHUNK) {
        size_t k = n - at < CHUNK ? n - at : CHUNK;
        for (size_t i = 0; i < k; i++)
            x[i] = (float)pcm[at + i] / 32768.0f;
        sy_code rc = convert(e, x, k, false, err);
        if (rc != SY_OK)
            return rc;
    }
    return take_final(e, false, out, err);
}

sy_code audio_encoder_finish(struct audio_encoder *e, struct sy_buf *out, struct sy_err *err)
{
    sy_code rc = e->src ? convert(e, NULL, 0, true, err) : SY_OK;
    if (rc != SY_OK)
        return rc;
    int closed = sf_close(e->sf);
    e->sf = NULL;
    if (closed != 0)
        return sy_errf(err, SY_EIO, "ending the %s file failed: %s", formats[e->format].name,
                       sf_error_number(closed));
    if (e->mf.rewrote_sent)
        return sy_errf(err, SY_EINTERNAL,
                       "the %s encoder rewrote bytes already sent; the file would be corrupt",
                       formats[e->format].name);
    return take_final(e, true, out, err);
}

void audio_encoder_destroy(struct audio_encoder *e)
{
    if (!e)
        return;
    if (e->sf)
        sf_close(e->sf);
    if (e->src)
        src_delete(e->src);
    memfile_free(&e->mf);
    free(e);
}
