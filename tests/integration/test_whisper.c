/* test_whisper.c -- whisper.cpp end to end: models the project's generator
 * writes (random weights, whisper.cpp's own file format, tiny shape) run
 * through the real loader, mel front end, encoder, decoder and timestamp
 * logic, behind the OpenAI, Hugging Face and task surfaces of the real server.
 *
 * Random weights hear nothing in particular, so the words are not checked;
 * everything else is: every response format's structure, segments in time
 * order inside the audio, the transcript being its segments' text, language
 * detection and the checks on languages, translation, streaming, cancelling,
 * and files that are not (or not whole) whisper models. The speech comes from
 * espeak-ng through the server itself. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "audio/audio_decode.h"
#include "http_client.h"
#include "hub_server.h"
#include "metric.h"
#include "model_status.h"
#include "t.h"
#include "test_server.h"
#include "util/base64.h"
#include "util/utf8.h"

static struct test_server srv;
static struct sy_buf speech_wav; /* ~35 s of espeak-ng: more than one 30 s window */
static double speech_seconds;

static const char paragraph[] =
    "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background. "
    "It is easy to tell the depth of a well. These days a chicken leg is a rare dish. Rice is "
    "often served in round bowls. The juice of lemons makes fine punch. The box was thrown "
    "beside the parked truck. The hogs were fed chopped corn and garbage. Four hours of steady "
    "work faced us. A large size in stockings is hard to sell. The boy was there when the sun "
    "rose. A rod is used to catch pink salmon. The source of the huge river is the clear "
    "spring. Kick the ball straight and follow through. Help the woman get back to her feet.";

/* ---- helpers ---------------------------------------------------------------------------- */

static json_t *body_json(const struct http_response *r)
{
    return json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
}

static void expect_error(const struct http_response *r, int want, const char *param)
{
    if (r->status != want)
        printf("#   got %d (want %d): %.*s\n", r->status, want, (int)r->body.len,
               r->body.data ? r->body.data : "");
    T_EQ_INT(r->status, want);
    json_t *body = body_json(r);
    json_t *err = json_object_get(body, "error");
    T_ASSERT(json_is_string(json_object_get(err, "message")));
    if (param)
        T_EQ_STR(json_string_value(json_object_get(err, "param")), param);
    json_decref(body);
}

/* POSTs a multipart form (name/value pairs, then the file) to path. */
static int post_form(const char *path, const struct sy_buf *file, const char *const *fields,
                     struct http_response *r)
{
    return http_post_multipart(srv.port, path, file, fields, r);
}

/* A 16 kHz mono WAV file of pcm repeated `times` times. */
static void wav_file(const struct audio_pcm *pcm, int times, struct sy_buf *out)
{
    uint32_t data = (uint32_t)(pcm->n * 2 * (size_t)times);
    buf_init(out, 64u << 20);
    const uint32_t rate = 16000, byte_rate = 32000, fmt_len = 16, riff = 36 + data;
    const uint16_t pcm_tag = 1, channels = 1, align = 2, bits = 16;
    buf_append(out, "RIFF", 4, NULL);
    buf_append(out, &riff, 4, NULL);
    buf_append(out, "WAVEfmt ", 8, NULL);
    buf_append(out, &fmt_len, 4, NULL);
    buf_append(out, &pcm_tag, 2, NULL);
    buf_append(out, &channels, 2, NULL);
    buf_append(out, &rate, 4, NULL);
    buf_append(out, &byte_rate, 4, NULL);
    buf_append(out, &align, 2, NULL);
    buf_append(out, &bits, 2, NULL);
    buf_append(out, "data", 4, NULL);
    buf_append(out, &data, 4, NULL);
    for (int i = 0; i < times; i++)
        buf_append(out, pcm->samples, pcm->n * 2, NULL);
}

/* Checks a verbose_json transcript: segments in order inside the audio,
 * each with text, joined into `text`. Returns its language (owned). */
static char *check_verbose(const json_t *body, const char *task, double seconds)
{
    T_EQ_STR(jstr(json_object_get(body, "task")), task);
    T_ASSERT(fabs(json_number_value(json_object_get(body, "duration")) - seconds) < 0.01);
    const json_t *segments = json_object_get(body, "segments");
    T_ASSERT(json_array_size(segments) >= 1);
    struct sy_buf joined;
    buf_init(&joined, 1u << 20);
    buf_append(&joined, "", 0, NULL);
    double last_start = 0;
    size_t i;
    json_t *seg;
    json_array_foreach(segments, i, seg) {
        double start = json_number_value(json_object_get(seg, "start"));
        double end = json_number_value(json_object_get(seg, "end"));
        const char *text = jstr(json_object_get(seg, "text"));
        T_EQ_INT(json_integer_value(json_object_get(seg, "id")), (long long)i);
        T_ASSERT(start >= last_start && start <= end && end <= seconds + 1e-6);
        T_ASSERT(text && text[0] && text[0] != ' ' && text[strlen(text) - 1] != ' ');
        T_ASSERT(utf8_valid(text, strlen(text)));
        buf_printf(&joined, NULL, "%s%s", i ? " " : "", text);
        last_start = start;
    }
    T_EQ_STR(jstr(json_object_get(body, "text")), joined.data);
    buf_cleanup(&joined);
    const char *lang = jstr(json_object_get(body, "language"));
    return strdup(lang ? lang : "");
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_listed(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models", NULL, &resp), 200);
    bool multi = false, english = false, broken = false;
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(resp, "data"), i, m) {
        const char *id = jstr(json_object_get(m, "id"));
        json_t *caps = json_object_get(m, "capabilities");
        char *langs = json_dumps(json_object_get(json_object_get(caps, "speech"), "languages"),
                                 JSON_COMPACT);
        T_ASSERT(strcmp(id, "pytorch_model") != 0); /* a .bin that is not whisper's */
        if (strcmp(id, "ggml-tiny") == 0) {
            multi = true;
            T_EQ_STR(jstr(json_object_get(m, "backend")), "whisper.cpp");
            T_CONTAINS(jstr(json_object_get(m, "description")), "99 languages");
            T_CONTAINS(langs, "\"de\"");
            T_CONTAINS(langs, "\"su\"");
            T_EQ_INT(json_array_size(json_object_get(json_object_get(caps, "speech"),
                                                     "languages")),
                     99);
            char *tasks = json_dumps(json_object_get(caps, "tasks"), JSON_COMPACT);
            T_EQ_STR(tasks, "[\"automatic-speech-recognition\"]");
            free(tasks);
            json_t *speech = json_object_get(caps, "speech");
            T_ASSERT(json_is_true(json_object_get(speech, "prompt")));
            T_ASSERT(json_is_true(json_object_get(speech, "translate")));
            /* The estimate holds the caches and buffers besides the weights. */
            json_t *mem = json_object_get(m, "memory");
            T_ASSERT(json_integer_value(json_object_get(mem, "estimate_bytes")) >
                     json_integer_value(json_object_get(m, "size_bytes")) + (32 << 20));
        }
        if (strcmp(id, "ggml-tiny.en") == 0) {
            english = true;
            T_EQ_STR(langs, "[\"en\"]");
            T_ASSERT(json_is_false(json_object_get(json_object_get(caps, "speech"), "translate")));
        }
        if (strcmp(id, "ggml-broken") == 0) {
            broken = true;
            T_EQ_STR(jstr(json_object_get(m, "status")), "unusable");
            T_CONTAINS(jstr(json_object_get(m, "problem")), "n_audio_layer");
        }
        free(langs);
    }
    T_ASSERT(multi && english && broken);
    json_decref(resp);
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models?type=speech", NULL, &resp), 200);
    char *speech = json_dumps(resp, JSON_COMPACT);
    T_CONTAINS(speech, "\"id\":\"ggml-tiny.en\"");
    free(speech);
    json_decref(resp);
    /* OpenAI's name for speech to text now means the largest whisper model. */
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models/whisper-1", NULL, &resp), 200);
    T_EQ_STR(jstr(json_object_get(resp, "id")), "ggml-tiny");
    json_decref(resp);
}

static void test_formats(void)
{
    static const char *const formats[] = {"json", "text", "srt", "vtt", "verbose_json"};
    for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
        printf("# format %s\n", formats[f]);
        const char *fields[] = {"model", "ggml-tiny", "response_format", formats[f], NULL};
        struct http_response r;
        T_EQ_INT(post_form("/v1/audio/transcriptions", &speech_wav, fields, &r), 200);
        const char *body = r.body.data ? r.body.data : "";
        char type[128];
        http_response_header(&r, "Content-Type", type, sizeof type);
        if (strcmp(formats[f], "json") == 0) {
            json_t *j = body_json(&r);
            T_ASSERT(strlen(jstr(json_object_get(j, "text"))) > 0);
            T_ASSERT(fabs(json_number_value(json_object_get(json_object_get(j, "usage"),
                                                            "seconds")) -
                          speech_seconds) < 0.01);
            json_decref(j);
        } else if (strcmp(formats[f], "text") == 0) {
            T_EQ_STR(type, "text/plain; charset=utf-8");
            T_ASSERT(r.body.len > 1 && body[r.body.len - 1] == '\n');
        } else if (strcmp(formats[f], "srt") == 0) {
            T_ASSERT(strncmp(body, "1\n00:00:", 8) == 0);
            T_CONTAINS(body, " --> ");
        } else if (strcmp(formats[f], "vtt") == 0) {
            T_EQ_STR(type, "text/vtt; charset=utf-8");
            T_ASSERT(strncmp(body, "WEBVTT\n\n00:00:", 14) == 0);
        } else {
            json_t *j = body_json(&r);
            char *lang = check_verbose(j, "transcribe", speech_seconds);
            /* Detected: one of the model's 99 languages. */
            T_ASSERT(strlen(lang) >= 2 && strlen(lang) <= 3);
            printf("# detected '%s'; %zu segments\n", lang,
                   json_array_size(json_object_get(j, "segments")));
            free(lang);
            json_decref(j);
        }
        T_ASSERT(utf8_valid(body, r.body.len));
        http_response_cleanup(&r);
    }
}

static void test_languages(void)
{
    struct http_response r;
    /* Given, it is the language of the answer (and "de-DE" means "de"). */
    const char *de[] = {"model", "ggml-tiny", "language", "de-DE", "response_format",
                        "verbose_json", "prompt", "Ein Satz.", "temperature", "0.4", NULL};
    T_EQ_INT(post_form("/v1/audio/transcriptions", &speech_wav, de, &r), 200);
    json_t *j = body_json(&r);
    char *lang = check_verbose(j, "transcribe", speech_seconds);
    T_EQ_STR(lang, "de");
    free(lang);
    json_decref(j);
    http_response_cleanup(&r);

    /* The English-only model hears English, and says so for anything else. */
    const char *en[] = {"model", "ggml-tiny.en", "response_format", "verbose_json", NULL};
    T_EQ_INT(post_form("/v1/audio/transcriptions", &speech_wav, en, &r), 200);
    j = body_json(&r);
    lang = check_verbose(j, "transcribe", speech_seconds);
    T_EQ_STR(lang, "en");
    free(lang);
    json_decref(j);
    http_response_cleanup(&r);
    const char *en_de[] = {"model", "ggml-tiny.en", "language", "de", NULL};
    post_form("/v1/audio/transcriptions", &speech_wav, en_de, &r);
    expect_error(&r, 422, "language");
    T_CONTAINS(r.body.data, "en");
    http_response_cleanup(&r);
    const char *unknown[] = {"model", "ggml-tiny", "language", "xx", NULL};
    post_form("/v1/audio/transcriptions", &speech_wav, unknown, &r);
    expect_error(&r, 422, "language");
    http_response_cleanup(&r);
    const char *hot[] = {"model", "ggml-tiny", "temperature", "1.5", NULL};
    post_form("/v1/audio/transcriptions", &speech_wav, hot, &r);
    expect_error(&r, 400, "temperature");
    http_response_cleanup(&r);
    /* Phrase lists are pocketsphinx's; whisper takes a prompt instead. */
    const char *phrases[] = {"model", "ggml-tiny", "phrases[]", "hello world", NULL};
    post_form("/v1/audio/transcriptions", &speech_wav, phrases, &r);
    expect_error(&r, 422, "phrases");
    http_response_cleanup(&r);
}

static void test_translation(void)
{
    struct http_response r;
    const char *fields[] = {"model", "whisper-1", "response_format", "verbose_json", NULL};
    T_EQ_INT(post_form("/v1/audio/translations", &speech_wav, fields, &r), 200);
    json_t *j = body_json(&r);
    char *lang = check_verbose(j, "translate", speech_seconds);
    T_EQ_STR(lang, "en");
    free(lang);
    json_decref(j);
    http_response_cleanup(&r);
    /* The text is always English: no language to give. */
    const char *bad[] = {"model", "whisper-1", "language", "fr", NULL};
    post_form("/v1/audio/translations", &speech_wav, bad, &r);
    expect_error(&r, 400, "language");
    http_response_cleanup(&r);
}

static void test_stream(void)
{
    struct http_response r;
    const char *fields[] = {"model", "ggml-tiny.en", "stream", "true", NULL};
    T_EQ_INT(post_form("/v1/audio/transcriptions", &speech_wav, fields, &r), 200);
    T_CONTAINS(r.body.data, "\"type\":\"transcript.text.delta\"");
    T_CONTAINS(r.body.data, "\"type\":\"transcript.text.done\"");
    http_response_cleanup(&r);
}

static void test_hf_and_task(void)
{
    /* HF: the audio file as the body. */
    struct http_conn c;
    struct http_response r;
    T_REQUIRE(http_conn_open(&c, srv.port) == 0);
    T_REQUIRE(http_conn_send(&c, "POST", "/models/ggml-tiny.en", "Content-Type: audio/wav\r\n",
                             speech_wav.data, speech_wav.len) == 0);
    T_REQUIRE(http_conn_read_head(&c, &r) == 0 && http_conn_read_body(&c, &r) == 0);
    http_conn_close(&c);
    T_EQ_INT(r.status, 200);
    json_t *j = body_json(&r);
    T_ASSERT(strlen(jstr(json_object_get(j, "text"))) > 0);
    json_decref(j);
    http_response_cleanup(&r);

    /* The task API's stream: segment events in order, then done with the
     * real-time factor. */
    struct sy_buf b64;
    buf_init(&b64, 64u << 20);
    base64_encode(speech_wav.data, speech_wav.len, &b64, NULL);
    json_t *body = json_pack("{s:s, s:{s:s, s:s, s:s, s:b}}", "model_id", "ggml-tiny", "inputs",
                             "audio", b64.data, "language", "en", "prompt", "Harvard sentences.",
                             "translate", 0);
    json_t *events = NULL;
    bool complete = false;
    T_EQ_INT(http_stream_collect(srv.port, "/api/inference/stream", body, &events, &complete),
             200);
    T_ASSERT(complete);
    size_t i, segments = 0;
    double last_start = 0;
    json_t *ev;
    const char *last = NULL;
    json_array_foreach(events, i, ev) {
        json_t *data = json_object_get(ev, "json");
        last = jstr(json_object_get(data, "type"));
        if (strcmp(last, "segment") == 0) {
            double start = json_number_value(json_object_get(data, "start"));
            T_ASSERT(start >= last_start);
            last_start = start;
            segments++;
        }
        if (strcmp(last, "done") == 0) {
            json_t *t = json_object_get(data, "timings");
            T_ASSERT(fabs(json_number_value(json_object_get(t, "audio_seconds")) -
                          speech_seconds) < 0.01);
            printf("# whisper (tiny, random) real-time factor %.3f\n",
                   json_number_value(json_object_get(t, "real_time_factor")));
            T_ASSERT(json_number_value(json_object_get(t, "real_time_factor")) > 0);
        }
    }
    T_EQ_STR(last, "done");
    T_ASSERT(segments >= 1);
    json_decref(events);

    /* Not a boolean: refused by name before any work. */
    json_t *resp = NULL;
    body = json_pack("{s:s, s:{s:s, s:s}}", "model_id", "ggml-tiny", "inputs", "audio", b64.data,
                     "translate", "yes");
    T_EQ_INT(http_post_json(srv.port, "/api/inference", body, &resp), 400);
    T_EQ_STR(jstr(json_object_get(json_object_get(resp, "error"), "param")), "inputs.translate");
    json_decref(resp);
    buf_cleanup(&b64);
}

/* A client that leaves stops the engine: the worker answers the cancel
 * long before it could have heard 16 minutes of audio, and serves the next. */
static void test_cancel(void)
{
    struct audio_pcm pcm;
    T_REQUIRE(audio_decode(speech_wav.data, speech_wav.len, 16000, 60, &pcm, NULL) == SY_OK);
    struct sy_buf longer;
    wav_file(&pcm, 28, &longer); /* ~16 minutes, ~31 MB: under the upload limit */
    audio_pcm_cleanup(&pcm);
    struct sy_buf body;
    buf_init(&body, 64u << 20);
    buf_printf(&body, NULL,
               "--XyZzY\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nggml-tiny.en\r\n"
               "--XyZzY\r\nContent-Disposition: form-data; name=\"stream\"\r\n\r\ntrue\r\n"
               "--XyZzY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n"
               "Content-Type: audio/wav\r\n\r\n");
    buf_append(&body, longer.data, longer.len, NULL);
    buf_append_str(&body, "\r\n--XyZzY--\r\n", NULL);
    struct http_conn c;
    struct http_response r;
    T_REQUIRE(http_conn_open(&c, srv.port) == 0);
    T_REQUIRE(http_conn_send(&c, "POST", "/v1/audio/transcriptions",
                             "Content-Type: multipart/form-data; boundary=XyZzY\r\n", body.data,
                             body.len) == 0);
    T_REQUIRE(http_conn_read_head(&c, &r) == 0);
    T_EQ_INT(r.status, 200);
    struct sy_buf pending, data;
    buf_init(&pending, 1u << 20);
    buf_init(&data, 1u << 20);
    char event[64];
    T_EQ_INT(http_sse_next(&c, &r, &pending, event, sizeof event, &data), 1); /* it runs */
    T_CONTAINS(data.data, "transcript.text.delta");
    http_conn_close(&c);
    buf_cleanup(&pending);
    buf_cleanup(&data);
    http_response_cleanup(&r);
    T_ASSERT(test_wait_metric(
        srv.port, "switchyard_generations_total{model=\"ggml-tiny.en\",outcome=\"cancelled\"}",
        1));
    T_ASSERT(test_wait_model_status_int(srv.port, "ggml-tiny.en", "active", 0));
    /* Stopped on purpose: whisper.cpp's "failed to encode/decode" is not a warning then. */
    T_ASSERT(!test_server_log_contains(&srv, "whisper_full_with_state: failed"));
    const char *fields[] = {"model", "ggml-tiny.en", NULL};
    T_EQ_INT(post_form("/v1/audio/transcriptions", &speech_wav, fields, &r), 200);
    http_response_cleanup(&r);
    buf_cleanup(&body);
    buf_cleanup(&longer);
}

/* A file whose header passes but whose weights are cut short fails to load
 * with the reason; the server goes on serving. */
static void test_damaged(void)
{
    struct http_response r;
    const char *fields[] = {"model", "ggml-truncated", NULL};
    post_form("/v1/audio/transcriptions", &speech_wav, fields, &r);
    T_ASSERT(r.status >= 500);
    T_CONTAINS(r.body.data, "whisper.cpp cannot load");
    http_response_cleanup(&r);
    const char *broken[] = {"model", "ggml-broken", NULL};
    post_form("/v1/audio/transcriptions", &speech_wav, broken, &r);
    T_ASSERT(r.status >= 400 && r.status < 500);
    T_CONTAINS(r.body.data, "n_audio_layer");
    http_response_cleanup(&r);
    const char *fine[] = {"model", "ggml-tiny", NULL};
    T_EQ_INT(post_form("/v1/audio/transcriptions", &speech_wav, fine, &r), 200);
    http_response_cleanup(&r);
}

static int write_file(const char *dir, const char *name, const void *data, size_t n);
static int copy_file(const char *from, const char *dir, const char *name);

/* From the Hub: ggerganov/whisper.cpp's layout (ggml-<size>.bin files) on
 * the loopback Hub; what the catalog says before the pull, the pull of one
 * size, then a transcription by the repository's name. */
static void test_pull_from_hub(void)
{
    struct test_server env;
    T_REQUIRE(test_env_init(&env) == 0);
    char root[1024], org[1024], repo[1024], cache[1024], model[8192], url[64];
    snprintf(root, sizeof root, "%s/hub", env.tmp);
    snprintf(org, sizeof org, "%s/hub/ggerganov", env.tmp);
    snprintf(repo, sizeof repo, "%s/hub/ggerganov/whisper.cpp", env.tmp);
    snprintf(cache, sizeof cache, "%s/hub-cache", env.tmp);
    snprintf(model, sizeof model, "%s/ggml-tiny.en.bin", srv.models);
    mkdir(root, 0755);
    mkdir(org, 0755);
    mkdir(repo, 0755);
    static const char info[] = "{\"pipeline_tag\": \"automatic-speech-recognition\"}";
    T_REQUIRE(copy_file(model, repo, "ggml-tiny.en.bin") == 0);
    snprintf(model, sizeof model, "%s/ggml-tiny.bin", srv.models);
    T_REQUIRE(copy_file(model, repo, "ggml-base.bin") == 0); /* the default pick */
    T_REQUIRE(write_file(repo, ".info.json", info, strlen(info)) == 0);
    T_REQUIRE(write_file(repo, "README.md", "# whisper\n", 10) == 0);
    struct hub_server *hub = hub_server_start(root);
    T_REQUIRE(hub != NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", hub_server_port(hub));
    const char *args[] = {"--hub-url", url, "--hub-cache", cache, "--threads", "1", NULL};
    T_REQUIRE(test_server_start(&env, args) == 0);

    json_t *r = NULL;
    T_EQ_INT(http_json(env.port, "GET", "/api/hub/models/ggerganov/whisper.cpp", NULL, &r), 200);
    json_t *caps = json_object_get(r, "capabilities");
    T_ASSERT(json_is_true(json_object_get(caps, "runnable_locally")));
    T_ASSERT(json_is_true(json_object_get(caps, "supported")));
    T_EQ_STR(jstr(json_array_get(json_object_get(caps, "tasks"), 0)),
             "automatic-speech-recognition");
    T_EQ_STR(jstr(json_object_get(json_object_get(caps, "default_file"), "file")),
             "ggml-base.bin");
    json_decref(r);

    T_EQ_INT(http_post_json(env.port, "/api/models/pull",
                            json_pack("{s:s, s:b}", "model", "ggerganov/whisper.cpp@tiny.en",
                                      "stream", 0),
                            &r),
             200);
    T_EQ_STR(jstr(json_object_get(r, "status")), "success");
    T_EQ_STR(jstr(json_object_get(r, "label")), "tiny.en");
    json_decref(r);
    T_EQ_INT(http_json(env.port, "GET", "/v1/models/ggerganov/whisper.cpp", NULL, &r), 200);
    T_EQ_STR(jstr(json_object_get(r, "backend")), "whisper.cpp");
    json_decref(r);

    const char *fields[] = {"model", "ggerganov/whisper.cpp", "response_format", "verbose_json",
                            NULL};
    int saved = srv.port;
    srv.port = env.port; /* post_form talks to srv */
    struct http_response resp;
    T_EQ_INT(post_form("/v1/audio/transcriptions", &speech_wav, fields, &resp), 200);
    srv.port = saved;
    json_t *j = body_json(&resp);
    char *lang = check_verbose(j, "transcribe", speech_seconds);
    T_EQ_STR(lang, "en");
    free(lang);
    json_decref(j);
    http_response_cleanup(&resp);
    T_EQ_INT(test_server_stop(&env), 0);
    hub_server_stop(hub);
    test_env_cleanup(&env);
}

/* ---- setup ------------------------------------------------------------------------------ */

static int write_file(const char *dir, const char *name, const void *data, size_t n)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int rc = fwrite(data, 1, n, f) == n ? 0 : -1;
    return fclose(f) == 0 ? rc : -1;
}

static int copy_file(const char *from, const char *dir, const char *name)
{
    FILE *f = fopen(from, "rb");
    if (!f)
        return -1;
    static char data[16u << 20];
    size_t n = fread(data, 1, sizeof data, f);
    fclose(f);
    return write_file(dir, name, data, n);
}

/* The damaged models: a header with a layer count no whisper has, a real
 * model cut in half, and PyTorch weights (which must not be listed). */
static int write_damaged(void)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/ggml-tiny.bin", srv.models);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    static char model[8u << 20];
    size_t n = fread(model, 1, sizeof model, f);
    fclose(f);
    int32_t layers = 100000;
    char header[48];
    memcpy(header, model, sizeof header);
    memcpy(header + 4 + 4 * 4, &layers, 4); /* n_audio_layer */
    static const char pickle[] = "PK\x03\x04 not a whisper model";
    return write_file(srv.models, "ggml-truncated.bin", model, n / 2) ||
           write_file(srv.models, "ggml-broken.bin", header, sizeof header) ||
           write_file(srv.models, "pytorch_model.bin", pickle, sizeof pickle);
}

int main(void)
{
    if (test_env_init(&srv) != 0)
        return 1;
    const char *english[] = {"--english", NULL};
    if (test_make_whisper(srv.models, "ggml-tiny", NULL) != 0 ||
        test_make_whisper(srv.models, "ggml-tiny.en", english) != 0 || write_damaged() != 0) {
        printf("Bail out! switchyard-make-whisper failed\n");
        return 1;
    }
    /* One engine thread: ctest runs two tests at once on two cores, and
     * ggml's threads spin at every barrier, so a pool of two that shares its
     * cores with another test runs many times slower. */
    const char *one_thread[] = {"--threads", "1", NULL};
    if (test_server_start(&srv, one_thread) != 0) {
        printf("Bail out! the server did not start\n");
        return 1;
    }
    /* The speech to hear, from espeak-ng through the server. */
    struct http_response r;
    json_t *say = json_pack("{s:s, s:s, s:s}", "model", "espeak-ng", "input", paragraph,
                            "response_format", "wav");
    char *req = json_dumps(say, JSON_COMPACT);
    json_decref(say);
    int rc = http_request(srv.port, "POST", "/v1/audio/speech",
                          "Content-Type: application/json\r\n", req, &r);
    free(req);
    struct audio_pcm pcm;
    if (rc != 0 || r.status != 200 ||
        audio_decode(r.body.data, r.body.len, 16000, 120, &pcm, NULL) != SY_OK) {
        printf("Bail out! espeak-ng did not speak\n");
        return 1;
    }
    http_response_cleanup(&r);
    speech_seconds = (double)pcm.n / 16000.0;
    printf("# %.1f s of speech\n", speech_seconds);
    wav_file(&pcm, 1, &speech_wav);
    audio_pcm_cleanup(&pcm);

    T_RUN(test_listed);
    T_RUN(test_formats);
    T_RUN(test_languages);
    T_RUN(test_translation);
    T_RUN(test_stream);
    T_RUN(test_hf_and_task);
    T_RUN(test_cancel);
    T_RUN(test_damaged);
    T_RUN(test_pull_from_hub);
    buf_cleanup(&speech_wav);
    int stopped = test_server_stop(&srv);
    if (stopped != 0) {
        printf("# server exit status %d\n", stopped);
        test_server_dump_log(&srv);
    }
    T_EQ_INT(stopped, 0);
    test_env_cleanup(&srv);
    return t_done();
}
