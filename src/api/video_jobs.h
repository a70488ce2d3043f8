/* video_jobs.h -- the videos OpenAI's /v1/videos makes (openai_videos.c):
 * jobs that run on their own, tied to no connection, kept in memory until
 * they are deleted or expire, as OpenAI keeps them for a client to poll.
 *
 * A job is a request submitted through the router whose sink is the store:
 * its state ("queued", "in_progress", "completed", "failed"), progress,
 * error, and once completed its file. At most SY_VIDEO_JOBS_MAX jobs are kept
 * and their files hold at most SY_VIDEO_STORE_MAX bytes together; a finished
 * job is forgotten SY_VIDEO_TTL_S after it finished (its expires_at).
 * Thread-safety: every function may be called from any thread; the sink runs
 * on provider threads. Destroy the store only once the router is destroyed
 * (every job's sink has been released). */
#ifndef SY_API_VIDEO_JOBS_H
#define SY_API_VIDEO_JOBS_H

#include <jansson.h>
#include <stddef.h>

#include "core/request.h"
#include "router/router.h"
#include "util/err.h"

struct video_jobs;

struct api_metrics;

/* Returns: SY_OK and *out (video_jobs_destroy()) submitting through router
 * and counting each job's end in metrics (may be NULL; both borrowed for the
 * store's life); SY_ENOMEM. */
sy_code video_jobs_create(struct router *router, struct api_metrics *metrics,
                          struct video_jobs **out, struct sy_err *err);

/* Frees every job and the store. NULL is a no-op. */
void video_jobs_destroy(struct video_jobs *vj);

/* Starts req (a text-to-video request; moved in, left empty, even on failure) as a new job;
 * seconds and size are what the client asked, as OpenAI's object says them
 * (NULL: not asked). Returns: SY_OK and *object, the job as OpenAI's video
 * object (a new reference); SY_EBUSY when SY_VIDEO_JOBS_MAX are kept;
 * router_submit's errors (the model, its capabilities, the provider). */
sy_code video_jobs_start(struct video_jobs *vj, struct sy_request *req, const char *seconds,
                         const char *size, json_t **object, struct sy_err *err);

/* Returns: SY_OK and *object (a new reference); SY_ENOTFOUND. */
sy_code video_jobs_get(struct video_jobs *vj, const char *id, json_t **object,
                       struct sy_err *err);

/* A completed job's file: *data is a copy owned by the caller (free()), *type
 * its media type (static). Returns: SY_OK; SY_ENOTFOUND; SY_EINVAL while it
 * is not completed (saying its state), SY_EUPSTREAM for a failed job. */
sy_code video_jobs_content(struct video_jobs *vj, const char *id, void **data, size_t *len,
                           const char **type, struct sy_err *err);

/* Cancels the job if it runs, and forgets it. Returns: SY_OK; SY_ENOTFOUND. */
sy_code video_jobs_delete(struct video_jobs *vj, const char *id, struct sy_err *err);

/* Returns: the kept jobs' objects, newest first, at most limit (a new array;
 * NULL if out of memory); *more says whether others were left out. */
json_t *video_jobs_list(struct video_jobs *vj, size_t limit, bool *more);

#endif
