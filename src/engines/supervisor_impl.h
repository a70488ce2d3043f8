/* supervisor_impl.h -- the supervisor's internals, shared by its two files:
 * supervisor.c (lifecycle, budget, the public API) and supervisor_run.c (one
 * running worker: its writer and reader threads and the frames they carry).
 *
 * Locking: one mutex, sup->lock, guards every field below. Sinks are never
 * called under it (a sink may call back into the supervisor to cancel).
 *
 * Ownership of a job's final event: whoever unlinks the job from its list
 * (under sup->lock) emits its terminal event and releases its sink. The reader
 * emits non-terminal events outside the lock; that is safe because only the
 * reader unlinks jobs the worker has seen (the writer unlinks a job only when
 * its frame could not be sent at all, so the worker never saw it). */
#ifndef SY_SUPERVISOR_IMPL_H
#define SY_SUPERVISOR_IMPL_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "engines/supervisor.h"
#include "engines/worker_proc.h"

struct job {
    uint64_t id;
    struct sy_sink sink;
    bool cancelled;
    struct job *next;
};

struct outgoing {
    json_t *frame;
    uint64_t job_id; /* 0 for frames that belong to no job */
    struct outgoing *next;
};

struct engine;

/* One worker process and the jobs open on it. */
struct run {
    struct supervisor *sup;
    struct engine *eng;
    struct worker_proc proc;
    struct outgoing *out_head, *out_tail;
    pthread_cond_t out_cond;
    bool stopping;      /* the reader is done; the writer must exit */
    bool stop_sent;     /* we asked it to shut down: its end is not a crash */
    bool drain;         /* shut down as soon as no job is open */
    pthread_t writer;
    struct job *jobs;   /* open generation jobs, oldest first */
    bool ready;
    uint64_t memory;    /* the estimate held against the budget */
    unsigned slots;     /* as the worker reported them; until then, the estimate's */
    unsigned threads;   /* its share of the thread budget, as last sent */
    unsigned sample_rate; /* speech workers: the rate of their audio, from `ready` */
    char fatal[SY_ERR_MSG_MAX]; /* the worker's `fatal` message, if it sent one */
    atomic_llong last_output_ms; /* monotonic: its last frame, or when work came to it idle */
    bool stalled;                /* the keeper killed it for silence */
    char stall_how[96];          /* ... and how that reads in errors */
};

/* A model the supervisor has seen; kept after it unloads for its history. */
struct engine {
    char path[PATH_MAX];
    char model_id[SY_MODEL_ID_MAX + 1];
    enum engine_kind kind;
    struct sy_memory_estimate memory;
    struct run *run;             /* NULL when no worker runs */
    struct job *load_waiters;    /* DONE when ready, ERROR if the run ends first */
    struct job *unload_waiters;  /* DONE when the run has ended */
    int64_t keep_alive_ms;
    int64_t last_used;           /* monotonic ms, 0 never */
    unsigned crashes;            /* consecutive */
    unsigned restarts;
    int64_t restart_not_before;  /* monotonic ms */
    bool failed;
    char reason[SY_ERR_MSG_MAX];
    double load_ms;
    struct engine *next;
};

struct supervisor {
    pthread_mutex_t lock;
    pthread_cond_t readers_changed; /* a run ended (its process reaped) */
    pthread_cond_t keeper_wake;     /* something changed an expiry */
    pthread_t keeper;
    bool keeper_started;
    unsigned n_readers;
    uint64_t next_id;
    bool closing;
    struct engine *engines;
    char worker[PATH_MAX];        /* switchyard-llama */
    char speech_worker[PATH_MAX]; /* switchyard-speech */
    char whisper_worker[PATH_MAX]; /* switchyard-whisper */
    char log_level[16];
    unsigned threads, ctx_size, slots, batch, queue_max, restart_limit;
    int64_t stall_ms;             /* 0: never */
    uint64_t memory_budget;
    int64_t keep_alive_ms;
    struct sy_residency_totals totals; /* counters only; gauges are computed */
};

/* Monotonic milliseconds. */
int64_t sup_now_ms(void);

/* Frees a job after emitting ev to its sink and releasing it. Without sup->lock. */
void job_finish(struct job *job, const struct sy_event *ev);

/* job_finish with an ERROR event of code and msg. */
void job_fail(struct job *job, sy_code code, const char *msg);

/* Finishes every job of a detached list with DONE (msg NULL) or an error. */
void jobs_finish_all(struct job *list, sy_code code, const char *msg);

/* Starts a worker for eng with `threads` threads; caller holds sup->lock.
 * Returns: SY_OK; SY_EENGINE. */
sy_code run_start(struct supervisor *sup, struct engine *eng, unsigned threads,
                  struct sy_err *err);

/* Queues frame (ownership taken) for the run's writer. Caller holds sup->lock. */
void run_enqueue(struct run *run, json_t *frame, uint64_t job_id);

/* Asks the run's worker to exit (idempotent). Caller holds sup->lock. */
void run_request_stop(struct run *run);

/* The run's end as the supervisor sees it: called by the reader once the
 * process is reaped, with sup->lock held. Returns the jobs and waiters to
 * fail (load waiters, then generation jobs) and to complete (unload waiters);
 * fills msg with the error they get. Implemented in supervisor.c. */
void engine_run_ended(struct supervisor *sup, struct run *run, const char *how,
                      struct job **fail, struct job **complete, char *msg, size_t msg_size);

/* A job left run (it ended, or never reached the worker); caller holds
 * sup->lock. completed: it ended with DONE, not cancelled. Implemented in
 * supervisor.c: updates last use, expiry, the crash count and thread shares. */
void engine_job_done(struct supervisor *sup, struct run *run, bool completed);

/* The worker reported `ready`; caller holds sup->lock. Returns the load
 * waiters to complete. Implemented in supervisor.c. */
struct job *engine_ready(struct supervisor *sup, struct run *run, double load_ms);

#endif
