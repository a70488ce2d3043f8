/* gguf_reader.h -- the server's own bounded reader of GGUF headers.
 *
 * The server learns what a model is (architecture, context length, chat
 * template, parameter count, quantisation) from the GGUF header alone, without
 * loading weights and without linking llama.cpp. The reader is also the first
 * line of defence against hostile files: every count, length and offset is
 * checked against the limits in limits.h and against the bytes the file
 * really has before anything is allocated or looped over, so a truncated file,
 * a huge count, overflowing dimensions or a tensor past the end of the file is
 * refused here, before any worker loads it. Big arrays (vocabularies, merges)
 * are skipped, never held. Thread-safety: no shared state. */
#ifndef SY_GGUF_READER_H
#define SY_GGUF_READER_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct gguf_info {
    uint32_t version;           /* 2 or 3 */
    uint64_t file_size;         /* bytes */
    uint64_t tensor_count, kv_count;
    char architecture[64];      /* general.architecture, "" if absent */
    char name[256];             /* general.name, "" if absent */
    char *chat_template;        /* tokenizer.chat_template or NULL; owned */
    char tokenizer_model[32];   /* tokenizer.ggml.model, "" if absent */
    uint64_t vocab_size;        /* entries of tokenizer.ggml.tokens, 0 if absent */
    uint64_t context_length;    /* <arch>.context_length, 0 if absent */
    uint64_t embedding_length;  /* <arch>.embedding_length, 0 if absent */
    uint64_t block_count;       /* <arch>.block_count, 0 if absent */
    uint64_t head_count;        /* <arch>.attention.head_count, 0 if absent */
    uint64_t head_count_kv;     /* <arch>.attention.head_count_kv, 0 if absent */
    int32_t file_type;          /* general.file_type (a llama_ftype), -1 if absent */
    char quantization[16];      /* "Q4_K_M", "Q8_0", "F16", ...; from file_type, else
                                 * the weight type covering the most parameters */
    uint64_t parameter_count;   /* elements of all tensors */
    uint64_t tensor_data_bytes; /* bytes of all tensor data */
};

/* Reads the header of the GGUF file at path into *out (caller storage).
 * Returns: SY_OK, and out owns chat_template (gguf_info_cleanup());
 *          SY_EIO if the file cannot be opened or read;
 *          SY_EINVAL naming the file, the byte offset and what is wrong. */
sy_code gguf_info_read_file(const char *path, struct gguf_info *out, struct sy_err *err);

/* The same parser over a whole file image in memory (tests, fuzzing).
 * Returns: as gguf_info_read_file, naming "<memory>" in messages. */
sy_code gguf_info_read_mem(const void *data, size_t size, struct gguf_info *out,
                           struct sy_err *err);

/* Frees what info owns. NULL is a no-op. */
void gguf_info_cleanup(struct gguf_info *info);

#endif
