/* main.c -- switchyard-speech: the built-in speech engines, one per worker,
 * served over a socket to the Switchyard supervisor (docs/PROTOCOL.md,
 * "Speech workers").
 *
 * Reads top to bottom: arguments, the engine's start (or its description),
 * then the loop that runs one request at a time. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engines/frame.h"
#include "util/log.h"
#include "workers/speech/link.h"
#include "workers/speech/stt_pocketsphinx.h"
#include "workers/speech/tts_espeak.h"

struct args {
    int fd;
    const char *engine, *model, *log_level;
    bool describe;
};

static int parse_args(int argc, char **argv, struct args *a)
{
    *a = (struct args){.fd = -1, .log_level = "warn"};
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i];
        if (strcmp(k, "--describe") == 0) {
            a->describe = true;
            continue;
        }
        if (i + 1 >= argc)
            return -1;
        const char *v = argv[++i];
        if (strcmp(k, "--fd") == 0) {
            char *end;
            errno = 0;
            long fd = strtol(v, &end, 10);
            if (errno || *end || fd < 0 || fd > 1 << 20)
                return -1;
            a->fd = (int)fd;
        } else if (strcmp(k, "--engine") == 0) {
            a->engine = v;
        } else if (strcmp(k, "--model") == 0) {
            a->model = v;
        } else if (strcmp(k, "--log-level") == 0) {
            a->log_level = v;
        } else if (strcmp(k, "--threads") != 0 && strcmp(k, "--ctx-size") != 0 &&
                   strcmp(k, "--slots") != 0 && strcmp(k, "--batch") != 0) {
            return -1; /* those four are the llama worker's, accepted and ignored */
        }
    }
    if (a->fd < 0 || !a->model || !a->engine ||
        (strcmp(a->engine, "espeak-ng") != 0 && strcmp(a->engine, "pocketsphinx") != 0))
        return -1;
    return 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    struct args a;
    if (parse_args(argc, argv, &a) != 0) {
        fprintf(stderr, "usage: switchyard-speech --fd N --engine espeak-ng|pocketsphinx "
                        "--model PATH [--log-level L] [--describe]\n");
        return 2;
    }
    sy_log_set_level(a.log_level);
    sy_log_set_tag(a.engine);
    struct link l = {.fd = a.fd, .queue = json_array()};
    bool tts = strcmp(a.engine, "espeak-ng") == 0;
    char why[512];
    double t0 = now_ms();
    int rate = 0;
    if (tts) {
        rate = tts_espeak_init(a.model, why, sizeof why);
        if (!rate)
            return link_fatal(&l, why);
    } else {
        bool verbose = strcmp(a.log_level, "debug") == 0;
        if (!stt_init(a.model, a.describe, verbose, why, sizeof why))
            return link_fatal(&l, why);
        rate = STT_RATE;
    }
    int status = 0;
    if (a.describe) {
        status = link_send(&l, tts ? tts_espeak_describe() : stt_describe()) ? 0 : 1;
        goto out;
    }
    if (!link_send(&l, json_pack("{s:s, s:i, s:i, s:i, s:f}", "type", "ready", "protocol", 1,
                                 "n_slots", 1, "sample_rate", rate, "load_ms", now_ms() - t0))) {
        status = 1;
        goto out;
    }
    log_debug("%s ready (%d Hz)", a.engine, rate);

    while (!l.shutdown) {
        json_t *msg = link_next(&l);
        if (!msg)
            break;
        const char *type = frame_type(msg);
        const json_t *idv = json_object_get(msg, "id");
        bool ok = true;
        if (strcmp(type, "shutdown") == 0) {
            l.shutdown = true;
        } else if (strcmp(type, "cancel") == 0 || strcmp(type, "threads") == 0) {
            /* a cancel for a request already over, or nothing to share */
        } else if (!json_is_integer(idv)) {
            log_error("frame '%s' without an id; stopping", type);
            ok = false;
        } else if (tts && strcmp(type, "synthesize") == 0) {
            l.current = (uint64_t)json_integer_value(idv);
            l.cancelled = false;
            ok = tts_espeak_run(&l, msg);
            l.current = 0;
        } else if (!tts && strcmp(type, "transcribe") == 0) {
            ok = stt_run(&l, msg);
        } else {
            ok = link_error(&l, (uint64_t)json_integer_value(idv), "invalid_request",
                            "this worker runs %s and cannot do '%s'", a.engine, type);
        }
        json_decref(msg);
        if (!ok)
            break;
    }
    status = l.broken && !l.shutdown ? 1 : 0;
out:
    if (tts)
        tts_espeak_close();
    else
        stt_close();
    json_decref(l.queue);
    return status;
}
