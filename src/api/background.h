/* background.h -- answering a request from work done on a thread of its own.
 *
 * For handlers whose work waits on the network or the disk (the Hub): the
 * exchange is deferred, the work runs on a new thread, and its result is the
 * answer, so no HTTP thread waits. At most SY_BACKGROUND_MAX run at once;
 * beyond that the request gets 429. */
#ifndef SY_API_BACKGROUND_H
#define SY_API_BACKGROUND_H

#include <jansson.h>

#include "http/server.h"
#include "util/err.h"

#define SY_BACKGROUND_MAX 16

/* The work: returns the 200 body (a new reference), or NULL with err filled. */
typedef json_t *(*background_fn)(void *arg, struct sy_err *err);

/* Runs fn(arg) in the background and answers ex with its result. arg is
 * freed with free_arg (may be NULL) once fn has run, or at once if it never
 * starts. */
void api_background(struct http_exchange *ex, background_fn fn, void *arg,
                    void (*free_arg)(void *arg));

/* Returns: how many run now (the server waits for them before it frees what
 * they use). */
int api_background_running(void);

#endif
