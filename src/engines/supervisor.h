/* supervisor.h -- worker lifecycle and request multiplexing for local models.
 *
 * One worker process per model, started on the first request for it. Every
 * request becomes a job with a unique id; its `generate` frame is sent when the
 * worker is ready, and the worker's frames for that id come back as events on
 * the job's sink (from the engine's reader thread). If a worker dies, every job
 * on it ends with an SY_EENGINE error saying how it died, and the next request
 * starts a fresh worker. Concurrent jobs on one model are multiplexed into its
 * single worker, which batches them (docs/PROTOCOL.md).
 * Thread-safety: all functions may be called from any thread. */
#ifndef SY_SUPERVISOR_H
#define SY_SUPERVISOR_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/event.h"
#include "util/err.h"

struct supervisor;

struct supervisor_config {
    const char *llama_worker; /* path of the switchyard-llama executable (copied) */
    unsigned threads;         /* threads each worker decodes with */
    unsigned ctx_size;        /* context tokens per slot */
    unsigned slots;           /* parallel sequences per worker */
    unsigned batch;           /* tokens per llama_decode call */
    const char *log_level;    /* passed to workers (copied) */
};

enum engine_state { ENGINE_STOPPED, ENGINE_LOADING, ENGINE_READY };

/* Returns: SY_OK and *out, owned by the caller (supervisor_destroy()). */
sy_code supervisor_create(const struct supervisor_config *cfg, struct supervisor **out,
                          struct sy_err *err);

/* Asks every worker to shut down, kills those that do not within 2 s, ends
 * every open job with an error and frees everything. NULL is a no-op. */
void supervisor_destroy(struct supervisor *sup);

/* Starts a generation on the model file at path (model_id names it in messages).
 * generate is the `generate` frame without type and id (borrowed; copied).
 * Takes ownership of sink, even on failure: on failure sink.release is called
 * and no event is emitted.
 * Returns: SY_OK and *job_id; SY_EENGINE if the worker cannot be started. */
sy_code supervisor_submit(struct supervisor *sup, const char *model_id, const char *path,
                          const json_t *generate, struct sy_sink sink, uint64_t *job_id,
                          struct sy_err *err);

/* Asks for job_id to stop; its sink still receives its final event. Unknown or
 * finished ids are ignored. */
void supervisor_cancel(struct supervisor *sup, uint64_t job_id);

/* Returns: the state of the worker for path. */
enum engine_state supervisor_state(struct supervisor *sup, const char *path);

/* Returns: the pid of the worker for path, or 0 if none runs. */
pid_t supervisor_worker_pid(struct supervisor *sup, const char *path);

#endif
