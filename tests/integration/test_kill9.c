/* test_kill9.c -- the server killed outright (SIGKILL) while it writes its
 * database leaves one that SQLite finds intact (PRAGMA integrity_check), and
 * a server started again on the same data directory serves it. */
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "http_client.h"
#include "t.h"
#include "test_server.h"

#define CLIENTS 64

static struct test_server srv;

static long runs_kept(void)
{
    json_t *resp = NULL;
    long n = -1;
    if (http_json(srv.port, "GET", "/api/runs?limit=1000", NULL, &resp) == 200)
        n = (long)json_array_size(json_object_get(resp, "runs"));
    json_decref(resp);
    return n;
}

static void test_kill_during_writes(void)
{
    /* Many short runs at once: each ends with a history write. */
    struct http_conn conns[CLIENTS];
    const char *body = "{\"model_id\":\"tiny\",\"inputs\":{\"text\":\"Write me down\"},"
                       "\"settings\":{\"max_new_tokens\":2}}";
    for (int i = 0; i < CLIENTS; i++) {
        T_REQUIRE(http_conn_open(&conns[i], srv.port) == 0);
        T_REQUIRE(http_conn_send(&conns[i], "POST", "/api/inference",
                                 "Content-Type: application/json\r\n", body, strlen(body)) == 0);
    }
    /* Once some rows are in (the writes are under way), kill it. A net
     * against hanging: 400 looks. */
    for (int i = 0; i < 400 && runs_kept() < 4; i++)
        usleep(25 * 1000);
    T_ASSERT(runs_kept() >= 4);
    kill(srv.pid, SIGKILL);
    waitpid(srv.pid, NULL, 0);
    srv.pid = 0;
    for (int i = 0; i < CLIENTS; i++)
        http_conn_close(&conns[i]);

    char path[512];
    snprintf(path, sizeof path, "%s/switchyard.db", srv.tmp);
    sqlite3 *db = NULL;
    T_REQUIRE(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
    sqlite3_stmt *st = NULL;
    T_REQUIRE(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK);
    T_EQ_INT(sqlite3_step(st), SQLITE_ROW);
    T_EQ_STR((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(db);

    /* Started again on the same directory, it serves what was kept. */
    T_REQUIRE(test_server_start(&srv, NULL) == 0);
    T_ASSERT(runs_kept() >= 4);
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(srv.port, "/api/inference",
                            json_pack("{s:s, s:{s:s}, s:{s:i}}", "model_id", "tiny", "inputs",
                                      "text", "Again", "settings", "max_new_tokens", 2),
                            &resp),
             200);
    json_decref(resp);
}

int main(void)
{
    if (test_server_start_tiny(&srv, NULL) != 0)
        return 1;
    T_RUN(test_kill_during_writes);
    T_EQ_INT(test_server_stop(&srv), 0);
    test_env_cleanup(&srv);
    return t_done();
}
