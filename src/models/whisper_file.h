/* whisper_file.h -- the server's own reader of whisper.cpp model headers.
 *
 * whisper.cpp models are ggml files ("ggml-base.en.bin" and the like, as the
 * Hub's ggerganov/whisper.cpp holds): the magic "ggml", then eleven int32
 * hyperparameters. The server learns from them what a model hears (English
 * only, or which of whisper's languages), its size class and quantisation,
 * and how much memory it will take, without loading weights and without
 * linking whisper.cpp. Values outside what any whisper model has are refused
 * here, before a worker loads the file. Thread-safety: no shared state. */
#ifndef SY_WHISPER_FILE_H
#define SY_WHISPER_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct whisper_file_info {
    int32_t n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer;
    int32_t n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels, ftype;
    bool multilingual;     /* n_vocab >= 51865 */
    int n_languages;       /* 1 (English) unless multilingual */
    const char *size_name; /* "tiny", "base", "small", "medium", "large", or "" (static) */
    const char *quantization; /* "F16", "Q5_1", ... (static) */
    uint64_t file_size;
};

/* Whether the first 4 bytes are whisper.cpp's ggml magic. */
bool whisper_file_magic(const void *head, size_t n);

/* Reads the header of the file at path. Returns: SY_OK; SY_EIO if it cannot
 * be read; SY_EINVAL naming what is wrong (not a whisper model, or values no
 * whisper model has). */
sy_code whisper_file_read(const char *path, struct whisper_file_info *out, struct sy_err *err);

/* The same over the file's first bytes in memory (tests, fuzzing); file_size
 * is then size. */
sy_code whisper_file_parse(const void *data, size_t size, struct whisper_file_info *out,
                           struct sy_err *err);

/* Writes the model's languages, comma-separated ("en" or "en,zh,de,..."). */
void whisper_file_languages(const struct whisper_file_info *w, char *out, size_t size);

/* Bytes whisper.cpp allocates besides the weights: the self- and
 * cross-attention caches of its decoders and the encoder's compute buffers. */
uint64_t whisper_file_state_bytes(const struct whisper_file_info *w);

#endif
