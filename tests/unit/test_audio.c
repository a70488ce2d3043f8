/* test_audio.c -- the audio codec module: decoding what clients upload,
 * resampling without changing pitch, encoding what they ask for, and refusing
 * what is not audio. */
#include <math.h>
#include <sndfile.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/audio_decode.h"
#include "audio/audio_encode.h"
#include "t.h"

/* A 1 kHz tone at rate, channels interleaved (channel 1 at half amplitude),
 * written as a 16-bit WAV file with libsndfile into a temporary file. */
static void tone_wav(unsigned rate, int channels, double seconds, double hz, struct sy_buf *out)
{
    buf_init(out, 1u << 26);
    char path[] = "/tmp/sy-audio-XXXXXX";
    int fd = mkstemp(path);
    T_REQUIRE(fd >= 0);
    SF_INFO info = {.samplerate = (int)rate, .channels = channels,
                    .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
    SNDFILE *sf = sf_open_fd(fd, SFM_WRITE, &info, 1);
    T_REQUIRE(sf);
    size_t n = (size_t)(seconds * rate);
    float *x = malloc(n * (size_t)channels * sizeof *x);
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < channels; c++)
            x[i * (size_t)channels + (size_t)c] =
                (float)((c ? 0.25 : 0.5) * sin(2 * M_PI * hz * (double)i / rate));
    T_EQ_INT(sf_writef_float(sf, x, (sf_count_t)n), (long long)n);
    sf_close(sf);
    free(x);
    FILE *f = fopen(path, "rb");
    T_REQUIRE(f);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(out, chunk, got, NULL);
    fclose(f);
    unlink(path);
}

/* Frequency from rising zero crossings. */
static double frequency(const int16_t *x, size_t n, unsigned rate)
{
    size_t first = 0, last = 0, crossings = 0;
    for (size_t i = 1; i < n; i++) {
        if (x[i - 1] < 0 && x[i] >= 0) {
            if (!crossings)
                first = i;
            last = i;
            crossings++;
        }
    }
    return crossings > 1 ? (double)(crossings - 1) * rate / (double)(last - first) : 0;
}

static void test_resample_keeps_pitch(void)
{
    struct sy_buf wav;
    tone_wav(44100, 2, 1.0, 1000.0, &wav);
    struct audio_pcm pcm;
    T_REQUIRE(audio_decode(wav.data, wav.len, 16000, 60, &pcm, NULL) == SY_OK);
    T_EQ_INT(pcm.source_rate, 44100);
    T_EQ_INT(pcm.source_channels, 2);
    T_EQ_INT(pcm.sample_rate, 16000);
    T_ASSERT(fabs((double)pcm.n - 16000.0) < 32);
    double hz = frequency(pcm.samples, pcm.n, 16000);
    printf("# 1000 Hz at 44.1 kHz stereo -> %.2f Hz at 16 kHz mono\n", hz);
    T_ASSERT(fabs(hz - 1000.0) < 10.0);
    /* Down-mixed: the mean of 0.5 and 0.25 amplitude is 0.375 (about 12288). */
    int16_t peak = 0;
    for (size_t i = 0; i < pcm.n; i++)
        if (pcm.samples[i] > peak)
            peak = pcm.samples[i];
    T_ASSERT(peak > 11500 && peak < 13000);
    audio_pcm_cleanup(&pcm);
    buf_cleanup(&wav);
}

static void test_encode_round_trip(void)
{
    static const struct {
        enum audio_format f;
        unsigned rate;
    } cases[] = {{AUDIO_WAV, 22050}, {AUDIO_FLAC, 22050}, {AUDIO_MP3, 22050}, {AUDIO_OPUS, 48000}};
    int16_t x[22050];
    for (size_t i = 0; i < 22050; i++)
        x[i] = (int16_t)(12000 * sin(2 * M_PI * 440.0 * (double)i / 22050));
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct audio_encoder *e;
        T_REQUIRE(audio_encoder_create(cases[k].f, 22050, &e, NULL) == SY_OK);
        T_EQ_INT(audio_encoder_rate(e), cases[k].rate);
        struct sy_buf out;
        buf_init(&out, 1u << 26);
        for (size_t at = 0; at < 22050; at += 5000)
            T_ASSERT(audio_encoder_write(e, x + at, at + 5000 < 22050 ? 5000 : 22050 - at, &out,
                                         NULL) == SY_OK);
        size_t before_finish = out.len;
        T_ASSERT(audio_encoder_finish(e, &out, NULL) == SY_OK);
        audio_encoder_destroy(e);
        /* Opus hands bytes out before the end; wav, flac and mp3 do not. */
        bool streams = cases[k].f == AUDIO_OPUS;
        printf("# %s: %zu bytes before finish, %zu in all\n", audio_format_name(cases[k].f),
               before_finish, out.len);
        T_ASSERT(streams ? before_finish > 0 : before_finish == 0);
        struct audio_pcm pcm;
        T_REQUIRE(audio_decode(out.data, out.len, 22050, 60, &pcm, NULL) == SY_OK);
        T_EQ_INT(pcm.source_rate, cases[k].rate);
        T_EQ_INT(pcm.source_channels, 1);
        printf("# decoded %.3f s at %u Hz, %.1f Hz\n", pcm.source_seconds, pcm.source_rate,
               frequency(pcm.samples, pcm.n, 22050));
        T_ASSERT(fabs(pcm.source_seconds - 1.0) < 0.15);
        T_ASSERT(fabs(frequency(pcm.samples, pcm.n, 22050) - 440.0) < 5.0);
        audio_pcm_cleanup(&pcm);
        buf_cleanup(&out);
    }
}

/* A 16-bit file written at the samples' own rate reads back sample for
 * sample, the extremes included: relaying audio (decode, encode, decode)
 * must not shave a bit off every loud sample. */
static void test_lossless_at_the_same_rate(void)
{
    int16_t x[16000];
    for (size_t i = 0; i < 16000; i++)
        x[i] = (int16_t)(i % 7 == 0 ? 32767 : i % 7 == 1 ? -32768 : (int)(i * 37 % 65536) - 32768);
    static const enum audio_format lossless[] = {AUDIO_WAV, AUDIO_FLAC};
    for (size_t k = 0; k < 2; k++) {
        struct audio_encoder *e;
        T_REQUIRE(audio_encoder_create(lossless[k], 16000, &e, NULL) == SY_OK);
        struct sy_buf out;
        buf_init(&out, 1u << 26);
        T_ASSERT(audio_encoder_write(e, x, 16000, &out, NULL) == SY_OK);
        T_ASSERT(audio_encoder_finish(e, &out, NULL) == SY_OK);
        audio_encoder_destroy(e);
        struct audio_pcm pcm;
        T_REQUIRE(audio_decode(out.data, out.len, 16000, 60, &pcm, NULL) == SY_OK);
        T_EQ_INT(pcm.n, 16000);
        size_t differ = 0;
        for (size_t i = 0; i < pcm.n && i < 16000; i++)
            differ += pcm.samples[i] != x[i];
        T_EQ_INT(differ, 0);
        audio_pcm_cleanup(&pcm);
        buf_cleanup(&out);
    }
}

static void test_refusals(void)
{
    struct audio_pcm pcm;
    struct sy_err err;
    T_EQ_INT(audio_decode("", 0, 16000, 60, &pcm, &err), SY_EINVAL);
    const char text[] = "this is plainly not an audio file, just words";
    T_EQ_INT(audio_decode(text, sizeof text, 16000, 60, &pcm, &err), SY_EMEDIA);
    T_CONTAINS(err.msg, "WAV");
    struct sy_buf wav;
    tone_wav(16000, 1, 2.0, 500.0, &wav);
    T_EQ_INT(audio_decode(wav.data, 30, 16000, 60, &pcm, &err), SY_EMEDIA); /* cut header */
    T_EQ_INT(audio_decode(wav.data, wav.len, 16000, 1.0, &pcm, &err), SY_ETOOLARGE);
    /* A header that claims 1000 channels. */
    memcpy(wav.data + 22, "\xe8\x03", 2);
    T_EQ_INT(audio_decode(wav.data, wav.len, 16000, 60, &pcm, &err), SY_EMEDIA);
    buf_cleanup(&wav);
    /* A rate libsamplerate cannot convert from (found by fuzz_audio_decode): refused, not a 500. */
    tone_wav(39, 1, 2.0, 5.0, &wav);
    T_EQ_INT(audio_decode(wav.data, wav.len, 16000, 60, &pcm, &err), SY_EMEDIA);
    T_CONTAINS(err.msg, "39 Hz");
    buf_cleanup(&wav);
    enum audio_format f;
    T_EQ_INT(audio_format_parse("ogg", &f, &err), SY_EINVAL);
    T_EQ_INT(audio_format_parse("aac", &f, &err), SY_OK);
    T_EQ_INT(audio_format_check(f, &err), SY_EUNSUPPORTED);
    T_CONTAINS(err.msg, "flac");
}

int main(void)
{
    T_RUN(test_resample_keeps_pitch);
    T_RUN(test_encode_round_trip);
    T_RUN(test_lossless_at_the_same_rate);
    T_RUN(test_refusals);
    return t_done();
}
