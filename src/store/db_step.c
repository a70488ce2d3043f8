/* db_step.c -- sqlite3_step behind the "sqlite.step" fault site. */
#include "store/db_step.h"

#include <stdbool.h>

#include "util/fault.h"

static _Thread_local bool injected; /* the last step in this thread was made to fail */

int db_step(sqlite3_stmt *st)
{
    injected = fault_hit("sqlite.step");
    return injected ? SQLITE_IOERR : sqlite3_step(st);
}

const char *db_errmsg(sqlite3 *db)
{
    /* An injected step leaves the connection untouched: a real failure since
     * (a prepare) has its own code and message. */
    if (injected && sqlite3_errcode(db) == SQLITE_OK)
        return "disk I/O error (injected)";
    return sqlite3_errmsg(db);
}
