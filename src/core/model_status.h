/* model_status.h -- whether a model is in memory, and what residency costs.
 *
 * Providers that keep models resident (the local engines) report one of these
 * per model; /api/models/status and /metrics render them. Plain data. */
#ifndef SY_MODEL_STATUS_H
#define SY_MODEL_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"
#include "util/limits.h"

enum sy_model_state {
    SY_MODEL_UNLOADED,
    SY_MODEL_LOADING,
    SY_MODEL_LOADED,
    SY_MODEL_UNLOADING,
    SY_MODEL_FAILED
};

struct sy_model_status {
    char id[SY_MODEL_ID_MAX + 1];
    enum sy_model_state state;
    char reason[SY_ERR_MSG_MAX]; /* why it failed, or how it last stopped; may be "" */
    uint64_t memory_estimate;    /* bytes held against the budget while running */
    uint64_t memory_rss;         /* the worker's resident memory now, 0 if none runs */
    unsigned slots;              /* parallel sequences when loaded */
    unsigned threads;            /* its share of the thread budget when loaded */
    unsigned active, queued;     /* requests decoding, requests waiting for a slot */
    int64_t last_used_ms;        /* Unix ms of the last use; 0 never */
    int64_t expires_at_ms;       /* Unix ms it unloads if still idle; 0 not scheduled */
    int64_t keep_alive_ms;       /* < 0: never expires */
    unsigned crashes;            /* consecutive crashes */
    unsigned restarts;           /* worker restarts after crashes, ever */
    double load_ms;              /* how long the last load took, 0 if never loaded */
    int pid;                     /* 0 when no worker runs */
};

struct sy_residency_totals {
    uint64_t memory_budget, memory_used; /* used: estimates of running workers */
    uint64_t loads, load_failures, evictions, expirations, restarts, crashes;
    unsigned threads;            /* the thread budget the models share */
};

/* Per-request residency options (Ollama's keep_alive, HF's wait_for_model). */
struct sy_residency {
    bool wait_for_load;    /* false: refuse with SY_ELOADING unless loaded */
    bool has_keep_alive;   /* keep_alive_ms replaces the model's keep-alive */
    int64_t keep_alive_ms; /* < 0: stay loaded; 0: unload when idle */
};

/* Returns: "unloaded", "loading", "loaded", "unloading" or "failed". */
const char *model_state_name(enum sy_model_state state);

#endif
