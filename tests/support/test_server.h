/* test_server.h -- running the real switchyard binary for integration tests.
 *
 * Each test gets a fresh temporary data directory with a models/ folder, and
 * the server binary named by SY_TEST_SERVER (set by CTest) listening on a free
 * loopback port. Stopping sends SIGTERM and waits, as an operator would. */
#ifndef SY_TEST_SERVER_H
#define SY_TEST_SERVER_H

#include <limits.h>
#include <sys/types.h>

struct test_server {
    pid_t pid;
    int port;
    char tmp[256];         /* temporary data directory, removed by test_env_cleanup */
    char models[PATH_MAX]; /* tmp/models */
    char log[PATH_MAX];    /* the server's stderr, tmp/server.log */
};

/* Returns: the environment variable's value; exits the test with a message if unset. */
const char *test_env(const char *name);

/* Creates the temporary directories. Returns 0 or -1. */
int test_env_init(struct test_server *s);

/* Removes the temporary directory and everything in it. */
void test_env_cleanup(struct test_server *s);

/* Starts the server over s->models; extra is a NULL-terminated list of more
 * arguments (may be NULL). Waits for its "listening on" line.
 * Returns 0, or -1 if it did not start (its stderr explains). */
int test_server_start(struct test_server *s, const char *const *extra);

/* The usual start: fresh directories, one generated model named "tiny"
 * (preset tiny, q8_0) in s->models, and the server started with extra (may be
 * NULL). Prints "Bail out!" with what failed. Returns 0 or -1. */
int test_server_start_tiny(struct test_server *s, const char *const *extra);

/* Sends SIGTERM and waits. Returns the exit status, -1 if it had to be killed
 * or died of a signal, -2 if its log holds a sanitizer report (from the server
 * or any worker it ran). */
int test_server_stop(struct test_server *s);

/* Runs argv (argv[0] a path) to completion. Returns its exit status, or -1. */
int test_run(const char *const *argv);

/* Same, with its stdout and stderr written to the file at log (truncated). */
int test_run_logged(const char *const *argv, const char *log);

/* Writes a generated model to <dir>/<name>.gguf with switchyard-make-model
 * (SY_TEST_MAKE_MODEL); args are more generator flags (NULL-terminated, may be
 * NULL), e.g. {"--preset", "tiny", "--no-chat-template", NULL}. Returns 0 or -1. */
int test_make_model(const char *dir, const char *name, const char *const *args);

/* Writes a generated whisper model to <dir>/<name>.bin with
 * switchyard-make-whisper (SY_TEST_MAKE_WHISPER); args as above. */
int test_make_whisper(const char *dir, const char *name, const char *const *args);

/* GET /api/runs/{id} at s. Returns: its status (200 once the run's row is
 * written, which follows the run's answer). */
int test_run_status(const struct test_server *s, const char *id);

/* test_run_status until 200; a net against hanging: 10 s. Returns the last
 * status. */
int test_run_status_eventually(const struct test_server *s, const char *id);

/* Returns: whether the server's log so far contains needle. */
int test_server_log_contains(const struct test_server *s, const char *needle);

/* Copies the server's log to stdout as TAP comments (for failing tests). */
void test_server_dump_log(const struct test_server *s);

/* Returns: the pid of the first process whose command line contains needle
 * (other than this test), or 0. */
pid_t test_find_process(const char *needle);

#endif
