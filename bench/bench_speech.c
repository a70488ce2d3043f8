/* bench_speech.c -- the speech engines called directly versus through the API.
 *
 * Real-time factor (wall time / audio time; below 1 is faster than real
 * time) of text-to-speech (espeak-ng) and speech-to-text (pocketsphinx, and
 * whisper.cpp on a generated model of whisper base's shape: random weights,
 * real compute), measured two ways one after the other on the same text and
 * audio:
 *   direct: the worker driven over its own protocol (what the engine
 *           costs, with nothing of the server in the way);
 *   http:   POST /v1/audio/speech (wav) and POST /v1/audio/transcriptions
 *           to a real `switchyard serve`, the way an OpenAI client calls it.
 *
 *   bench_speech [--runs N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audio/audio_decode.h"
#include "engines/frame.h"
#include "engines/worker_proc.h"
#include "http_client.h"
#include "test_server.h"
#include "util/base64.h"

static const char *TEXT =
    "The old lighthouse keeper climbed the spiral stairs every evening at dusk, counting each of "
    "the steps as his father had before him. From the gallery he could see the fishing boats "
    "returning to the harbour, their lanterns bobbing on the dark water.";

struct rtf {
    double wall_ms, audio_s;
};

/* whisper at a fixed temperature: one decoding pass per window. At 0 its
 * random weights would fail every quality check and retry at five
 * temperatures with five decoders each, which a trained model rarely does. */
#define WHISPER_T 0.2

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- direct: the worker over its protocol ----------------------------------------------- */

/* The built-in engines' worker, or (engine NULL) the whisper worker on the
 * model at data with the server's two threads. */
static int start_worker(const char *engine, const char *data, struct worker_proc *w)
{
    char *argv[] = {(char *)SY_BENCH_SPEECH_WORKER, "--fd", "3", "--engine", (char *)engine,
                    "--model", (char *)data, "--log-level", "warn", NULL};
    char *whisper[] = {(char *)SY_BENCH_WHISPER_WORKER, "--fd", "3", "--model", (char *)data,
                       "--threads", "2", "--log-level", "warn", NULL};
    if (worker_proc_spawn(engine ? argv : whisper, w, NULL) != SY_OK)
        return -1;
    json_t *ready = NULL;
    int rc = frame_read_json(w->fd, &ready, NULL) == SY_OK &&
                     strcmp(frame_type(ready), "ready") == 0
                 ? 0
                 : -1;
    json_decref(ready);
    return rc;
}

static void stop_worker(struct worker_proc *w)
{
    json_t *bye = json_pack("{s:s}", "type", "shutdown");
    frame_write_json(w->fd, bye, NULL);
    json_decref(bye);
    worker_proc_reap(w, 2000, NULL, 0);
}

/* Reads frames for one request until done; counts audio samples. */
static int await_done(int fd, size_t *samples, double *audio_s)
{
    for (;;) {
        json_t *msg = NULL;
        if (frame_read_json(fd, &msg, NULL) != SY_OK)
            return -1;
        const char *type = frame_type(msg);
        if (strcmp(type, "audio") == 0 && samples) {
            const char *b64 = json_string_value(json_object_get(msg, "pcm"));
            *samples += b64 ? strlen(b64) / 4 * 3 / 2 : 0;
        }
        if (strcmp(type, "error") == 0) {
            fprintf(stderr, "worker error: %s\n",
                    json_string_value(json_object_get(msg, "message")));
            json_decref(msg);
            return -1;
        }
        if (strcmp(type, "done") == 0) {
            *audio_s = json_number_value(json_object_get(msg, "audio_seconds"));
            json_decref(msg);
            return 0;
        }
        json_decref(msg);
    }
}

static int direct_tts(struct worker_proc *w, int id, struct rtf *out)
{
    double t0 = now_ms();
    json_t *req = json_pack("{s:s, s:i, s:s, s:s, s:i}", "type", "synthesize", "id", id, "text",
                            TEXT, "voice", "en-us", "rate", 175);
    int rc = frame_write_json(w->fd, req, NULL) == SY_OK ? 0 : -1;
    json_decref(req);
    size_t samples = 0;
    if (rc == 0)
        rc = await_done(w->fd, &samples, &out->audio_s);
    out->wall_ms = now_ms() - t0;
    return rc;
}

/* temperature: sent when above 0 (whisper only). */
static int direct_stt(struct worker_proc *w, int id, const struct audio_pcm *pcm,
                      double temperature, struct rtf *out)
{
    double t0 = now_ms();
    json_t *req = json_pack("{s:s, s:i, s:I, s:i}", "type", "transcribe", "id", id, "samples",
                            (json_int_t)pcm->n, "sample_rate", 16000);
    if (temperature > 0)
        json_object_set_new(req, "temperature", json_real(temperature));
    int rc = frame_write_json(w->fd, req, NULL) == SY_OK ? 0 : -1;
    json_decref(req);
    for (size_t at = 0; rc == 0 && at < pcm->n; at += 65536) {
        size_t n = pcm->n - at < 65536 ? pcm->n - at : 65536;
        struct sy_buf b64;
        buf_init(&b64, 1u << 24);
        base64_encode(pcm->samples + at, n * 2, &b64, NULL);
        json_t *chunk = json_pack("{s:s, s:i, s:s}", "type", "audio", "id", id, "pcm", b64.data);
        rc = frame_write_json(w->fd, chunk, NULL) == SY_OK ? 0 : -1;
        json_decref(chunk);
        buf_cleanup(&b64);
    }
    if (rc == 0)
        rc = await_done(w->fd, NULL, &out->audio_s);
    out->wall_ms = now_ms() - t0;
    return rc;
}

/* ---- http: the server ------------------------------------------------------------------- */

static int http_tts(int port, struct sy_buf *wav, struct rtf *out)
{
    char *body = NULL;
    json_t *b = json_pack("{s:s, s:s, s:s, s:s}", "model", "tts-1", "input", TEXT, "voice",
                          "alloy", "response_format", "wav");
    body = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    struct http_response r;
    double t0 = now_ms();
    int rc = http_request(port, "POST", "/v1/audio/speech", "Content-Type: application/json\r\n",
                          body, &r);
    out->wall_ms = now_ms() - t0;
    free(body);
    if (rc != 0 || r.status != 200) {
        fprintf(stderr, "bench_speech: /v1/audio/speech answered %d: %.200s\n", rc ? -1 : r.status,
                r.body.data ? r.body.data : "");
        http_response_cleanup(&r);
        return -1;
    }
    struct audio_pcm pcm;
    struct sy_err err;
    if (audio_decode(r.body.data, r.body.len, 16000, 600, &pcm, &err) != SY_OK) {
        fprintf(stderr, "bench_speech: the speech did not decode: %s\n", err.msg);
        http_response_cleanup(&r);
        return -1;
    }
    out->audio_s = pcm.source_seconds;
    audio_pcm_cleanup(&pcm);
    if (wav) {
        *wav = r.body;
        buf_init(&r.body, 0);
    }
    http_response_cleanup(&r);
    return 0;
}

static int http_stt(int port, const char *model, const struct sy_buf *wav, double audio_s,
                    double temperature, struct rtf *out)
{
    struct sy_buf body;
    buf_init(&body, 1u << 26);
    if (temperature > 0)
        buf_printf(&body, NULL,
                   "--bench-boundary\r\nContent-Disposition: form-data; "
                   "name=\"temperature\"\r\n\r\n%g\r\n",
                   temperature);
    buf_printf(&body, NULL,
               "--bench-boundary\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n"
               "%s\r\n--bench-boundary\r\nContent-Disposition: form-data; "
               "name=\"file\"; filename=\"a.wav\"\r\n"
               "Content-Type: audio/wav\r\n\r\n",
               model);
    buf_append(&body, wav->data, wav->len, NULL);
    buf_append_str(&body, "\r\n--bench-boundary--\r\n", NULL);
    struct http_conn c;
    struct http_response r;
    memset(&r, 0, sizeof r);
    int rc = http_conn_open(&c, port);
    double t0 = now_ms();
    if (rc == 0)
        rc = http_conn_send(&c, "POST", "/v1/audio/transcriptions",
                            "Content-Type: multipart/form-data; boundary=bench-boundary\r\n",
                            body.data,
                            body.len);
    if (rc == 0)
        rc = http_conn_read_head(&c, &r);
    if (rc == 0)
        rc = http_conn_read_body(&c, &r);
    out->wall_ms = now_ms() - t0;
    out->audio_s = audio_s;
    http_conn_close(&c);
    buf_cleanup(&body);
    if (rc == 0 && r.status != 200) {
        fprintf(stderr, "bench_speech: /v1/audio/transcriptions answered %d: %.200s\n", r.status,
                r.body.data ? r.body.data : "");
        rc = -1;
    } else if (rc != 0) {
        fprintf(stderr, "bench_speech: /v1/audio/transcriptions: no answer\n");
    }
    http_response_cleanup(&r);
    return rc;
}

static void print_row(const char *what, const struct rtf *direct, const struct rtf *http)
{
    double d = direct->wall_ms / 1e3 / direct->audio_s, h = http->wall_ms / 1e3 / http->audio_s;
    printf("%-22s %7.2f s audio  direct %7.1f ms (RTF %.3f)  http %7.1f ms (RTF %.3f)  x%.2f\n",
           what, http->audio_s, direct->wall_ms, d, http->wall_ms, h, h / d);
}

int main(int argc, char **argv)
{
    int runs = 3;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
    setenv("SY_TEST_SERVER", SY_BENCH_SERVER, 0);
    setenv("SY_TEST_WORKER", SY_BENCH_WORKER, 0);
    struct test_server srv;
    char whisper[8192];
    if (test_env_init(&srv) != 0)
        return 1;
    snprintf(whisper, sizeof whisper, "%s/ggml-base.en.bin", srv.models);
    const char *make[] = {SY_BENCH_MAKE_WHISPER, "--out", whisper, "--preset", "base",
                          "--english", NULL};
    if (test_run(make) != 0) {
        fprintf(stderr, "bench_speech: switchyard-make-whisper failed\n");
        return 1;
    }
    if (test_server_start(&srv, NULL) != 0) {
        fprintf(stderr, "bench_speech: the server did not start\n");
        return 1;
    }
    printf("speech: real-time factor = wall time / audio time (lower is faster), "
           "both with the engine loaded\n");
    struct sy_buf wav;
    struct rtf warm;
    int rc = http_tts(srv.port, &wav, &warm); /* loads espeak-ng */
    struct audio_pcm pcm = {0};
    if (rc == 0)
        rc = audio_decode(wav.data, wav.len, 16000, 600, &pcm, NULL) == SY_OK ? 0 : -1;
    /* The first request to each loads it. */
    if (rc == 0)
        rc = http_stt(srv.port, "pocketsphinx-en-us", &wav, pcm.source_seconds, 0, &warm);
    if (rc == 0)
        rc = http_stt(srv.port, "ggml-base.en", &wav, pcm.source_seconds, WHISPER_T, &warm);
    if (rc != 0)
        fprintf(stderr, "bench_speech: warming up the engines through the API failed\n");
    struct worker_proc tts = {0}, stt = {0}, wsp = {0};
    if (rc == 0 && (start_worker("espeak-ng", SY_BENCH_ESPEAK_DATA, &tts) != 0 ||
                    start_worker("pocketsphinx", SY_BENCH_POCKETSPHINX_MODEL, &stt) != 0 ||
                    start_worker(NULL, whisper, &wsp) != 0)) {
        fprintf(stderr, "bench_speech: cannot start a speech worker\n");
        rc = -1;
    }
    for (int run = 0; rc == 0 && run < runs; run++) {
        struct rtf d_tts, h_tts, d_stt, h_stt, d_wsp, h_wsp;
        double secs = pcm.source_seconds;
        const char *failed =
            direct_tts(&tts, run + 1, &d_tts) != 0                            ? "direct tts"
            : http_tts(srv.port, NULL, &h_tts) != 0                           ? "http tts"
            : direct_stt(&stt, run + 1, &pcm, 0, &d_stt) != 0                    ? "direct stt"
            : http_stt(srv.port, "pocketsphinx-en-us", &wav, secs, 0, &h_stt) != 0 ? "http stt"
            : direct_stt(&wsp, run + 1, &pcm, WHISPER_T, &d_wsp) != 0                    ? "direct whisper"
            : http_stt(srv.port, "ggml-base.en", &wav, secs, WHISPER_T, &h_wsp) != 0     ? "http whisper"
                                                                              : NULL;
        if (failed) {
            fprintf(stderr, "bench_speech: %s failed\n", failed);
            rc = -1;
            break;
        }
        printf("run %d\n", run + 1);
        print_row("  tts espeak-ng", &d_tts, &h_tts);
        print_row("  stt pocketsphinx", &d_stt, &h_stt);
        print_row("  stt whisper base.en", &d_wsp, &h_wsp);
    }
    if (rc != 0)
        test_server_dump_log(&srv);
    if (tts.pid)
        stop_worker(&tts);
    if (stt.pid)
        stop_worker(&stt);
    if (wsp.pid)
        stop_worker(&wsp);
    audio_pcm_cleanup(&pcm);
    if (wav.data)
        buf_cleanup(&wav);
    test_server_stop(&srv);
    test_env_cleanup(&srv);
    return rc == 0 ? 0 : 1;
}
