/* hub_repo.h -- Hugging Face Hub repository ids and file paths, checked, and
 * where they live in the Hub cache (the layout huggingface_hub uses, so every
 * tool that reads it shares the files):
 *
 *   <cache>/models--<org>--<name>/blobs/<etag>            the file's bytes
 *   <cache>/models--<org>--<name>/snapshots/<commit>/<path> -> ../../blobs/<etag>
 *   <cache>/models--<org>--<name>/refs/<revision>          the commit it points at
 *   <cache>/.locks/models--<org>--<name>/<etag>.lock       one writer per blob
 *
 * Nothing from a request or the Hub becomes part of a path without passing
 * these checks. Thread-safety: pure functions. */
#ifndef SY_HUB_REPO_H
#define SY_HUB_REPO_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define SY_HUB_REPO_MAX 193   /* "org/name", 96 bytes each */
#define SY_HUB_PATH_MAX 512   /* a file's path inside a repository */
#define SY_HUB_ETAG_MAX 128
#define SY_HUB_COMMIT_MAX 64

/* Whether repo is a Hub model id: "name" or "org/name", each part 1-96 of
 * [A-Za-z0-9._-], starting and ending with a letter or digit, no "--" or "..".
 * Returns: SY_OK; SY_EINVAL (param "model") saying what is wrong. */
sy_code hub_repo_check(const char *repo, struct sy_err *err);

/* Whether path is a safe relative file path inside a repository: segments of
 * printable characters other than '\', none empty, "." or "..", at most
 * SY_HUB_PATH_MAX bytes. Returns: SY_OK; SY_EINVAL naming the path. */
sy_code hub_path_check(const char *path, struct sy_err *err);

/* Whether text is a usable blob name (an ETag: [A-Za-z0-9_-], 1-128 bytes) or
 * commit (hex, 1-64). */
bool hub_etag_ok(const char *text);
bool hub_commit_ok(const char *text);

/* Writes "models--org--name" for repo (already checked). Returns false if it
 * does not fit. */
bool hub_repo_folder(const char *repo, char *out, size_t size);

/* The inverse: "org/name" from a folder name, false if it is not one. */
bool hub_repo_from_folder(const char *folder, char *out, size_t size);

#endif
