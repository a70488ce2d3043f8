/* whisper_file.c -- reading and checking whisper.cpp model headers. */
#include "models/whisper_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define MAGIC 0x67676d6cu /* "ggml" as a little-endian uint32 */
#define HPARAMS 11
#define QNT_VERSION_FACTOR 1000 /* ftype carries the quantisation version times this */
#define TOKENS_BEFORE_LANGUAGES 51765 /* n_vocab - languages - (multilingual ? 1 : 0) */

/* Whisper's language codes in token order: a model with n languages knows the first n. */
static const char *const LANGUAGES[] = {
    "en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv",
    "it", "id", "hi", "fi", "vi", "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no",
    "th", "ur", "hr", "bg", "lt", "la", "mi", "ml", "cy", "sk", "te", "fa", "lv", "bn", "sr",
    "az", "sl", "kn", "et", "mk", "br", "eu", "is", "hy", "ne", "mn", "bs", "kk", "sq", "sw",
    "gl", "mr", "pa", "si", "km", "sn", "yo", "so", "af", "oc", "ka", "be", "tg", "sd", "gu",
    "am", "yi", "lo", "uz", "fo", "ht", "ps", "tk", "nn", "mt", "sa", "lb", "my", "bo", "tl",
    "mg", "as", "tt", "haw", "ln", "ha", "ba", "jw", "su", "yue"};
#define N_LANGUAGES ((int)(sizeof LANGUAGES / sizeof LANGUAGES[0]))

/* ggml_ftype values as whisper files carry them. */
static const char *ftype_name(int32_t ft)
{
    static const char *const names[] = {[0] = "F32",  [1] = "F16",   [2] = "Q4_0", [3] = "Q4_1",
                                        [7] = "Q8_0", [8] = "Q5_0",  [9] = "Q5_1", [10] = "Q2_K",
                                        [11] = "Q3_K", [12] = "Q4_K", [13] = "Q5_K",
                                        [14] = "Q6_K"};
    if (ft < 0 || ft >= (int32_t)(sizeof names / sizeof names[0]) || !names[ft])
        return NULL;
    return names[ft];
}

bool whisper_file_magic(const void *head, size_t n)
{
    uint32_t magic;
    if (n < sizeof magic)
        return false;
    memcpy(&magic, head, sizeof magic);
    return magic == MAGIC;
}

static const char *size_name(int32_t n_audio_layer)
{
    switch (n_audio_layer) {
    case 4: return "tiny";
    case 6: return "base";
    case 12: return "small";
    case 24: return "medium";
    case 32: return "large";
    default: return "";
    }
}

sy_code whisper_file_parse(const void *data, size_t size, struct whisper_file_info *out,
                           struct sy_err *err)
{
    memset(out, 0, sizeof *out);
    if (!whisper_file_magic(data, size))
        return sy_errf(err, SY_EINVAL, "not a whisper.cpp model: no ggml magic");
    if (size < 4 + HPARAMS * 4)
        return sy_errf(err, SY_EINVAL, "whisper model header is truncated (%zu bytes)", size);
    int32_t h[HPARAMS];
    memcpy(h, (const char *)data + 4, sizeof h);
    *out = (struct whisper_file_info){
        .n_vocab = h[0], .n_audio_ctx = h[1], .n_audio_state = h[2], .n_audio_head = h[3],
        .n_audio_layer = h[4], .n_text_ctx = h[5], .n_text_state = h[6], .n_text_head = h[7],
        .n_text_layer = h[8], .n_mels = h[9], .ftype = h[10], .file_size = size};
    /* Bounds wider than any released whisper model, tight enough that the
     * memory arithmetic below cannot overflow. */
    struct { const char *name; int32_t v, lo, hi; } checks[] = {
        {"n_vocab", out->n_vocab, TOKENS_BEFORE_LANGUAGES + 1, 1 << 18},
        {"n_audio_ctx", out->n_audio_ctx, 1, 1 << 14},
        {"n_audio_state", out->n_audio_state, 1, 1 << 14},
        {"n_audio_head", out->n_audio_head, 1, 1 << 8},
        {"n_audio_layer", out->n_audio_layer, 1, 1 << 8},
        {"n_text_ctx", out->n_text_ctx, 1, 1 << 14},
        {"n_text_state", out->n_text_state, 1, 1 << 14},
        {"n_text_head", out->n_text_head, 1, 1 << 8},
        {"n_text_layer", out->n_text_layer, 1, 1 << 8},
        {"n_mels", out->n_mels, 1, 1 << 10},
        {"ftype", out->ftype, 0, 1 << 20},
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
        if (checks[i].v < checks[i].lo || checks[i].v > checks[i].hi)
            return sy_errf(err, SY_EINVAL,
                           "whisper model header has %s = %d; whisper models have %d to %d",
                           checks[i].name, checks[i].v, checks[i].lo, checks[i].hi);
    if (out->n_text_state != out->n_audio_state)
        return sy_errf(err, SY_EINVAL,
                       "whisper model header has n_text_state %d but n_audio_state %d; whisper "
                       "models have them equal",
                       out->n_text_state, out->n_audio_state);
    out->quantization = ftype_name(out->ftype % QNT_VERSION_FACTOR);
    if (!out->quantization)
        return sy_errf(err, SY_EINVAL, "whisper model has an unknown weight type (ftype %d)",
                       out->ftype);
    out->multilingual = out->n_vocab >= TOKENS_BEFORE_LANGUAGES + 100;
    int n = out->n_vocab - TOKENS_BEFORE_LANGUAGES - 1;
    out->n_languages = !out->multilingual ? 1 : n > N_LANGUAGES ? N_LANGUAGES : n;
    out->size_name = size_name(out->n_audio_layer);
    return SY_OK;
}

sy_code whisper_file_read(const char *path, struct whisper_file_info *out, struct sy_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return sy_errf(err, SY_EIO, "cannot open %s: %s", path, strerror(errno));
    unsigned char head[4 + HPARAMS * 4];
    size_t got = fread(head, 1, sizeof head, f);
    struct stat st;
    bool sized = fstat(fileno(f), &st) == 0;
    fclose(f);
    if (!sized)
        return sy_errf(err, SY_EIO, "cannot read %s", path);
    sy_code rc = whisper_file_parse(head, got, out, err);
    out->file_size = (uint64_t)st.st_size;
    return rc;
}

void whisper_file_languages(const struct whisper_file_info *w, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < w->n_languages; i++) {
        int n = snprintf(out + used, size - used, "%s%s", i ? "," : "", LANGUAGES[i]);
        if (n < 0 || (size_t)n >= size - used) {
            out[used] = '\0'; /* only whole codes */
            return;
        }
        used += (size_t)n;
    }
}

static uint64_t pad256(int32_t n)
{
    return ((uint64_t)n + 255) / 256 * 256;
}

uint64_t whisper_file_state_bytes(const struct whisper_file_info *w)
{
    const uint64_t f16 = 2, f32 = 4, decoders = 5; /* best_of's decoders share one cache */
    uint64_t layers = (uint64_t)w->n_text_layer, state = (uint64_t)w->n_text_state;
    uint64_t actx = (uint64_t)w->n_audio_ctx;
    uint64_t kv_self = 2 * layers * pad256(w->n_text_ctx) * state * f16 * decoders;
    uint64_t kv_cross = 2 * layers * pad256(w->n_audio_ctx) * state * f16;
    uint64_t kv_pad = 2 * pad256(w->n_audio_ctx) * (uint64_t)w->n_audio_state * f16;
    /* The encoder's attention scores and activations, the decoder's logits. */
    uint64_t encode = actx * actx * (uint64_t)w->n_audio_head * f32 +
                      actx * (uint64_t)w->n_audio_state * f32 * 8;
    uint64_t decode = (uint64_t)w->n_vocab * f32 * 256;
    return kv_self + kv_cross + kv_pad + encode + decode + (16u << 20);
}
