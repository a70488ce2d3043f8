/* runs.c -- the run history in SQLite (WAL, so readers never wait on the
 * writer). */
#include "store/runs.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/db_step.h"
#include "util/fault.h"
#include "util/log.h"

struct runs {
    pthread_mutex_t lock;
    sqlite3 *db;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS runs ("
    " id TEXT PRIMARY KEY, created INTEGER NOT NULL, task TEXT NOT NULL, model TEXT NOT NULL,"
    " input TEXT NOT NULL, settings TEXT NOT NULL, output TEXT, error TEXT, finish TEXT,"
    " ttft_ms REAL, tokens_per_second REAL, duration_ms REAL);"
    "CREATE INDEX IF NOT EXISTS runs_created ON runs(created);";

sy_code runs_open(const char *path, struct runs **out, struct sy_err *err)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        sy_code rc = sy_errf(err, SY_EIO, "cannot open the run history in %s: %s", path,
                             db ? db_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    struct runs *r = calloc(1, sizeof *r);
    if (!r) {
        sqlite3_close(db);
        return sy_errf(err, SY_ENOMEM, "out of memory opening the run history");
    }
    pthread_mutex_init(&r->lock, NULL);
    r->db = db;
    *out = r;
    return SY_OK;
}

void runs_close(struct runs *r)
{
    if (!r)
        return;
    sqlite3_close(r->db);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

/* Binds text cut to max bytes, never inside a UTF-8 sequence. */
static void bind_cut(sqlite3_stmt *st, int i, const char *s, size_t max)
{
    if (!s) {
        sqlite3_bind_null(st, i);
        return;
    }
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    sqlite3_bind_text(st, i, s, (int)n, SQLITE_TRANSIENT);
}

sy_code runs_add(struct runs *r, const struct run_record *rec, struct sy_err *err)
{
    if (fault_hit("runs.write"))
        return sy_errf(err, SY_EIO, "cannot write run %s to the history: disk I/O error "
                       "(injected)", rec->id);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    pthread_mutex_lock(&r->lock);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(r->db,
                                "INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, rec->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_text(st, 3, rec->task, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, rec->model, -1, SQLITE_TRANSIENT);
        bind_cut(st, 5, rec->input ? rec->input : "", RUNS_INPUT_MAX);
        bind_cut(st, 6, rec->settings ? rec->settings : "{}", 4096);
        bind_cut(st, 7, rec->output, RUNS_OUTPUT_MAX);
        bind_cut(st, 8, rec->error, 1024);
        bind_cut(st, 9, rec->finish, 64);
        sqlite3_bind_double(st, 10, rec->ttft_ms);
        sqlite3_bind_double(st, 11, rec->tokens_per_second);
        sqlite3_bind_double(st, 12, rec->duration_ms);
        rc = db_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_OK && sqlite3_prepare_v2(r->db,
                                              "DELETE FROM runs WHERE id IN (SELECT id FROM runs "
                                              "ORDER BY created DESC LIMIT -1 OFFSET ?)",
                                              -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int(st, 1, RUNS_KEEP); /* keep the newest */
        db_step(st);
        sqlite3_finalize(st);
    }
    sy_code out = rc == SQLITE_OK ? SY_OK
                                  : sy_errf(err, SY_EIO, "cannot record the run: %s",
                                            db_errmsg(r->db));
    pthread_mutex_unlock(&r->lock);
    return out;
}

static json_t *column(sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL: return json_null();
    case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT: return json_real(sqlite3_column_double(st, i));
    default: return json_stringn((const char *)sqlite3_column_text(st, i),
                                 (size_t)sqlite3_column_bytes(st, i));
    }
}

static json_t *row(sqlite3_stmt *st, bool whole)
{
    json_t *o = json_object();
    int n = sqlite3_column_count(st);
    for (int i = 0; o && i < n; i++) {
        const char *name = sqlite3_column_name(st, i);
        json_t *v = column(st, i);
        if (whole && strcmp(name, "settings") == 0 && json_is_string(v)) {
            json_t *parsed = json_loads(json_string_value(v), 0, NULL);
            if (parsed) {
                json_decref(v);
                v = parsed;
            }
        }
        json_object_set_new(o, name, v ? v : json_null());
    }
    return o;
}

sy_code runs_list(struct runs *r, int limit, json_t **out, struct sy_err *err)
{
    pthread_mutex_lock(&r->lock);
    sqlite3_stmt *st = NULL;
    json_t *list = json_array();
    int rc = sqlite3_prepare_v2(r->db,
                                "SELECT id, created, task, model, input, finish, error, ttft_ms,"
                                " tokens_per_second, duration_ms FROM runs"
                                " ORDER BY created DESC, rowid DESC LIMIT ?",
                                -1, &st, NULL);
    if (rc == SQLITE_OK)
        sqlite3_bind_int(st, 1, limit);
    while (rc == SQLITE_OK && (rc = db_step(st)) == SQLITE_ROW) {
        json_array_append_new(list, row(st, false));
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    sy_code result = rc == SQLITE_DONE ? SY_OK
                                       : sy_errf(err, SY_EIO, "cannot read the run history: %s",
                                                 db_errmsg(r->db));
    pthread_mutex_unlock(&r->lock);
    if (result != SY_OK) {
        json_decref(list);
        return result;
    }
    *out = list;
    return SY_OK;
}

sy_code runs_get(struct runs *r, const char *id, json_t **out, struct sy_err *err)
{
    pthread_mutex_lock(&r->lock);
    sqlite3_stmt *st = NULL;
    json_t *found = NULL;
    int rc = sqlite3_prepare_v2(r->db, "SELECT * FROM runs WHERE id = ?", -1, &st, NULL);
    if (rc == SQLITE_OK)
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK && (rc = db_step(st)) == SQLITE_ROW)
        found = row(st, true);
    sqlite3_finalize(st);
    sy_code result = found                ? SY_OK
                     : rc == SQLITE_DONE  ? sy_errp(err, SY_ENOTFOUND, "id", "no run '%s'", id)
                                          : sy_errf(err, SY_EIO, "cannot read the run history: %s",
                                                    db_errmsg(r->db));
    pthread_mutex_unlock(&r->lock);
    *out = found;
    return result;
}

sy_code runs_delete(struct runs *r, const char *id, struct sy_err *err)
{
    pthread_mutex_lock(&r->lock);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(r->db, "DELETE FROM runs WHERE id = ?", -1, &st, NULL);
    if (rc == SQLITE_OK)
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
        rc = db_step(st);
    sqlite3_finalize(st);
    sy_code result = rc != SQLITE_DONE ? sy_errf(err, SY_EIO, "cannot delete the run: %s",
                                                 db_errmsg(r->db))
                     : sqlite3_changes(r->db) == 0
                         ? sy_errp(err, SY_ENOTFOUND, "id", "no run '%s'", id)
                         : SY_OK;
    pthread_mutex_unlock(&r->lock);
    return result;
}
