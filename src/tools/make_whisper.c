/* make_whisper.c -- switchyard-make-whisper: writes small whisper models with
 * random weights in whisper.cpp's own file format (the "ggml-*.bin" files of
 * the Hub), so tests and benchmarks run the real whisper.cpp loader, mel
 * front end, encoder, decoder and timestamp logic without downloading
 * anything.
 *
 *   switchyard-make-whisper --out PATH [--preset tiny|base] [--english] [--type f32|f16]
 *       [--seed N]
 *
 * The format (whisper.cpp's whisper_model_load): the magic "ggml", eleven
 * int32 hyperparameters, the mel filterbank, the vocabulary, then tensors,
 * each as (n_dims, name length, type, dims in ggml order, name, data). The
 * vocabulary's first 256 tokens are single bytes (so transcripts can hold
 * bytes that are not UTF-8 on their own, as real ones split across segments
 * do); the others are ASCII words. --english writes an English-only model
 * (51,864 tokens, as "base.en"), else a multilingual one (51,865, 99
 * languages). Same arguments, same bytes.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC 0x67676d6cu
#define N_TEXT_VOCAB 50257 /* GPT-2's, which the file lists; whisper.cpp adds the specials */
#define N_FFT 201          /* 1 + whisper's 400-sample window / 2 */

enum type { TYPE_F32 = 0, TYPE_F16 = 1 };

struct shape {
    int32_t n_vocab, n_audio_ctx, n_state, n_head, n_audio_layer, n_text_ctx, n_text_layer,
        n_mels;
    enum type type;
};

struct writer {
    FILE *f;
    uint64_t rng;
    bool failed;
};

/* ---- output ----------------------------------------------------------------------------- */

static void put(struct writer *w, const void *p, size_t n)
{
    if (!w->failed && fwrite(p, 1, n, w->f) != n)
        w->failed = true;
}

static void put_i32(struct writer *w, int32_t v)
{
    put(w, &v, sizeof v); /* the format is little-endian, as is every machine this builds on */
}

/* splitmix64: a fixed stream per seed. */
static double uniform(struct writer *w)
{
    uint64_t z = (w->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (double)(z >> 11) / (double)(1ull << 53) * 2.0 - 1.0;
}

/* IEEE 754 binary16, round to nearest even (values here are small and normal). */
static uint16_t to_half(float f)
{
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    uint32_t sign = (x >> 16) & 0x8000u;
    int32_t exp = (int32_t)((x >> 23) & 0xff) - 127 + 15;
    uint32_t mant = x & 0x7fffffu;
    if (exp <= 0)
        return (uint16_t)sign; /* below half's normal range: zero is close enough here */
    if (exp >= 31)
        return (uint16_t)(sign | 0x7c00u);
    uint32_t half = sign | ((uint32_t)exp << 10) | (mant >> 13);
    uint32_t rest = mant & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1u)))
        half++;
    return (uint16_t)half;
}

static void value(struct writer *w, enum type type, float v)
{
    if (type == TYPE_F16) {
        uint16_t h = to_half(v);
        put(w, &h, sizeof h);
    } else {
        put(w, &v, sizeof v);
    }
}

/* One tensor: dims in ggml order (fastest first); values are `fill` when
 * scale is 0, else uniform in [-scale, scale]. With centred, each row (of
 * ne[0] values) has its mean taken away: a matrix so made maps a constant
 * input to zero. */
static void tensor_rows(struct writer *w, const char *name, enum type type, int n_dims,
                        const int32_t *ne, float scale, float fill, bool centred)
{
    put_i32(w, n_dims);
    put_i32(w, (int32_t)strlen(name));
    put_i32(w, (int32_t)type);
    size_t n = 1;
    for (int i = 0; i < n_dims; i++) {
        put_i32(w, ne[i]);
        n *= (size_t)ne[i];
    }
    put(w, name, strlen(name));
    size_t cols = (size_t)ne[0];
    float *row = malloc(cols * sizeof *row);
    if (!row) {
        w->failed = true;
        return;
    }
    for (size_t at = 0; at < n; at += cols) {
        double mean = 0.0;
        for (size_t i = 0; i < cols; i++) {
            row[i] = scale != 0.0f ? (float)(uniform(w) * scale) : fill;
            mean += row[i];
        }
        mean /= (double)cols;
        for (size_t i = 0; i < cols; i++)
            value(w, type, centred ? (float)(row[i] - mean) : row[i]);
    }
    free(row);
}

static void tensor(struct writer *w, const char *name, enum type type, int n_dims,
                   const int32_t *ne, float scale, float fill)
{
    tensor_rows(w, name, type, n_dims, ne, scale, fill, false);
}

static void vec(struct writer *w, const char *name, int32_t n, float fill)
{
    tensor(w, name, TYPE_F32, 1, (int32_t[]){n}, 0.0f, fill);
}

static void bias(struct writer *w, const char *name, int32_t n)
{
    tensor(w, name, TYPE_F32, 1, (int32_t[]){n}, 0.02f, 0.0f);
}

static void matrix(struct writer *w, const char *name, enum type type, int32_t cols, int32_t rows,
                   float gain)
{
    tensor(w, name, type, 2, (int32_t[]){cols, rows}, gain / sqrtf((float)cols), 0.0f);
}

/* ---- the model -------------------------------------------------------------------------- */

/* A triangular filterbank on the mel scale from 0 to 8 kHz (whisper's rate is 16 kHz). */
static void mel_filters(struct writer *w, int n_mels)
{
    put_i32(w, n_mels);
    put_i32(w, N_FFT);
    double mel_max = 2595.0 * log10(1.0 + 8000.0 / 700.0);
    for (int m = 0; m < n_mels; m++) {
        double hz[3];
        for (int k = 0; k < 3; k++)
            hz[k] = 700.0 * (pow(10.0, mel_max * (m + k) / (n_mels + 1) / 2595.0) - 1.0);
        for (int b = 0; b < N_FFT; b++) {
            double f = 8000.0 * b / (N_FFT - 1), v = 0.0;
            if (f > hz[0] && f <= hz[1])
                v = (f - hz[0]) / (hz[1] - hz[0]);
            else if (f > hz[1] && f < hz[2])
                v = (hz[2] - f) / (hz[2] - hz[1]);
            float fv = (float)v;
            put(w, &fv, sizeof fv);
        }
    }
}

static void vocabulary(struct writer *w)
{
    put_i32(w, N_TEXT_VOCAB);
    for (int i = 0; i < N_TEXT_VOCAB; i++) {
        char word[32];
        int len;
        if (i < 256) {
            word[0] = (char)i;
            len = 1;
        } else if (i == N_TEXT_VOCAB - 1) {
            len = snprintf(word, sizeof word, "<|endoftext|>");
        } else {
            len = snprintf(word, sizeof word, " w%d", i);
        }
        put_i32(w, len);
        put(w, word, (size_t)len);
    }
}

/* One transformer block of the encoder ("encoder.blocks.N") or decoder. */
static void block(struct writer *w, const struct shape *s, const char *prefix, int layer,
                  bool cross)
{
    int32_t n = s->n_state;
    char name[96];
    /* The decoder's blocks write more into the residual stream than its
     * input holds, so each step's pick depends on the audio and the text so
     * far rather than mostly on the token before (the output projection is
     * the token embedding: a weak block would repeat the last token forever). */
    float gain = cross ? 4.0f : 1.0f;
#define NAME(fmt) (snprintf(name, sizeof name, "%s.blocks.%d." fmt, prefix, layer), name)
    vec(w, NAME("mlp_ln.weight"), n, 1.0f);
    vec(w, NAME("mlp_ln.bias"), n, 0.0f);
    matrix(w, NAME("mlp.0.weight"), s->type, n, 4 * n, 1.0f);
    bias(w, NAME("mlp.0.bias"), 4 * n);
    /* GELU's outputs average above zero: centred rows keep that constant
     * from pointing every step at the same token. */
    tensor_rows(w, NAME("mlp.2.weight"), s->type, 2, (int32_t[]){4 * n, n},
                gain / sqrtf((float)(4 * n)), 0.0f, true);
    bias(w, NAME("mlp.2.bias"), n);
    const char *const attns[] = {"attn", "cross_attn"};
    for (int a = 0; a < (cross ? 2 : 1); a++) {
#define ANAME(what) (snprintf(name, sizeof name, "%s.blocks.%d.%s%s", prefix, layer, \
                              attns[a], what), name)
        vec(w, ANAME("_ln.weight"), n, 1.0f);
        vec(w, ANAME("_ln.bias"), n, 0.0f);
        matrix(w, ANAME(".query.weight"), s->type, n, n, 1.0f);
        bias(w, ANAME(".query.bias"), n);
        matrix(w, ANAME(".key.weight"), s->type, n, n, 1.0f);
        matrix(w, ANAME(".value.weight"), s->type, n, n, 1.0f);
        bias(w, ANAME(".value.bias"), n);
        /* Small: cross-attention averages over audio that looks alike at
         * every step, and a large share of it would pick one token forever. */
        matrix(w, ANAME(".out.weight"), s->type, n, n, 0.25f);
        bias(w, ANAME(".out.bias"), n);
#undef ANAME
    }
#undef NAME
}

static void model(struct writer *w, const struct shape *s)
{
    put_i32(w, (int32_t)MAGIC);
    const int32_t hparams[] = {s->n_vocab,   s->n_audio_ctx,  s->n_state, s->n_head,
                               s->n_audio_layer, s->n_text_ctx, s->n_state, s->n_head,
                               s->n_text_layer, s->n_mels,       (int32_t)s->type};
    for (size_t i = 0; i < sizeof hparams / sizeof hparams[0]; i++)
        put_i32(w, hparams[i]);
    mel_filters(w, s->n_mels);
    vocabulary(w);

    int32_t n = s->n_state;
    tensor(w, "encoder.positional_embedding", TYPE_F32, 2, (int32_t[]){n, s->n_audio_ctx}, 0.1f,
           0.0f);
    tensor(w, "encoder.conv1.weight", s->type, 3, (int32_t[]){3, s->n_mels, n},
           1.0f / sqrtf(3.0f * (float)s->n_mels), 0.0f);
    tensor(w, "encoder.conv1.bias", TYPE_F32, 2, (int32_t[]){1, n}, 0.02f, 0.0f);
    tensor(w, "encoder.conv2.weight", s->type, 3, (int32_t[]){3, n, n},
           1.0f / sqrtf(3.0f * (float)n), 0.0f);
    tensor(w, "encoder.conv2.bias", TYPE_F32, 2, (int32_t[]){1, n}, 0.02f, 0.0f);
    vec(w, "encoder.ln_post.weight", n, 1.0f);
    vec(w, "encoder.ln_post.bias", n, 0.0f);
    for (int i = 0; i < s->n_audio_layer; i++)
        block(w, s, "encoder", i, false);

    /* Positions outweigh the previous token's embedding in the decoder's
     * input: with the embedding tied to the output, that token would
     * otherwise score highest again at every step. */
    tensor(w, "decoder.positional_embedding", TYPE_F32, 2, (int32_t[]){n, s->n_text_ctx}, 9.0f,
           0.0f);
    /* The token embedding is also the output projection: large enough that
     * the decoder is sure of its picks, as a trained one is. Unsure, every
     * window fails whisper's log-probability check and is decoded again at
     * five temperatures by five decoders each: minutes per request. */
    tensor(w, "decoder.token_embedding.weight", s->type, 2, (int32_t[]){n, s->n_vocab}, 3.0f,
           0.0f);
    vec(w, "decoder.ln.weight", n, 1.0f);
    vec(w, "decoder.ln.bias", n, 0.0f);
    for (int i = 0; i < s->n_text_layer; i++)
        block(w, s, "decoder", i, true);
}

/* ---- arguments -------------------------------------------------------------------------- */

static int usage(void)
{
    fprintf(stderr, "usage: switchyard-make-whisper --out PATH [--preset tiny|base] [--english] "
                    "[--type f32|f16] [--seed N]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *out = NULL, *preset = "tiny";
    bool english = false;
    enum type type = TYPE_F16;
    uint64_t seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--english") == 0) {
            english = true;
            continue;
        }
        if (i + 1 >= argc)
            return usage();
        const char *v = argv[++i];
        if (strcmp(a, "--out") == 0) {
            out = v;
        } else if (strcmp(a, "--preset") == 0) {
            preset = v;
        } else if (strcmp(a, "--type") == 0 && strcmp(v, "f32") == 0) {
            type = TYPE_F32;
        } else if (strcmp(a, "--type") == 0 && strcmp(v, "f16") == 0) {
            type = TYPE_F16;
        } else if (strcmp(a, "--seed") == 0) {
            char *end;
            errno = 0;
            seed = strtoull(v, &end, 10);
            if (errno || *end)
                return usage();
        } else {
            return usage();
        }
    }
    struct shape s;
    /* Tiny loads and answers in milliseconds; base has whisper base's shape, for benchmarks. */
    if (strcmp(preset, "tiny") == 0)
        s = (struct shape){0, 1500, 64, 2, 2, 448, 1, 80, type};
    else if (strcmp(preset, "base") == 0)
        s = (struct shape){0, 1500, 512, 8, 6, 448, 6, 80, type};
    else
        return usage();
    s.n_vocab = english ? 51864 : 51865;
    if (!out)
        return usage();

    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", out) >= (int)sizeof tmp)
        return usage();
    struct writer w = {.f = fopen(tmp, "wb"), .rng = seed};
    if (!w.f) {
        fprintf(stderr, "switchyard-make-whisper: cannot create %s: %s\n", tmp, strerror(errno));
        return 1;
    }
    model(&w, &s);
    if (fclose(w.f) != 0 || w.failed || rename(tmp, out) != 0) {
        fprintf(stderr, "switchyard-make-whisper: cannot write %s\n", out);
        unlink(tmp);
        return 1;
    }
    return 0;
}
