/* test_media.c -- video and music relayed to providers that make them
 * (seed 000's VideoRequest and MusicRequest), against the loopback media
 * upstream (tests/support/media_server.c: OpenAI's /videos job API with real
 * MP4 files of PNG frames, and hf-inference's text-to-audio with real WAVs).
 *
 * A video is a job: created, polled until done, downloaded; the task API,
 * its stream (progress events, then the file) and the Hugging Face route
 * answer the upstream's own file, checked frame by frame. Lengths and sizes
 * the model is configured not to make, a quality, and the wrong task are
 * refused before any request; a failed job, a refused prompt, bytes that are
 * no video, and a job that outlives job_timeout keep their meaning; a client
 * that hangs up stops the polling. Music comes through kind "hf" from a
 * model the Hub maps to hf-inference's text-to-audio. OpenAI clients make
 * videos through Switchyard's own /v1/videos (create, poll, download,
 * delete), and a second Switchyard relays a video from the first through
 * those routes, as it would from OpenAI. */
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "expect_error.h"
#include "http_client.h"
#include "hub_server.h"
#include "media_server.h"
#include "metric.h"
#include "mp4.h"
#include "t.h"
#include "test_server.h"
#include "util/base64.h"
#include "util/buf.h"

#define KEY "sy-test-media-key"

static struct test_server srv, gw;
static struct media_server *studio;
static struct hub_server *hub;

static json_t *film(const char *model, const char *text)
{
    return json_pack("{s:s, s:s, s:{s:s}}", "model", model, "task", "text-to-video", "inputs",
                     "text", text);
}

static void expect_error(const char *path, json_t *body, int status, const char *param,
                         const char *words)
{
    expect_post_error(srv.port, path, body, status, param, words);
}

/* MP4 bytes are a real video of w x h and `frames` frames. */
static void expect_mp4(const void *data, size_t len, unsigned w, unsigned h, unsigned frames)
{
    struct mp4_info info;
    T_REQUIRE(mp4_read(data, len, &info) == 0);
    T_EQ_INT(info.width, w);
    T_EQ_INT(info.height, h);
    T_EQ_INT(info.frames, frames);
}

/* The same for a base64 MP4. */
static void expect_mp4_b64(const json_t *b64, unsigned w, unsigned h, unsigned frames)
{
    struct sy_buf bytes;
    buf_init(&bytes, 256u << 20);
    T_REQUIRE(json_is_string(b64));
    T_REQUIRE(base64_decode(json_string_value(b64), json_string_length(b64), &bytes, NULL) ==
              SY_OK);
    expect_mp4(bytes.data, bytes.len, w, h, frames);
    buf_cleanup(&bytes);
}

/* WAV bytes are a real mono file of `rate` Hz lasting `seconds`. */
static void expect_wav(const void *data, size_t len, int rate, double seconds)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/music.wav", srv.tmp);
    FILE *f = fopen(path, "wb");
    T_REQUIRE(f && fwrite(data, 1, len, f) == len);
    fclose(f);
    SF_INFO info = {0};
    SNDFILE *snd = sf_open(path, SFM_READ, &info);
    T_REQUIRE(snd != NULL);
    T_EQ_INT(info.samplerate, rate);
    T_EQ_INT(info.channels, 1);
    T_EQ_INT(info.frames, (sf_count_t)(rate * seconds));
    short peak = 0, s;
    while (sf_read_short(snd, &s, 1) == 1)
        peak = s > peak ? s : peak;
    T_ASSERT(peak > 8000); /* a tone, not silence */
    sf_close(snd);
    unlink(path);
}

static void expect_wav_b64(const json_t *b64, int rate, double seconds)
{
    struct sy_buf bytes;
    buf_init(&bytes, 64u << 20);
    T_REQUIRE(json_is_string(b64));
    T_REQUIRE(base64_decode(json_string_value(b64), json_string_length(b64), &bytes, NULL) ==
              SY_OK);
    expect_wav(bytes.data, bytes.len, rate, seconds);
    buf_cleanup(&bytes);
}

static void test_listing(void)
{
    json_t *m = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/api/models/studio:clip", NULL, &m), 200);
    json_t *caps = json_object_get(m, "capabilities");
    T_EQ_STR(jstr(json_array_get(json_object_get(caps, "tasks"), 0)), "text-to-video");
    T_EQ_INT(json_array_size(json_object_get(caps, "durations")), 2);
    T_EQ_INT(json_integer_value(json_array_get(json_object_get(caps, "durations"), 1)), 2);
    json_decref(m);
    T_EQ_INT(http_json(srv.port, "GET", "/api/models/hf:acme/composer", NULL, &m), 200);
    caps = json_object_get(m, "capabilities");
    T_EQ_STR(jstr(json_array_get(json_object_get(caps, "tasks"), 0)), "text-to-audio");
    T_ASSERT(json_object_get(caps, "durations") == NULL); /* the model decides */
    json_decref(m);
    json_t *list = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models", NULL, &list), 200);
    int found = 0;
    size_t i;
    json_t *entry;
    json_array_foreach(json_object_get(list, "data"), i, entry)
        found += strcmp(jstr(json_object_get(entry, "id")), "studio:clip") == 0;
    T_EQ_INT(found, 1);
    json_decref(list);
}

static void test_video_task(void)
{
    unsigned polls = media_server_count(studio, "GET", "/v1/videos/");
    json_t *b = film("studio:clip", "a paper boat on a pond");
    json_object_set_new(json_object_get(b, "inputs"), "duration", json_integer(2));
    json_object_set_new(b, "settings", json_pack("{s:i, s:i}", "width", 32, "height", 18));
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(srv.port, "/api/inference", b, &resp), 200);
    json_t *out = json_object_get(json_object_get(resp, "result"), "task_output");
    T_EQ_STR(jstr(json_object_get(out, "content_type")), "video/mp4");
    expect_mp4_b64(json_object_get(out, "video"), 32, 18, 8); /* 2 s at 4 frames a second */
    T_ASSERT(json_integer_value(json_object_get(out, "bytes")) > 1000);
    T_EQ_STR(jstr(json_object_get(json_object_get(resp, "result"), "finish_reason")), "stop");
    json_decref(resp);
    /* Created once, asked after until done (twice), then downloaded. */
    T_EQ_INT(media_server_count(studio, "GET", "/v1/videos/") - polls, 3);
    char path[256], auth[256];
    media_server_last_request(studio, path, sizeof path, auth, sizeof auth);
    T_ASSERT(strncmp(path, "/v1/videos/", 11) == 0 && strstr(path, "/content"));
    T_EQ_STR(auth, "Bearer " KEY);
    json_t *sent = media_server_last(studio);
    T_EQ_STR(jstr(json_object_get(sent, "model")), "clip");
    T_EQ_STR(jstr(json_object_get(sent, "prompt")), "a paper boat on a pond");
    T_EQ_STR(jstr(json_object_get(sent, "seconds")), "2");
    T_EQ_STR(jstr(json_object_get(sent, "size")), "32x18");
    json_decref(sent);

    /* A model configured without lengths or sizes takes any; overrides are
     * form fields that win over ours. */
    b = film("studio:any", "a kite");
    json_object_set_new(json_object_get(b, "inputs"), "duration", json_integer(3));
    json_object_set_new(b, "provider_overrides", json_pack("{s:s}", "size", "16x16"));
    T_EQ_INT(http_post_json(srv.port, "/api/inference", b, &resp), 200);
    expect_mp4_b64(json_object_get(json_object_get(json_object_get(resp, "result"),
                                                   "task_output"), "video"),
                   16, 16, 12);
    json_decref(resp);
}

static void test_video_stream(void)
{
    json_t *events = NULL;
    bool complete = false;
    T_EQ_INT(http_stream_collect(srv.port, "/api/inference/stream",
                                 film("studio:clip", "rain on a window"), &events, &complete),
             200);
    T_ASSERT(complete);
    size_t n = json_array_size(events), progress = 0, video_at = 0, done_at = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = jstr(json_object_get(json_array_get(events, i), "event"));
        json_t *data = json_object_get(json_array_get(events, i), "json");
        const char *type = jstr(json_object_get(data, "type"));
        if (type && strcmp(type, "progress") == 0) {
            T_ASSERT(!video_at);
            double pct = json_number_value(json_object_get(data, "progress"));
            T_ASSERT(pct >= 0 && pct <= 100);
            T_ASSERT(json_is_string(json_object_get(data, "state")));
            progress++;
        } else if (type && strcmp(type, "video") == 0) {
            video_at = i + 1;
            T_EQ_STR(jstr(json_object_get(data, "content_type")), "video/mp4");
            expect_mp4_b64(json_object_get(data, "video"), 64, 36, 16); /* the defaults */
        } else if (type && strcmp(type, "done") == 0) {
            done_at = i + 1;
        }
        (void)name;
    }
    T_ASSERT(progress >= 2); /* queued, in progress, completed: as they changed */
    T_ASSERT(video_at > 0 && done_at > video_at);
    json_decref(events);
}

static void test_hf_route(void)
{
    struct http_response r;
    T_EQ_INT(http_request(srv.port, "POST", "/models/studio:clip",
                          "Content-Type: application/json\r\n",
                          "{\"inputs\": \"a lantern\", \"parameters\": {\"duration\": 1, "
                          "\"width\": 64, \"height\": 36}}",
                          &r),
             0);
    T_EQ_INT(r.status, 200);
    char type[64];
    T_EQ_STR(http_response_header(&r, "Content-Type", type, sizeof type), "video/mp4");
    expect_mp4(r.body.data, r.body.len, 64, 36, 4);
    http_response_cleanup(&r);
    expect_error("/models/studio:clip",
                 json_pack("{s:s, s:{s:i}}", "inputs", "x", "parameters", "duration", 5), 422,
                 "parameters.duration", "1,2 seconds");
}

static void test_video_refusals(void)
{
    unsigned before = media_server_count(studio, "POST", "/");
    json_t *b = film("studio:clip", "x");
    json_object_set_new(json_object_get(b, "inputs"), "duration", json_integer(3));
    expect_error("/api/inference", b, 422, "inputs.duration", "1,2 seconds only");
    b = film("studio:clip", "x");
    json_object_set_new(b, "settings", json_pack("{s:i, s:i}", "width", 100, "height", 100));
    expect_error("/api/inference", b, 422, "settings.width", "64x36, 32x18");
    b = film("studio:clip", "x");
    json_object_set_new(json_object_get(b, "inputs"), "quality", json_string("hd"));
    expect_error("/api/inference", b, 422, "inputs.quality", "provider_overrides");
    b = film("studio:clip", "x");
    json_object_set_new(b, "settings", json_pack("{s:f}", "temperature", 0.5));
    expect_error("/api/inference", b, 422, "settings.temperature", "text-to-video");
    expect_error("/api/inference", json_pack("{s:s, s:s, s:{}}", "model", "studio:clip", "task",
                                             "text-to-video", "inputs"),
                 400, "inputs.text", "what to make");
    expect_error("/v1/chat/completions",
                 json_pack("{s:s, s:[{s:s, s:s}]}", "model", "studio:clip", "messages", "role",
                           "user", "content", "Hi"),
                 422, "task", "text-to-video");
    expect_error("/api/inference", film("hf:acme/composer", "x"), 422, "task", "text-to-audio");
    T_EQ_INT(media_server_count(studio, "POST", "/"), before); /* none of these reached it */
}

static void test_video_failures(void)
{
    expect_error("/api/inference", film("studio:clip", "please refuse this"), 400, NULL,
                 "refused by the test upstream");
    expect_error("/api/inference", film("studio:clip", "this will fail"), 502, NULL,
                 "moderation_blocked");
    expect_error("/api/inference", film("studio:clip", "garble it"), 502, NULL,
                 "not an MP4");
    /* The upstream loses the job it accepted: its 404 is no fault of the client's. */
    expect_error("/api/inference", film("studio:clip", "vanish midway"), 502, NULL,
                 "Video not found");
    /* A job that never ends is given up at job_timeout (1 s on "brief"). */
    expect_error("/api/inference", film("brief:clip", "stall forever"), 504, NULL,
                 "job_timeout");
    /* Failing after the stream began: progress first, then an error event. */
    json_t *events = NULL;
    bool complete = false;
    T_EQ_INT(http_stream_collect(srv.port, "/api/inference/stream",
                                 film("studio:clip", "this will fail too"), &events, &complete),
             200);
    json_t *last = json_object_get(json_array_get(events, json_array_size(events) - 1), "json");
    T_EQ_STR(jstr(json_object_get(last, "type")), "error");
    T_CONTAINS(jstr(json_object_get(last, "message")), "declines this video");
    json_decref(events);
}

static void test_hang_up_stops_polling(void)
{
    static const char cancelled[] =
        "switchyard_generations_total{model=\"studio:clip\",outcome=\"cancelled\"}";
    double before = test_metric(srv.port, cancelled);
    unsigned polls = media_server_count(studio, "GET", "/v1/videos/");
    struct http_conn conn;
    T_REQUIRE(http_conn_open(&conn, srv.port) == 0);
    json_t *request = film("studio:clip", "stall and wait");
    char *body = json_dumps(request, JSON_COMPACT);
    json_decref(request);
    T_REQUIRE(http_conn_send(&conn, "POST", "/api/inference", "Content-Type: application/json\r\n",
                             body, strlen(body)) == 0);
    free(body);
    for (int i = 0; i < 200 && media_server_count(studio, "GET", "/v1/videos/") < polls + 2; i++)
        usleep(20 * 1000);
    T_ASSERT(media_server_count(studio, "GET", "/v1/videos/") >= polls + 2);
    http_conn_close(&conn);
    T_ASSERT(test_wait_metric(srv.port, cancelled, before + 1));
    unsigned after = media_server_count(studio, "GET", "/v1/videos/");
    usleep(600 * 1000); /* six poll intervals: none may come */
    T_EQ_INT(media_server_count(studio, "GET", "/v1/videos/"), after);
}

/* Polls GET /v1/videos/{id} at port until the job leaves queued and
 * in_progress. Returns its last object (a new reference). */
static json_t *wait_for_video(int port, const char *id)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/videos/%s", id);
    json_t *v = NULL;
    for (int i = 0; i < 400; i++) {
        json_decref(v);
        v = NULL;
        T_EQ_INT(http_json(port, "GET", path, NULL, &v), 200);
        const char *state = jstr(json_object_get(v, "status"));
        if (!state || (strcmp(state, "queued") != 0 && strcmp(state, "in_progress") != 0))
            break;
        usleep(25 * 1000);
    }
    return v;
}

static void test_openai_videos(void)
{
    /* As OpenAI's SDKs send it: a form. */
    const char *fields[] = {"model", "studio:clip", "prompt", "a red balloon", "seconds", "2",
                            "size", "32x18", NULL};
    struct http_response r;
    T_EQ_INT(http_post_multipart(srv.port, "/v1/videos", NULL, fields, &r), 200);
    json_t *made = json_loadb(r.body.data, r.body.len, 0, NULL);
    http_response_cleanup(&r);
    T_EQ_STR(jstr(json_object_get(made, "object")), "video");
    T_EQ_STR(jstr(json_object_get(made, "model")), "studio:clip");
    T_EQ_STR(jstr(json_object_get(made, "seconds")), "2");
    T_EQ_STR(jstr(json_object_get(made, "size")), "32x18");
    T_EQ_STR(jstr(json_object_get(made, "prompt")), "a red balloon");
    char id[64];
    snprintf(id, sizeof id, "%s", jstr(json_object_get(made, "id")));
    T_ASSERT(strncmp(id, "video_", 6) == 0);
    json_decref(made);
    json_t *v = wait_for_video(srv.port, id);
    T_EQ_STR(jstr(json_object_get(v, "status")), "completed");
    T_EQ_INT(json_integer_value(json_object_get(v, "progress")), 100);
    T_ASSERT(json_integer_value(json_object_get(v, "completed_at")) > 0);
    T_ASSERT(json_integer_value(json_object_get(v, "expires_at")) >
             json_integer_value(json_object_get(v, "completed_at")));
    T_ASSERT(json_is_null(json_object_get(v, "error")));
    json_decref(v);

    char path[128];
    snprintf(path, sizeof path, "/v1/videos/%s/content?variant=video", id);
    T_EQ_INT(http_request(srv.port, "GET", path, NULL, NULL, &r), 0);
    T_EQ_INT(r.status, 200);
    char type[64];
    T_EQ_STR(http_response_header(&r, "Content-Type", type, sizeof type), "video/mp4");
    expect_mp4(r.body.data, r.body.len, 32, 18, 8);
    http_response_cleanup(&r);

    json_t *list = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/v1/videos?limit=1", NULL, &list), 200);
    T_EQ_STR(jstr(json_object_get(json_array_get(json_object_get(list, "data"), 0), "id")), id);
    json_decref(list);

    json_t *gone = NULL;
    snprintf(path, sizeof path, "/v1/videos/%s", id);
    T_EQ_INT(http_json(srv.port, "DELETE", path, NULL, &gone), 200);
    T_ASSERT(json_is_true(json_object_get(gone, "deleted")));
    json_decref(gone);
    T_EQ_INT(http_json(srv.port, "GET", path, NULL, &gone), 404);
    json_decref(gone);
}

static void test_openai_video_states(void)
{
    /* A failed job says why, and has no content. */
    json_t *made = NULL;
    T_EQ_INT(http_post_json(srv.port, "/v1/videos",
                            json_pack("{s:s, s:s}", "model", "studio:clip", "prompt",
                                      "this will fail"),
                            &made),
             200);
    char id[64], path[128];
    snprintf(id, sizeof id, "%s", jstr(json_object_get(made, "id")));
    json_decref(made);
    json_t *v = wait_for_video(srv.port, id);
    T_EQ_STR(jstr(json_object_get(v, "status")), "failed");
    T_CONTAINS(jstr(json_object_get(json_object_get(v, "error"), "message")),
               "declines this video");
    json_decref(v);
    snprintf(path, sizeof path, "/v1/videos/%s/content", id);
    json_t *e = NULL;
    T_EQ_INT(http_json(srv.port, "GET", path, NULL, &e), 502);
    json_decref(e);

    /* One still being made has no content yet; deleting it stops the polling. */
    static const char cancelled[] =
        "switchyard_generations_total{model=\"studio:clip\",outcome=\"cancelled\"}";
    double was = test_metric(srv.port, cancelled);
    T_EQ_INT(http_post_json(srv.port, "/v1/videos",
                            json_pack("{s:s, s:s}", "model", "studio:clip", "prompt",
                                      "stall for a while"),
                            &made),
             200);
    snprintf(id, sizeof id, "%s", jstr(json_object_get(made, "id")));
    json_decref(made);
    snprintf(path, sizeof path, "/v1/videos/%s/content", id);
    T_EQ_INT(http_json(srv.port, "GET", path, NULL, &e), 400);
    T_CONTAINS(jstr(json_object_get(json_object_get(e, "error"), "message")), "once its status");
    json_decref(e);
    snprintf(path, sizeof path, "/v1/videos/%s", id);
    T_EQ_INT(http_json(srv.port, "DELETE", path, NULL, &e), 200);
    json_decref(e);
    T_ASSERT(test_wait_metric(srv.port, cancelled, was + 1));
    unsigned polls = media_server_count(studio, "GET", "/v1/videos/");
    usleep(600 * 1000); /* six poll intervals: at most the one under way may come */
    T_ASSERT(media_server_count(studio, "GET", "/v1/videos/") <= polls + 1);
    T_EQ_INT(http_json(srv.port, "GET", path, NULL, &e), 404);
    json_decref(e);
}

static void test_openai_video_refusals(void)
{
    unsigned before = media_server_count(studio, "POST", "/");
    expect_error("/v1/videos", json_pack("{s:s, s:s, s:s}", "model", "studio:clip", "prompt", "x",
                                         "seconds", "3"),
                 422, "seconds", "1,2 seconds only");
    expect_error("/v1/videos", json_pack("{s:s, s:s, s:s}", "model", "studio:clip", "prompt", "x",
                                         "size", "100x100"),
                 422, "size", "64x36, 32x18");
    expect_error("/v1/videos", json_pack("{s:s, s:s, s:s}", "model", "studio:clip", "prompt", "x",
                                         "seconds", "two"),
                 400, "seconds", "whole seconds");
    expect_error("/v1/videos", json_pack("{s:s, s:s, s:s}", "model", "studio:clip", "prompt", "x",
                                         "fps", "24"),
                 400, "fps", "fps");
    expect_error("/v1/videos", json_pack("{s:s}", "prompt", "x"), 400, "model", "required");
    expect_error("/v1/videos", json_pack("{s:s}", "model", "studio:clip"), 400, "prompt",
                 "what to make");
    expect_error("/v1/videos", json_pack("{s:s, s:s}", "model", "hf:acme/composer", "prompt", "x"),
                 422, "task", "text-to-audio");
    struct sy_buf png;
    buf_init(&png, 1024);
    buf_append(&png, "\x89PNG\r\n\x1a\n", 8, NULL);
    struct http_form_file file = {"input_reference", "a.png", "image/png", &png};
    const char *fields[] = {"model", "studio:clip", "prompt", "x", NULL};
    struct http_response r;
    T_EQ_INT(http_post_form(srv.port, "/v1/videos", fields, &file, 1, &r), 422);
    T_CONTAINS(r.body.data, "input_reference");
    http_response_cleanup(&r);
    buf_cleanup(&png);
    T_EQ_INT(media_server_count(studio, "POST", "/"), before); /* none reached the upstream */
}

/* A gateway whose provider is this Switchyard: it polls our /v1/videos as
 * it would OpenAI's. */
static void test_gateway_chain(void)
{
    char providers[512];
    snprintf(providers, sizeof providers,
             "[{\"name\":\"up\",\"kind\":\"openai\",\"base_url\":\"http://127.0.0.1:%d/v1\","
             "\"poll_interval_ms\":100,\"videos\":{\"studio:clip\":{\"seconds\":[1,2]}}}]",
             srv.port);
    const char *args[] = {"--providers", providers, NULL};
    T_REQUIRE(test_env_init(&gw) == 0);
    T_REQUIRE(test_server_start(&gw, args) == 0);
    json_t *b = film("up:studio:clip", "a train at night");
    json_object_set_new(json_object_get(b, "inputs"), "duration", json_integer(1));
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(gw.port, "/api/inference", b, &resp), 200);
    expect_mp4_b64(json_object_get(json_object_get(json_object_get(resp, "result"),
                                                   "task_output"), "video"),
                   64, 36, 4);
    json_decref(resp);
    /* the first Switchyard made it, and keeps it */
    json_t *list = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/v1/videos", NULL, &list), 200);
    json_t *first = json_array_get(json_object_get(list, "data"), 0);
    T_EQ_STR(jstr(json_object_get(first, "prompt")), "a train at night");
    T_EQ_STR(jstr(json_object_get(first, "status")), "completed");
    json_decref(list);
    T_EQ_INT(test_server_stop(&gw), 0);
    test_env_cleanup(&gw);
}

static void test_music(void)
{
    json_t *resp = NULL;
    /* Its one task is inferred; the Hub maps it to hf-inference. */
    T_EQ_INT(http_post_json(srv.port, "/api/inference",
                            json_pack("{s:s, s:{s:s}}", "model", "hf:acme/composer", "inputs",
                                      "text", "a calm tune"),
                            &resp),
             200);
    json_t *out = json_object_get(json_object_get(resp, "result"), "task_output");
    T_EQ_STR(jstr(json_object_get(out, "content_type")), "audio/wav");
    expect_wav_b64(json_object_get(out, "audio"), 16000, 1.0);
    json_decref(resp);
    char path[256], auth[256];
    media_server_last_request(studio, path, sizeof path, auth, sizeof auth);
    T_EQ_STR(path, "/hf-inference/models/acme/composer");
    T_EQ_STR(auth, "Bearer " KEY);
    json_t *sent = media_server_last(studio);
    T_EQ_STR(jstr(json_object_get(sent, "inputs")), "a calm tune");
    json_decref(sent);

    /* Overrides merge into parameters: this upstream's own length field. */
    T_EQ_INT(http_post_json(srv.port, "/api/inference",
                            json_pack("{s:s, s:{s:s}, s:{s:{s:i}}}", "model", "hf:acme/composer",
                                      "inputs", "text", "a longer tune", "provider_overrides",
                                      "parameters", "duration_s", 2),
                            &resp),
             200);
    expect_wav_b64(json_object_get(json_object_get(json_object_get(resp, "result"),
                                                   "task_output"), "audio"),
                   16000, 2.0);
    json_decref(resp);

    /* The Hugging Face route answers the file itself. */
    struct http_response r;
    T_EQ_INT(http_request(srv.port, "POST", "/models/hf:acme/composer",
                          "Content-Type: application/json\r\n", "{\"inputs\": \"a march\"}", &r),
             0);
    T_EQ_INT(r.status, 200);
    char type[64];
    T_EQ_STR(http_response_header(&r, "Content-Type", type, sizeof type), "audio/wav");
    expect_wav(r.body.data, r.body.len, 16000, 1.0);
    http_response_cleanup(&r);

    /* Streamed: the file as one audio event, then done. */
    json_t *events = NULL;
    bool complete = false;
    T_EQ_INT(http_stream_collect(srv.port, "/api/inference/stream",
                                 json_pack("{s:s, s:{s:s}}", "model", "hf:acme/composer",
                                           "inputs", "text", "a waltz"),
                                 &events, &complete),
             200);
    size_t n = json_array_size(events);
    T_REQUIRE(n >= 2);
    json_t *file = json_object_get(json_array_get(events, n - 2), "json");
    T_EQ_STR(jstr(json_object_get(file, "type")), "audio");
    expect_wav_b64(json_object_get(file, "audio"), 16000, 1.0);
    T_EQ_STR(jstr(json_object_get(json_object_get(json_array_get(events, n - 1), "json"),
                                  "type")),
             "done");
    json_decref(events);

    unsigned before = media_server_count(studio, "POST", "/");
    json_t *b = json_pack("{s:s, s:{s:s, s:i}}", "model", "hf:acme/composer", "inputs", "text",
                          "x", "duration", 30);
    expect_error("/api/inference", b, 422, "inputs.duration", "decides its own length");
    T_EQ_INT(media_server_count(studio, "POST", "/"), before);
    expect_error("/api/inference",
                 json_pack("{s:s, s:{s:s}}", "model", "hf:acme/composer", "inputs", "text",
                           "garble the tune"),
                 502, NULL, "not a WAV");
    expect_error("/api/inference",
                 json_pack("{s:s, s:{s:s}}", "model", "hf:acme/composer", "inputs", "text",
                           "refuse the tune"),
                 400, NULL, "refused by the test upstream");
    /* Served only by a provider Switchyard does not relay to: named. */
    expect_error("/api/inference", film("hf:acme/filmmaker", "x"), 422, NULL, "fal-ai");
}

int main(void)
{
    if (test_env_init(&srv) != 0)
        return 1;
    char root[1024], cache[1024];
    snprintf(root, sizeof root, "%s/hub", srv.tmp);
    snprintf(cache, sizeof cache, "%s/hub-cache", srv.tmp);
    mkdir(root, 0755);
    int bad = hub_server_add_repo(root, "acme/composer",
                                  "{\"pipeline_tag\": \"text-to-audio\", "
                                  "\"inferenceProviderMapping\": [{\"provider\": \"hf-inference\", "
                                  "\"providerId\": \"acme/composer\", \"task\": \"text-to-audio\", "
                                  "\"status\": \"live\"}]}") |
              hub_server_add_repo(root, "acme/filmmaker",
                                  "{\"pipeline_tag\": \"text-to-video\", "
                                  "\"inferenceProviderMapping\": [{\"provider\": \"fal-ai\", "
                                  "\"providerId\": \"fal-ai/wan\", \"task\": \"text-to-video\", "
                                  "\"status\": \"live\"}]}");
    studio = media_server_start();
    hub = hub_server_start(root);
    if (bad || !studio || !hub) {
        printf("Bail out! the media upstream or the Hub did not start\n");
        return 1;
    }
    setenv("SY_TEST_MEDIA_KEY", KEY, 1);
    int port = media_server_port(studio);
    char providers[1536], hub_url[64];
    snprintf(providers, sizeof providers,
             "[{\"name\":\"studio\",\"kind\":\"openai\",\"base_url\":\"http://127.0.0.1:%d/v1\","
             "\"api_key_env\":\"SY_TEST_MEDIA_KEY\",\"poll_interval_ms\":100,"
             "\"videos\":{\"clip\":{\"sizes\":[\"64x36\",\"32x18\"],\"seconds\":[1,2]},"
             "\"any\":{}}},"
             "{\"name\":\"brief\",\"kind\":\"openai\",\"base_url\":\"http://127.0.0.1:%d/v1\","
             "\"poll_interval_ms\":100,\"job_timeout\":1,\"videos\":{\"clip\":{}}},"
             "{\"name\":\"hf\",\"kind\":\"hf\",\"base_url\":\"http://127.0.0.1:%d\","
             "\"api_key_env\":\"SY_TEST_MEDIA_KEY\"}]",
             port, port, port);
    snprintf(hub_url, sizeof hub_url, "http://127.0.0.1:%d", hub_server_port(hub));
    const char *args[] = {"--providers", providers, "--hub-url", hub_url, "--hub-cache", cache,
                          NULL};
    if (test_server_start(&srv, args) != 0) {
        printf("Bail out! the server did not start\n");
        return 1;
    }
    T_RUN(test_listing);
    T_RUN(test_video_task);
    T_RUN(test_video_stream);
    T_RUN(test_hf_route);
    T_RUN(test_video_refusals);
    T_RUN(test_video_failures);
    T_RUN(test_hang_up_stops_polling);
    T_RUN(test_openai_videos);
    T_RUN(test_openai_video_states);
    T_RUN(test_openai_video_refusals);
    T_RUN(test_gateway_chain);
    T_RUN(test_music);
    T_EQ_INT(test_server_stop(&srv), 0);
    media_server_stop(studio);
    hub_server_stop(hub);
    test_env_cleanup(&srv);
    return t_done();
}
