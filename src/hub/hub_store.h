/* hub_store.h -- Hub answers kept in SQLite, so listings and model info are
 * fast and survive restarts.
 *
 * One row per request (its path and query): the body, the Hub's ETag, its
 * next-page link, when it was fetched, and the body's sha256. A row whose checksum or JSON does not
 * hold (a torn write, a disk error, someone editing the file) is dropped,
 * logged and reported missing, so the caller fetches it again; a database
 * file SQLite cannot open as one is moved aside and started afresh.
 * Thread-safety: all functions may be called from any thread. */
#ifndef SY_HUB_STORE_H
#define SY_HUB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct hub_store;

struct hub_stored {
    char *body;       /* NUL-terminated JSON, owned (free()) */
    size_t len;
    char etag[160];
    char next[2048];    /* Link rel="next", "" if none */
    int64_t fetched_at; /* Unix ms */
};

/* Opens (creating) the database at path.
 * Returns: SY_OK and *out (hub_store_close()); SY_EIO naming the file. */
sy_code hub_store_open(const char *path, struct hub_store **out, struct sy_err *err);

void hub_store_close(struct hub_store *st); /* NULL is a no-op */

/* Looks key up. Returns: SY_OK with *found (and *out filled when found);
 * SY_EIO if the database cannot be read. */
sy_code hub_store_get(struct hub_store *st, const char *key, struct hub_stored *out, bool *found,
                      struct sy_err *err);

/* Stores (replacing) key's answer. */
sy_code hub_store_put(struct hub_store *st, const char *key, const char *etag, const char *next,
                      const char *body, size_t len, int64_t fetched_at, struct sy_err *err);

/* Marks key's answer as confirmed current at fetched_at (a 304). */
sy_code hub_store_touch(struct hub_store *st, const char *key, int64_t fetched_at,
                        struct sy_err *err);

#endif
