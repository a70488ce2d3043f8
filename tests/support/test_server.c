/* test_server.c -- spawning and stopping the server under test. */
#include "test_server.h"

#include "http_client.h"
#include "t.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *test_env(const char *name)
{
    const char *v = getenv(name);
    if (!v || !v[0]) {
        fprintf(stderr, "test: %s is not set; run the tests through ctest (make test)\n", name);
        exit(2);
    }
    return v;
}

int test_env_init(struct test_server *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->tmp, sizeof s->tmp, "/tmp/switchyard-test.XXXXXX");
    if (!mkdtemp(s->tmp))
        return -1;
    snprintf(s->models, sizeof s->models, "%s/models", s->tmp);
    snprintf(s->log, sizeof s->log, "%s/server.log", s->tmp);
    return mkdir(s->models, 0755);
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            char sub[PATH_MAX];
            snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
            remove_tree(sub);
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

void test_env_cleanup(struct test_server *s)
{
    if (s->tmp[0])
        remove_tree(s->tmp);
}

int test_server_start(struct test_server *s, const char *const *extra)
{
    const char *server = test_env("SY_TEST_SERVER");
    const char *worker = test_env("SY_TEST_WORKER");
    const char *argv[64];
    int n = 0;
    const char *base[] = {server, "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir",
                          s->tmp, "--models-dir", s->models, "--llama-worker", worker,
                          "--threads", "2", "--log-level", "warn"};
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
        argv[n++] = base[i];
    for (int i = 0; extra && extra[i] && n < 62; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;

    int out[2];
    if (pipe(out) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int log = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (log >= 0)
            dup2(log, STDERR_FILENO);
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        close(out[1]);
        execv(server, (char *const *)argv);
        _exit(127);
    }
    close(out[1]);
    s->pid = pid;
    char line[256];
    size_t used = 0;
    for (;;) {
        struct pollfd p = {.fd = out[0], .events = POLLIN};
        if (poll(&p, 1, 120000) <= 0)
            break;
        ssize_t r = read(out[0], line + used, sizeof line - 1 - used);
        if (r <= 0)
            break;
        used += (size_t)r;
        line[used] = '\0';
        char *nl = strchr(line, '\n');
        if (!nl)
            continue;
        const char *prefix = "listening on http://127.0.0.1:";
        if (strncmp(line, prefix, strlen(prefix)) == 0)
            s->port = atoi(line + strlen(prefix));
        break;
    }
    close(out[0]);
    if (s->port <= 0) {
        fprintf(stderr, "test: the server did not print its listening line\n");
        test_server_dump_log(s);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        s->pid = 0;
        return -1;
    }
    return 0;
}

int test_server_stop(struct test_server *s)
{
    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    int status = 0;
    for (int waited = 0; waited < 30000; waited += 20) {
        pid_t r = waitpid(s->pid, &status, WNOHANG);
        if (r == s->pid) {
            s->pid = 0;
            int rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            /* A sanitizer report from the server or any of its workers fails the test. */
            if (rc == 0 && (test_server_log_contains(s, "ERROR: AddressSanitizer") ||
                            test_server_log_contains(s, "ERROR: LeakSanitizer") ||
                            test_server_log_contains(s, "runtime error:"))) {
                fprintf(stderr, "test: a sanitizer reported an error in the server or a worker\n");
                rc = -2;
            }
            /* A failed check in the test is explained by what the server said. */
            if (rc != 0 || t_tests_failed > 0 || t_failed_checks > 0)
                test_server_dump_log(s);
            return rc;
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "test: the server ignored SIGTERM for 30 s; killing it\n");
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &status, 0);
    s->pid = 0;
    return -1;
}

pid_t test_find_process(const char *needle)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    pid_t self = getpid(), found = 0;
    struct dirent *de;
    while (!found && (de = readdir(d)) != NULL) {
        pid_t pid = (pid_t)atoi(de->d_name);
        if (pid <= 0 || pid == self)
            continue;
        char path[64], cmd[8192];
        snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(cmd, 1, sizeof cmd - 1, f);
        fclose(f);
        for (size_t i = 0; i < n; i++)
            if (cmd[i] == '\0')
                cmd[i] = ' ';
        cmd[n] = '\0';
        if (strstr(cmd, needle))
            found = pid;
    }
    closedir(d);
    return found;
}

int test_run(const char *const *argv)
{
    return test_run_logged(argv, NULL);
}

int test_run_logged(const char *const *argv, const char *log)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (log) {
            int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0)
                _exit(126);
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Runs the generator named by env with --out <dir>/<name><ext> and args. */
static int run_generator(const char *env, const char *dir, const char *name, const char *ext,
                         const char *const *args)
{
    char out[PATH_MAX];
    snprintf(out, sizeof out, "%s/%s%s", dir, name, ext);
    const char *argv[32] = {test_env(env), "--out", out};
    int n = 3;
    for (int i = 0; args && args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return test_run(argv) == 0 ? 0 : -1;
}

int test_make_model(const char *dir, const char *name, const char *const *args)
{
    return run_generator("SY_TEST_MAKE_MODEL", dir, name, ".gguf", args);
}

int test_make_whisper(const char *dir, const char *name, const char *const *args)
{
    return run_generator("SY_TEST_MAKE_WHISPER", dir, name, ".bin", args);
}

int test_server_log_contains(const struct test_server *s, const char *needle)
{
    FILE *f = fopen(s->log, "r");
    if (!f)
        return 0;
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

void test_server_dump_log(const struct test_server *s)
{
    enum { TAIL = 200 }; /* lines: the end is where a failure shows; a debug log is long */
    FILE *f = fopen(s->log, "r");
    if (!f)
        return;
    char line[4096];
    long lines = 0;
    while (fgets(line, sizeof line, f))
        lines++;
    rewind(f);
    printf("# ---- server log (%s) ----\n", s->log);
    if (lines > TAIL)
        printf("# ... %ld lines left out ...\n", lines - TAIL);
    for (long i = 0; fgets(line, sizeof line, f); i++)
        if (i >= lines - TAIL)
            printf("# %s", line);
    printf("# ---- end of server log ----\n");
    fclose(f);
}

int test_run_status(const struct test_server *s, const char *id)
{
    char path[160];
    snprintf(path, sizeof path, "/api/runs/%s", id);
    json_t *run = NULL;
    int status = http_json(s->port, "GET", path, NULL, &run);
    json_decref(run);
    return status;
}

int test_run_status_eventually(const struct test_server *s, const char *id)
{
    int status = 0;
    for (int i = 0; i < 400 && status != 200; i++) {
        status = test_run_status(s, id);
        if (status != 200)
            usleep(25 * 1000);
    }
    return status;
}

int test_server_start_tiny(struct test_server *s, const char *const *extra)
{
    if (test_env_init(s) != 0) {
        printf("Bail out! cannot make the test directories\n");
        return -1;
    }
    const char *tiny[] = {"--preset", "tiny", "--type", "q8_0", NULL};
    if (test_make_model(s->models, "tiny", tiny) != 0) {
        printf("Bail out! switchyard-make-model failed\n");
        return -1;
    }
    if (test_server_start(s, extra) != 0) {
        printf("Bail out! the server did not start\n");
        return -1;
    }
    return 0;
}
