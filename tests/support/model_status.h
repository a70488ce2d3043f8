/* model_status.h -- reading GET /api/models/status from tests, and waiting on it.
 *
 * Residency changes (keep_alive expiry, cancelled slots, crashes) happen on
 * the server's own time, so tests poll for the state they expect, up to about
 * 20 s, rather than sleep a fixed time. */
#ifndef SY_TEST_MODEL_STATUS_H
#define SY_TEST_MODEL_STATUS_H

#include <jansson.h>
#include <stdbool.h>

/* Returns: model's object from /api/models/status (a new reference), or NULL. */
json_t *test_model_status(int port, const char *model);

/* Returns: its "status" ("loaded", ...), or "?" if it has none; valid until the next call. */
const char *test_model_state(int port, const char *model);

/* Returns: an integer field of its status, or -1 if it has none. */
long long test_model_status_int(int port, const char *model, const char *field);

/* Poll until the state, or the integer field, has the wanted value.
 * Returns: whether it did before the time ran out. */
bool test_wait_model_state(int port, const char *model, const char *state);
bool test_wait_model_status_int(int port, const char *model, const char *field, long long want);

#endif
