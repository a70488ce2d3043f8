/* pull.h -- putting a Hub model's GGUF file(s) into the Hub cache.
 *
 * Resolves the repository at one commit, chooses the file (gguf_choice.h),
 * and for each file (every shard of a split model): reuses the blob if any
 * tool already put it there; otherwise takes the blob's lock (so concurrent
 * pulls of one file share one download), downloads into
 * blobs/<etag>.incomplete resuming what is there, checks the size and, for
 * LFS files, the sha256, then renames it into place. Snapshot links and
 * refs/main are written last, each atomically: an interrupted pull leaves at
 * most an .incomplete file that the next pull resumes.
 * Thread-safety: concurrent pulls (threads or processes) are safe. */
#ifndef SY_HUB_PULL_H
#define SY_HUB_PULL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "hub/hub_client.h"

enum pull_step {
    PULL_CHOSEN,   /* label, why, count: what will be pulled */
    PULL_FILE,     /* a file starts: file, index, total (its size), reused */
    PULL_PROGRESS, /* bytes of the current file: done of total */
    PULL_VERIFIED  /* the current file is complete and checked */
};

struct pull_event {
    enum pull_step step;
    const char *file; /* path inside the repository */
    int index, count; /* 1-based file number of count */
    uint64_t done, total;
    bool reused;      /* already in the cache: nothing downloaded */
    const char *label, *why;
};

/* Receives progress; returns false to cancel the pull (SY_ECANCELLED). Also
 * called with ev NULL, at least once a second while a download runs (even a
 * stalled one), only to ask whether to go on. */
typedef bool (*pull_fn)(void *ctx, const struct pull_event *ev);

struct pull_result {
    char commit[SY_HUB_COMMIT_MAX + 1];
    char label[32];            /* the quantisation pulled, "" if its name has none */
    char path[PATH_MAX];       /* the snapshot path of the (first) file */
    uint64_t downloaded;       /* bytes fetched now (0 if everything was there) */
    int files;
};

/* Pulls repo ("org/name") into cache_dir (the Hub cache, made if missing).
 * variant: "" for the default file, a quantisation label or a file path.
 * Returns: SY_OK and *out; SY_EINVAL / SY_ENOTFOUND for a bad id or variant;
 *   the Hub client's errors; SY_ENODISK (disk full: what
 *   arrived stays, to resume); SY_EIO (unwritable cache); SY_EUPSTREAM
 *   when the bytes do not match their sha256 (nothing is kept). */
sy_code hub_pull(struct hub_client *hc, const char *cache_dir, const char *repo,
                 const char *variant, pull_fn fn, void *ctx, struct pull_result *out,
                 struct sy_err *err);

#endif
