/* hub_client.h -- the Hugging Face Hub over HTTP (libcurl): model info, file
 * metadata and file downloads.
 *
 * The endpoint comes from configuration and the token from HF_TOKEN; the
 * token is sent only to the endpoint's own host (a redirect to a CDN on
 * another host goes without it). Redirects are followed by hand: relative
 * ones (renamed repositories) for metadata, then the file's own location.
 * Every answer is size-capped on decoded bytes and every call has connect and
 * total (or low-speed) timeouts. Hub errors keep their meaning: X-Error-Code
 * RepoNotFound / RevisionNotFound / EntryNotFound → SY_ENOTFOUND, GatedRepo
 * and 401/403 → SY_EFORBIDDEN, other 4xx/5xx → SY_EUPSTREAM with the status,
 * timeouts → SY_ETIMEOUT, refused or broken connections → SY_EUPSTREAM.
 * Thread-safety: a client may be used from several threads at once. */
#ifndef SY_HUB_CLIENT_H
#define SY_HUB_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "hub/hub_repo.h"
#include "util/err.h"

struct hub_client_config {
    const char *endpoint;     /* "https://huggingface.co" (copied; no trailing '/') */
    const char *token;        /* may be NULL (copied; never logged) */
    long connect_timeout_s;   /* 0: 10 s */
    long api_timeout_s;       /* whole API call; 0: 30 s */
    long stall_timeout_s;     /* a download slower than 1 KiB/s this long fails; 0: 60 s */
};

struct hub_client;

/* Returns: SY_OK and *out (hub_client_destroy()); SY_EINVAL for a bad endpoint. */
sy_code hub_client_create(const struct hub_client_config *cfg, struct hub_client **out,
                          struct sy_err *err);

void hub_client_destroy(struct hub_client *hc); /* NULL is a no-op */

/* Returns: whether a token is configured (for messages about gated models). */
bool hub_client_has_token(const struct hub_client *hc);

struct hub_answer {
    long status;      /* 200, or 304 when if_none_match still holds */
    char etag[160];   /* the answer's ETag, as sent (quotes kept: it goes back as is) */
    char next[2048];  /* the Link rel="next" URL, "" if none */
    char *body;       /* 200: the body, NUL-terminated, owned (free()); else NULL */
    size_t len;
};

/* GET an API answer: target is a path with its query ("/api/models?search=x"),
 * or an absolute URL on the endpoint (a `next` link). if_none_match may be
 * NULL. what names the thing asked for in error messages.
 * Returns: SY_OK with out->status 200 or 304; the errors above; SY_EUPSTREAM
 *          for a target off the endpoint. */
sy_code hub_api_get(struct hub_client *hc, const char *target, const char *if_none_match,
                    const char *what, struct hub_answer *out, struct sy_err *err);

/* Returns: the endpoint, without a trailing '/'. */
const char *hub_client_endpoint(const struct hub_client *hc);

/* GET /api/models/{repo}/revision/{revision}?blobs=true: the model's info,
 * siblings with sizes and LFS sha256. repo and revision already checked.
 * Returns: SY_OK and *out (json_decref()); the errors above. */
sy_code hub_model_info(struct hub_client *hc, const char *repo, const char *revision,
                       json_t **out, struct sy_err *err);

struct hub_file_meta {
    char commit[SY_HUB_COMMIT_MAX + 1]; /* X-Repo-Commit */
    char etag[SY_HUB_ETAG_MAX + 1];     /* X-Linked-Etag, else ETag, unquoted: the blob's name */
    uint64_t size;                      /* X-Linked-Size, else Content-Length */
    char url[2048];                     /* where the bytes are (the redirect's target) */
};

/* HEAD {endpoint}/{repo}/resolve/{revision}/{path}, following relative
 * redirects. The commit and ETag are checked (hub_commit_ok, hub_etag_ok).
 * Returns: SY_OK and *out; the errors above. */
sy_code hub_file_meta(struct hub_client *hc, const char *repo, const char *revision,
                      const char *path, struct hub_file_meta *out, struct sy_err *err);

/* Called as bytes arrive: done of total. Returns false to stop the download
 * (hub_download then fails with SY_ECANCELLED). */
typedef bool (*hub_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/* Writes meta->url's bytes to fd, which holds `have` bytes of them already
 * (asked for with Range and If-Range: meta->etag; a server that answers 200
 * instead -- it ignores ranges, or the object changed -- sends everything,
 * so fd is truncated and *restarted set). At most meta->size bytes are taken.
 * Returns: SY_OK once meta->size bytes are in fd; the errors above; SY_ENODISK
 * if the disk is full (what was written stays); SY_EIO if fd cannot be
 * written for another reason. */
sy_code hub_download(struct hub_client *hc, const struct hub_file_meta *meta, int fd, uint64_t have,
                     hub_progress_fn progress, void *ctx, bool *restarted, struct sy_err *err);

#endif
