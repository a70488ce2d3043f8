/* runs.h -- the history of task-API runs (the playground's "Runs"), kept in
 * SQLite in the data directory.
 *
 * One row per run: its task, model, a summary of its input, the settings it
 * asked for, its output (text, capped) or its error, and its timings. Rows
 * are written once, when the run's exchange closes; a failed write is logged
 * and never fails the run itself.
 * Thread-safety: all functions may be called from any thread. */
#ifndef SY_RUNS_H
#define SY_RUNS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

#define RUNS_OUTPUT_MAX (64 * 1024) /* bytes of output kept per run */
#define RUNS_INPUT_MAX 512          /* bytes of input summary kept per run */
#define RUNS_KEEP 1000              /* runs kept; older ones are dropped */

struct runs;

struct run_record {
    const char *id, *task, *model;
    const char *input;    /* summary of what was asked */
    const char *settings; /* JSON object text */
    const char *output;   /* may be NULL */
    const char *error;    /* NULL when it succeeded */
    const char *finish;   /* "stop", "length", "cancelled", or the error code */
    double ttft_ms, tokens_per_second, duration_ms;
};

/* Opens (creating) the history in the database at path.
 * Returns: SY_OK and *out (runs_close()); SY_EIO naming the file. */
sy_code runs_open(const char *path, struct runs **out, struct sy_err *err);
void runs_close(struct runs *r); /* NULL is a no-op */

/* Adds a run (strings copied, cut to the limits above). Returns: SY_OK; SY_EIO. */
sy_code runs_add(struct runs *r, const struct run_record *rec, struct sy_err *err);

/* The newest `limit` runs, without their output: *out is a new array. */
sy_code runs_list(struct runs *r, int limit, json_t **out, struct sy_err *err);

/* One run, whole. Returns: SY_OK and *out; SY_ENOTFOUND; SY_EIO. */
sy_code runs_get(struct runs *r, const char *id, json_t **out, struct sy_err *err);

/* Deletes one run. Returns: SY_OK; SY_ENOTFOUND; SY_EIO. */
sy_code runs_delete(struct runs *r, const char *id, struct sy_err *err);

#endif
