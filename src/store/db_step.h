/* db_step.h -- sqlite3_step with a fault site, for every statement the
 * server runs (run history, Hub cache).
 *
 * In test builds the site "sqlite.step" makes a step fail as a disk that
 * went bad or read-only would (SQLITE_IOERR), so tests can check that each
 * caller degrades the way it promises. db_errmsg() then names the injected
 * failure, where sqlite3_errmsg() would say "not an error".
 * Thread-safety: as sqlite3_step; the injected state is per thread. */
#ifndef SY_DB_STEP_H
#define SY_DB_STEP_H

#include <sqlite3.h>

/* Returns: sqlite3_step(st), or SQLITE_IOERR when the fault site fires. */
int db_step(sqlite3_stmt *st);

/* Returns: the message for the last failed call on db in this thread. */
const char *db_errmsg(sqlite3 *db);

#endif
