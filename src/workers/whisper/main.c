/* main.c -- switchyard-whisper: one whisper.cpp model (a ggml "ggml-*.bin"
 * file from the Hub), served over a socket to the Switchyard supervisor
 * (docs/PROTOCOL.md, "The whisper worker").
 *
 * Reads top to bottom: arguments, loading the model, then the loop that runs
 * one request at a time. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <whisper.h>

#include "engines/frame.h"
#include "util/log.h"
#include "workers/speech/link.h"
#include "workers/whisper/transcribe.h"

struct args {
    int fd, threads;
    const char *model, *log_level;
};

static bool parse_int(const char *v, int max, int *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < 0 || n > max)
        return false;
    *out = (int)n;
    return true;
}

static int parse_args(int argc, char **argv, struct args *a)
{
    *a = (struct args){.fd = -1, .threads = 4, .log_level = "warn"};
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i];
        if (i + 1 >= argc)
            return -1;
        const char *v = argv[++i];
        if (strcmp(k, "--fd") == 0) {
            if (!parse_int(v, 1 << 20, &a->fd))
                return -1;
        } else if (strcmp(k, "--threads") == 0) {
            if (!parse_int(v, 512, &a->threads) || a->threads < 1)
                return -1;
        } else if (strcmp(k, "--model") == 0) {
            a->model = v;
        } else if (strcmp(k, "--log-level") == 0) {
            a->log_level = v;
        } else if (strcmp(k, "--ctx-size") != 0 && strcmp(k, "--slots") != 0 &&
                   strcmp(k, "--batch") != 0) {
            return -1; /* those three are the llama worker's, accepted and ignored */
        }
    }
    return a->fd < 0 || !a->model ? -1 : 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* whisper.cpp and its ggml talk a lot while loading: only at debug level. */
static void engine_log(enum wsp_ggml_log_level level, const char *text, void *user)
{
    (void)user;
    size_t n = strlen(text);
    while (n && text[n - 1] == '\n')
        n--;
    if (!n)
        return;
    if (level == WSP_GGML_LOG_LEVEL_ERROR && !whisper_transcribe_stopping())
        log_warn("whisper.cpp: %.*s", (int)n, text);
    else
        log_debug("whisper.cpp: %.*s", (int)n, text);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    struct args a;
    if (parse_args(argc, argv, &a) != 0) {
        fprintf(stderr, "usage: switchyard-whisper --fd N --model PATH [--threads N] "
                        "[--log-level L]\n");
        return 2;
    }
    sy_log_set_level(a.log_level);
    sy_log_set_tag("whisper.cpp");
    whisper_log_set(engine_log, NULL);
    struct link l = {.fd = a.fd, .queue = json_array(), .threads = a.threads};
    double t0 = now_ms();
    struct whisper_context_params cp = whisper_context_default_params();
    cp.use_gpu = false;
    struct whisper_context *ctx = whisper_init_from_file_with_params(a.model, cp);
    if (!ctx) {
        char why[512];
        snprintf(why, sizeof why,
                 "whisper.cpp cannot load %s: it is not a whisper model in ggml format, or it "
                 "is damaged (run the server with log_level debug for whisper.cpp's reason)",
                 a.model);
        return link_fatal(&l, why);
    }
    int status = 0;
    if (!link_send(&l, json_pack("{s:s, s:i, s:i, s:i, s:f}", "type", "ready", "protocol", 1,
                                 "n_slots", 1, "sample_rate", WHISPER_RATE, "load_ms",
                                 now_ms() - t0))) {
        status = 1;
        goto out;
    }

    while (!l.shutdown) {
        json_t *msg = link_next(&l);
        if (!msg)
            break;
        const char *type = frame_type(msg);
        const json_t *idv = json_object_get(msg, "id");
        bool ok = true;
        if (strcmp(type, "shutdown") == 0) {
            l.shutdown = true;
        } else if (strcmp(type, "threads") == 0) {
            json_int_t n = json_integer_value(json_object_get(msg, "n"));
            if (n >= 1 && n <= 1024)
                l.threads = (int)n; /* from the next request on */
        } else if (strcmp(type, "cancel") == 0) {
            /* a cancel for a request already over */
        } else if (!json_is_integer(idv)) {
            log_error("frame '%s' without an id; stopping", type);
            ok = false;
        } else if (strcmp(type, "transcribe") == 0) {
            ok = whisper_transcribe(ctx, l.threads, &l, msg);
        } else {
            ok = link_error(&l, (uint64_t)json_integer_value(idv), "invalid_request",
                            "this worker runs whisper.cpp and cannot do '%s'", type);
        }
        json_decref(msg);
        if (!ok)
            break;
    }
    status = l.broken && !l.shutdown ? 1 : 0;
out:
    whisper_free(ctx);
    json_decref(l.queue);
    return status;
}
