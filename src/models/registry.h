/* registry.h -- the local models: every *.gguf under the models directory,
 * and every GGUF model pulled into the Hugging Face Hub cache; likewise every
 * whisper.cpp model (a ggml "*.bin" file, whisper_file.h) in either place.
 *
 * A file in the models directory is named by its path there without ".gguf"
 * or ".bin" (a file "tiny.gguf" is "tiny"; "org/name.gguf" is "org/name";
 * "ggml-base.en.bin" is "ggml-base.en"). A whisper file in a Hub snapshot is
 * labelled by its name without "ggml-" and ".bin" ("org/name@base.en"). A model in
 * the Hub cache is named by its repository, "org/name" when the snapshot that
 * refs/main points at holds one GGUF model, else "org/name@<quantisation>" per
 * file; "org/name" alone then means the default pick (gguf_choice.h). Metadata and
 * capabilities come from the GGUF header (gguf_reader.h), read once per file
 * version (path, size, mtime) and never by loading weights. A file whose
 * header is unreadable or hostile stays listed as unusable, with the reason.
 * Scans are cheap and happen on every listing and on a lookup miss, so models
 * copied into the directory appear without a restart.
 * Thread-safety: all functions may be called from any thread. */
#ifndef SY_REGISTRY_H
#define SY_REGISTRY_H

#include <limits.h>
#include <stddef.h>

#include "core/model_info.h"
#include "engines/engine_kind.h"
#include "engines/memory_estimate.h"
#include "hub/hub_repo.h"
#include "util/err.h"

struct registry;

struct registry_entry {
    struct sy_model_info info;
    enum engine_kind engine; /* ENGINE_LLAMA for GGUF files, ENGINE_WHISPER for whisper files */
    char path[PATH_MAX]; /* absolute path of the model file (built-ins: the engine's data) */
    struct model_shape shape; /* all zero when the header is unreadable */
    char repo[SY_HUB_REPO_MAX + 1]; /* the Hub repository, "" for the models directory */
    char variant[SY_HUB_PATH_MAX + 1]; /* its quantisation label, else its path in the repo */
};

/* Opens the registry over dir (copied; created if missing) and the Hub cache
 * hub_cache (may be NULL or missing: nothing pulled yet).
 * Returns: SY_OK and *out (registry_close()); SY_EIO if dir cannot be made. */
sy_code registry_open(const char *dir, const char *hub_cache, struct registry **out,
                      struct sy_err *err);

void registry_close(struct registry *reg); /* NULL is a no-op */

/* Rescans the directory. Returns: SY_OK; SY_EIO if it cannot be read. */
sy_code registry_refresh(struct registry *reg, struct sy_err *err);

/* Copies the entry for a model id into *out, rescanning once on a miss.
 * variant ("" for none) picks among a Hub repository's files by quantisation
 * or path; for a file of the models directory it may only restate the file's
 * quantisation.
 * Returns: SY_OK; SY_ENOTFOUND with a message listing the models there are. */
sy_code registry_lookup(struct registry *reg, const char *name, const char *variant,
                        struct registry_entry *out, struct sy_err *err);

/* Rescans, then copies every entry (sorted by id).
 * Returns: SY_OK and *out (free()) with *n entries; SY_EIO; SY_ENOMEM. */
sy_code registry_list(struct registry *reg, struct registry_entry **out, size_t *n,
                      struct sy_err *err);

/* Returns: the models directory (borrowed for the registry's life). */
const char *registry_dir(const struct registry *reg);

#endif
