/* supervisor.h -- the life of local engines: loading, budget, batching, recovery.
 *
 * One worker process per loaded model. Every request becomes a job whose
 * `generate` frame goes to the model's worker, which batches the jobs it holds
 * (docs/PROTOCOL.md); the worker's frames for a job come back as events on the
 * job's sink, from the engine's reader thread.
 *
 * Residency: every running worker holds its model's memory estimate against
 * one budget. A load that would not fit first stops least-recently-used idle
 * models and waits for them to exit; a model that can never fit is refused
 * with the numbers. Idle models unload after their keep-alive.
 *
 * Recovery: if a worker dies, every job on it ends with an SY_EENGINE error
 * saying how; the next request restarts it, after a back-off that grows with
 * consecutive crashes; after `restart_limit` crashes in a row (or a load that
 * fails outright) the model is `failed` until someone loads it explicitly.
 * Thread-safety: all functions may be called from any thread. */
#ifndef SY_SUPERVISOR_H
#define SY_SUPERVISOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/event.h"
#include "core/model_info.h"
#include "core/model_status.h"
#include "engines/engine_kind.h"
#include "engines/memory_estimate.h"
#include "util/err.h"
#include "util/limits.h"

struct supervisor;

struct supervisor_config {
    const char *llama_worker; /* path of the switchyard-llama executable (copied) */
    const char *speech_worker; /* path of the switchyard-speech executable (copied) */
    const char *whisper_worker; /* path of the switchyard-whisper executable (copied) */
    unsigned threads;         /* threads each worker decodes with */
    unsigned ctx_size;        /* context tokens per slot */
    unsigned slots;           /* parallel sequences per worker */
    unsigned batch;           /* tokens per llama_decode call */
    const char *log_level;    /* passed to workers (copied) */
    uint64_t memory_budget;   /* bytes all running models' estimates must fit in */
    int64_t keep_alive_ms;    /* idle time before a model unloads; < 0: never */
    unsigned queue_max;       /* requests waiting per model beyond its busy slots */
    unsigned restart_limit;   /* consecutive crashes before a model is marked failed */
    int64_t stall_timeout_ms; /* a worker silent this long with requests open is killed; 0 never */
};

/* A model as the supervisor needs to know it. */
struct engine_model {
    enum engine_kind kind;
    const char *id;   /* as clients name it (messages, status) */
    const char *path; /* the GGUF file or the engine's data; the engine's identity */
    struct sy_memory_estimate memory;
};

/* Returns: SY_OK and *out, owned by the caller (supervisor_destroy()). */
sy_code supervisor_create(const struct supervisor_config *cfg, struct supervisor **out,
                          struct sy_err *err);

/* Asks every worker to shut down, kills those that do not within 2 s, ends
 * every open job with an error and frees everything. NULL is a no-op. */
void supervisor_destroy(struct supervisor *sup);

/* The sizing memory estimates are made for (ctx per slot, slots, batch). */
struct engine_sizing supervisor_sizing(const struct supervisor *sup);

/* The keep-alive a model gets until a request sets its own (ms; < 0 never). */
int64_t supervisor_keep_alive_ms(const struct supervisor *sup);

/* Starts a job. request is its first frame without id (borrowed; copied):
 * `generate` unless it has a `type` of its own (`synthesize`, `transcribe`);
 * follow (may be NULL; borrowed, its frames get the job's id) is an array of
 * frames sent right after it with the same id (the audio a `transcribe`
 * decodes); each must stay under SY_FRAME_MAX. Takes ownership of sink, even on
 * failure: on failure sink.release is called and no event is emitted.
 * Returns: SY_OK and *job_id;
 *   SY_ELOADING  the model is not loaded and opts->wait_for_load is false (a
 *                load is started; err.retry_after_s estimates how long);
 *   SY_EBUSY     the model's queue is full (retry_after_s set);
 *   SY_ENOSPACE  the model can never fit in the memory budget (numbers named);
 *   SY_EUNAVAILABLE  busy models hold the memory it needs, or it is backing
 *                off after a crash (retry_after_s set);
 *   SY_EENGINE   the model failed, or its worker cannot be started. */
sy_code supervisor_submit(struct supervisor *sup, const struct engine_model *model,
                          const struct sy_residency *opts, const json_t *request,
                          json_t *follow, struct sy_sink sink, uint64_t *job_id, struct sy_err *err);

/* Loads a model (clearing a `failed` mark). sink gets DONE once it is loaded
 * (at once if it already is) or ERROR if the load fails; ownership as above.
 * Returns: SY_OK, or the residency errors of supervisor_submit. */
sy_code supervisor_load(struct supervisor *sup, const struct engine_model *model,
                        const struct sy_residency *opts, struct sy_sink sink, struct sy_err *err);

/* Unloads the model at path once its open requests finish. sink gets DONE
 * when its worker has exited (at once if none runs); ownership as above. */
void supervisor_unload(struct supervisor *sup, const char *path, struct sy_sink sink);

/* Asks for job_id to stop; its sink still receives its final event. Unknown or
 * finished ids are ignored. */
void supervisor_cancel(struct supervisor *sup, uint64_t job_id);

/* Fills *out with the state of the model at path (SY_MODEL_UNLOADED and zeros
 * for a model never used; id is then ""). */
void supervisor_status(struct supervisor *sup, const char *path, struct sy_model_status *out);

/* Fills *out with the counters and the memory the running models hold. */
void supervisor_totals(struct supervisor *sup, struct sy_residency_totals *out);

#endif
