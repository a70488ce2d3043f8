/* test_storage.c -- the server's SQLite database when SQLite says no.
 *
 * Another process holds the database's write lock (BEGIN EXCLUSIVE, as a
 * backup tool or a stuck sqlite3 shell would): runs are still answered, the
 * history that could not be written is logged with SQLite's reason, the
 * history stays readable meanwhile, and once the lock is released new runs
 * are recorded again -- without a restart. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "http_client.h"
#include "t.h"
#include "test_server.h"

static struct test_server srv;

static json_t *run_request(const char *text)
{
    return json_pack("{s:s, s:{s:s}, s:{s:i}}", "model_id", "tiny", "inputs", "text", text,
                     "settings", "max_new_tokens", 2);
}

static void test_locked_database(void)
{
    char path[400];
    snprintf(path, sizeof path, "%s/switchyard.db", srv.tmp);
    sqlite3 *db = NULL;
    T_REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    T_REQUIRE(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) == SQLITE_OK);

    json_t *first = NULL;
    T_EQ_INT(http_post_json(srv.port, "/api/inference", run_request("Locked"), &first), 200);
    T_ASSERT(json_is_string(json_object_get(
        json_object_get(json_object_get(first, "result"), "task_output"), "text")));
    /* The writer gives up after its busy timeout (5 s) and says why. */
    bool logged = false;
    for (int i = 0; i < 300 && !logged; i++) {
        logged = test_server_log_contains(&srv, "database is locked");
        if (!logged)
            usleep(50 * 1000);
    }
    T_ASSERT(logged);
    T_ASSERT(test_server_log_contains(&srv, "the run itself was not affected"));
    json_t *list = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/api/runs", NULL, &list), 200);
    json_decref(list);

    T_EQ_INT(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    json_t *second = NULL;
    T_EQ_INT(http_post_json(srv.port, "/api/inference", run_request("Free"), &second), 200);
    T_EQ_INT(test_run_status_eventually(&srv, jstr(json_object_get(second, "id"))), 200);
    T_EQ_INT(test_run_status(&srv, jstr(json_object_get(first, "id"))), 404); /* lost, said so */
    json_decref(first);
    json_decref(second);
}

int main(void)
{
    if (test_server_start_tiny(&srv, NULL) != 0)
        return 1;
    T_RUN(test_locked_database);
    T_EQ_INT(test_server_stop(&srv), 0);
    test_env_cleanup(&srv);
    return t_done();
}
