/* worker_proc.h -- starting and ending one worker process.
 *
 * A worker gets one end of an AF_UNIX socketpair as descriptor 3, /dev/null as
 * stdin and the server's stderr as stdout/stderr (docs/PROTOCOL.md). Spawning
 * uses posix_spawn, never a bare fork, because the server is multi-threaded.
 * Not here: the protocol spoken over the socket (supervisor.c). */
#ifndef SY_WORKER_PROC_H
#define SY_WORKER_PROC_H

#include <stdbool.h>
#include <sys/types.h>

#include "util/err.h"

struct worker_proc {
    pid_t pid; /* 0 when not running */
    int fd;    /* our end of the socket, -1 when closed */
};

/* Starts argv[0] (a path) with argv; the socket is fd 3 in the child.
 * Returns: SY_OK and *out filled; SY_EIO naming the executable if it cannot
 *          be started (missing, not executable). */
sy_code worker_proc_spawn(char *const argv[], struct worker_proc *out, struct sy_err *err);

/* Closes our end of the socket (the worker sees EOF and exits). Idempotent. */
void worker_proc_close_socket(struct worker_proc *w);

/* Waits up to timeout_ms for the worker to exit, then SIGKILLs it and reaps it.
 * Writes how it ended into how ("exited with status 1", "killed by signal 9").
 * Idempotent: a reaped worker is left alone. */
void worker_proc_reap(struct worker_proc *w, int timeout_ms, char *how, size_t how_size);

/* Sends sig to a running worker (tests and cancellation of hung workers). */
void worker_proc_signal(const struct worker_proc *w, int sig);

#endif
