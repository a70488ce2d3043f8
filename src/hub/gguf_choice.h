/* gguf_choice.h -- which GGUF file of a repository a user means.
 *
 * Hub repositories hold one GGUF file per quantisation ("...-Q4_K_M.gguf",
 * "...-Q8_0.gguf"), large ones split into shards ("-00001-of-00003.gguf"),
 * and sometimes a multimodal projector ("mmproj-...gguf") that is not a model
 * on its own. `org/name@Q8_0` names a quantisation, `org/name@file.gguf` a
 * file; `org/name` alone gets what a user would pick: Q4_K_M, else the
 * smallest Q8_0 or Q4 file, else the smallest file. Repositories of
 * whisper.cpp models (ggerganov/whisper.cpp) hold "ggml-<size>.bin" files,
 * labelled by their size name ("base.en", "large-v3-q5_0"); among them whisper
 * base is the default. Thread-safety: pure. */
#ifndef SY_GGUF_CHOICE_H
#define SY_GGUF_CHOICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Writes the quantisation label in a GGUF file's name, uppercased ("Q4_K_M",
 * "IQ2_XXS", "F16", "BF16"), or "" if the name has none. */
void gguf_label_from_name(const char *path, char *out, size_t size);

/* Whether path is a model file: GGUF (not a projector) or whisper.cpp's
 * "ggml-*.bin". *shard / *of get its shard numbers (1 / 1 when not split). */
bool gguf_model_file(const char *path, int *shard, int *of);

/* Whether path is named as whisper.cpp's model files are ("ggml-base.en.bin");
 * its label is the name between "ggml-" and ".bin" ("base.en"). */
bool gguf_whisper_file(const char *path);

/* Index of the default among n candidates (labels and total sizes), per the
 * rule above; *why gets a static phrase saying which rule chose it. */
size_t gguf_pick_default(const char *const *labels, const uint64_t *sizes, size_t n,
                         const char **why);

/* Chooses among a repository's files (paths[i], sizes[i]). variant: "" for the
 * default, a label, or a file path. Fills chosen[] with the indices to fetch
 * (all shards, in order; at most max_chosen) and *label with the choice's label.
 * Returns: SY_OK; SY_ENOTFOUND (param "model") naming what there is;
 *          SY_EINVAL if a split model misses shards or has too many. */
sy_code gguf_choose(const char *const *paths, const uint64_t *sizes, size_t n, const char *variant,
                    size_t *chosen, size_t max_chosen, size_t *n_chosen, char *label,
                    size_t label_size, const char **why, struct sy_err *err);

#endif
