/* hub_store.c -- one SQLite table of Hub answers. */
#include "hub/hub_store.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_step.h"
#include "util/log.h"

struct hub_store {
    pthread_mutex_t lock;
    sqlite3 *db;
};

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS hub_answers ("
    "  key TEXT PRIMARY KEY,"
    "  fetched_at INTEGER NOT NULL,"
    "  etag TEXT NOT NULL,"
    "  next TEXT NOT NULL,"
    "  body BLOB NOT NULL,"
    "  sha256 TEXT NOT NULL)";

static void sha256_hex(const char *data, size_t len, char hex[65])
{
    unsigned char d[32];
    unsigned int n = 0;
    EVP_Digest(data, len, d, &n, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static sqlite3 *open_db(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

sy_code hub_store_open(const char *path, struct hub_store **out, struct sy_err *err)
{
    sqlite3 *db = open_db(path);
    if (!db) {
        /* Not a database (any more): keep it for inspection, start a new one. */
        char aside[4200];
        snprintf(aside, sizeof aside, "%s.corrupt", path);
        if (rename(path, aside) == 0) {
            log_warn("the Hub cache database %s could not be opened; moved it to %s and started "
                     "a new one",
                     path, aside);
            db = open_db(path);
        }
    }
    if (!db)
        return sy_errf(err, SY_EIO, "cannot open the database %s", path);
    struct hub_store *st = calloc(1, sizeof *st);
    if (!st) {
        sqlite3_close(db);
        return sy_errf(err, SY_ENOMEM, "out of memory opening %s", path);
    }
    pthread_mutex_init(&st->lock, NULL);
    st->db = db;
    *out = st;
    return SY_OK;
}

void hub_store_close(struct hub_store *st)
{
    if (!st)
        return;
    sqlite3_close(st->db);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

static sy_code db_error(struct hub_store *st, const char *what, struct sy_err *err)
{
    return sy_errf(err, SY_EIO, "the Hub cache database failed to %s: %s", what,
                   db_errmsg(st->db));
}

/* Drops a row that did not hold. Caller holds the lock. */
static void drop_row(struct hub_store *st, const char *key, const char *why)
{
    log_warn("dropping a corrupted Hub cache row (%s); it is fetched again", why);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "DELETE FROM hub_answers WHERE key = ?", -1, &s, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
        db_step(s);
    }
    sqlite3_finalize(s);
}

sy_code hub_store_get(struct hub_store *st, const char *key, struct hub_stored *out, bool *found,
                      struct sy_err *err)
{
    *found = false;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&st->lock);
    sqlite3_stmt *s = NULL;
    sy_code rc = SY_OK;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT fetched_at, etag, body, sha256, next FROM hub_answers "
                           "WHERE key = ?",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = db_error(st, "read", err);
        goto out;
    }
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    int step = db_step(s);
    if (step == SQLITE_DONE)
        goto out;
    if (step != SQLITE_ROW) {
        rc = db_error(st, "read", err);
        goto out;
    }
    const void *body = sqlite3_column_blob(s, 2);
    size_t len = (size_t)sqlite3_column_bytes(s, 2);
    const char *etag = (const char *)sqlite3_column_text(s, 1);
    const char *sha = (const char *)sqlite3_column_text(s, 3);
    const char *next = (const char *)sqlite3_column_text(s, 4);
    char want[65];
    sha256_hex(body ? body : "", len, want);
    json_t *parsed = body ? json_loadb(body, len, 0, NULL) : NULL;
    bool ok = parsed && sha && strcmp(sha, want) == 0 && etag && next;
    json_decref(parsed);
    if (!ok) {
        sqlite3_finalize(s);
        s = NULL;
        drop_row(st, key, parsed ? "its checksum does not match" : "it is not JSON");
        goto out;
    }
    out->body = malloc(len + 1);
    if (!out->body) {
        rc = sy_errf(err, SY_ENOMEM, "out of memory reading the Hub cache");
        goto out;
    }
    memcpy(out->body, body, len);
    out->body[len] = '\0';
    out->len = len;
    snprintf(out->etag, sizeof out->etag, "%s", etag);
    snprintf(out->next, sizeof out->next, "%s", next);
    out->fetched_at = sqlite3_column_int64(s, 0);
    *found = true;
out:
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->lock);
    return rc;
}

sy_code hub_store_put(struct hub_store *st, const char *key, const char *etag, const char *next,
                      const char *body, size_t len, int64_t fetched_at, struct sy_err *err)
{
    char sha[65];
    sha256_hex(body, len, sha);
    pthread_mutex_lock(&st->lock);
    sqlite3_stmt *s = NULL;
    sy_code rc = SY_OK;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT OR REPLACE INTO hub_answers "
                           "(key, fetched_at, etag, body, sha256, next) VALUES (?, ?, ?, ?, ?, ?)",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = db_error(st, "write", err);
    } else {
        sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, fetched_at);
        sqlite3_bind_text(s, 3, etag ? etag : "", -1, SQLITE_STATIC);
        sqlite3_bind_blob(s, 4, body, (int)len, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, sha, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 6, next ? next : "", -1, SQLITE_STATIC);
        if (db_step(s) != SQLITE_DONE)
            rc = db_error(st, "write", err);
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->lock);
    return rc;
}

sy_code hub_store_touch(struct hub_store *st, const char *key, int64_t fetched_at,
                        struct sy_err *err)
{
    pthread_mutex_lock(&st->lock);
    sqlite3_stmt *s = NULL;
    sy_code rc = SY_OK;
    if (sqlite3_prepare_v2(st->db, "UPDATE hub_answers SET fetched_at = ? WHERE key = ?", -1, &s,
                           NULL) != SQLITE_OK) {
        rc = db_error(st, "write", err);
    } else {
        sqlite3_bind_int64(s, 1, fetched_at);
        sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
        if (db_step(s) != SQLITE_DONE)
            rc = db_error(st, "write", err);
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->lock);
    return rc;
}
