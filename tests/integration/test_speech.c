/* test_speech.c -- speech end to end: espeak-ng speaks, pocketsphinx listens,
 * through the OpenAI, Hugging Face and task surfaces of the real server.
 *
 * The round trips are the point: text goes in, audio comes out in every
 * format, that audio goes back in, and the words must come out again (with
 * the phrase list, where pocketsphinx is accurate). Audio is checked by
 * decoding it with libsndfile (through the server's own decoder module). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio/audio_decode.h"
#include "audio/audio_encode.h"
#include "http_client.h"
#include "t.h"
#include "test_server.h"
#include "util/base64.h"

static struct test_server srv;

static const char *const phrases[] = {"hello world", "turn on the light", "what time is it",
                                      "open the door", NULL};

/* ---- helpers ---------------------------------------------------------------------------- */

/* POSTs JSON and returns the raw response (caller cleans up). */
static int post_raw(const char *path, const char *extra, json_t *body, struct http_response *r)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    char headers[512];
    snprintf(headers, sizeof headers, "Content-Type: application/json\r\n%s", extra ? extra : "");
    int rc = http_request(srv.port, "POST", path, headers, text, r);
    free(text);
    return rc == 0 ? r->status : -1;
}

static void expect_error(int status, const struct http_response *r, int want, const char *param)
{
    if (status != want)
        printf("#   got %d (want %d): %.*s\n", status, want, (int)r->body.len,
               r->body.data ? r->body.data : "");
    T_EQ_INT(status, want);
    json_t *body = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
    json_t *err = json_object_get(body, "error");
    T_ASSERT(json_is_string(json_object_get(err, "message")));
    if (param)
        T_EQ_STR(json_string_value(json_object_get(err, "param")), param);
    json_decref(body);
}

/* Speaks text through /v1/audio/speech as wav; returns the file. */
static struct sy_buf speak(const char *model, const char *text, const char *voice)
{
    struct http_response r;
    json_t *body = json_pack("{s:s, s:s, s:s}", "model", model, "input", text, "response_format",
                             "wav");
    if (voice)
        json_object_set_new(body, "voice", json_string(voice));
    int status = post_raw("/v1/audio/speech", NULL, body, &r);
    T_EQ_INT(status, 200);
    struct sy_buf out = r.body;
    buf_init(&r.body, 0);
    http_response_cleanup(&r);
    return out;
}

static int transcribe(const struct sy_buf *file, const char *const *fields,
                      struct http_response *r)
{
    return http_post_multipart(srv.port, "/v1/audio/transcriptions", file, fields, r);
}

/* phrases[] fields for the phrase list, then more fields. */
static const char *const *with_phrases(const char **fields, size_t max, const char *const *more)
{
    size_t n = 0;
    for (size_t i = 0; phrases[i] && n + 2 < max; i++) {
        fields[n++] = "phrases[]";
        fields[n++] = phrases[i];
    }
    for (size_t i = 0; more && more[i] && n + 2 < max; i++)
        fields[n++] = more[i];
    fields[n] = NULL;
    return fields;
}

static json_t *body_json(const struct http_response *r)
{
    return json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_listed(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models", NULL, &resp), 200);
    bool tts = false, stt = false;
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(resp, "data"), i, m) {
        const char *id = json_string_value(json_object_get(m, "id"));
        json_t *speech = json_object_get(json_object_get(m, "capabilities"), "speech");
        if (id && strcmp(id, "espeak-ng") == 0) {
            tts = true;
            char *voices = json_dumps(json_object_get(speech, "voices"), JSON_COMPACT);
            T_CONTAINS(voices, "\"alloy\"");
            T_CONTAINS(voices, "\"en-us\"");
            free(voices);
        }
        if (id && strcmp(id, "pocketsphinx-en-us") == 0) {
            stt = true;
            T_EQ_STR(jstr(json_array_get(json_object_get(speech, "languages"), 0)), "en");
            T_ASSERT(json_is_true(json_object_get(speech, "phrases")));
            T_ASSERT(json_is_false(json_object_get(speech, "prompt")));
        }
    }
    T_ASSERT(tts);
    T_ASSERT(stt);
    json_decref(resp);
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models?type=speech", NULL, &resp), 200);
    T_EQ_INT(json_array_size(json_object_get(resp, "data")), 2);
    json_decref(resp);
    /* The aliases resolve to the built-ins. */
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models/whisper-1", NULL, &resp), 200);
    T_EQ_STR(jstr(json_object_get(resp, "id")), "pocketsphinx-en-us");
    json_decref(resp);
}

/* Every format the server offers decodes back to the rate the format
 * promises, one channel, and about the length of the wav rendering. */
static void test_formats(void)
{
    struct sy_buf wav = speak("tts-1", "The quick brown fox jumps over the lazy dog.", "alloy");
    struct audio_pcm ref;
    T_REQUIRE(audio_decode(wav.data, wav.len, 16000, 60, &ref, NULL) == SY_OK);
    T_EQ_INT(ref.source_channels, 1);
    T_EQ_INT(ref.source_rate, 22050);
    T_ASSERT(ref.source_seconds > 1.0 && ref.source_seconds < 10.0);
    static const struct {
        const char *name, *type;
        unsigned rate;
        double slack; /* encoder delay and padding, seconds */
    } formats[] = {{"mp3", "audio/mpeg", 22050, 0.15},
                   {"opus", "audio/ogg", 48000, 0.1},
                   {"flac", "audio/flac", 22050, 0.01},
                   {"wav", "audio/wav", 22050, 0.01}};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        struct http_response r;
        json_t *body = json_pack("{s:s, s:s, s:s}", "model", "espeak-ng", "input",
                                 "The quick brown fox jumps over the lazy dog.", "response_format",
                                 formats[i].name);
        printf("# format %s\n", formats[i].name);
        T_EQ_INT(post_raw("/v1/audio/speech", NULL, body, &r), 200);
        char type[128];
        T_EQ_STR(http_response_header(&r, "Content-Type", type, sizeof type), formats[i].type);
        struct audio_pcm pcm;
        T_REQUIRE(audio_decode(r.body.data, r.body.len, 16000, 60, &pcm, NULL) == SY_OK);
        T_EQ_INT(pcm.source_rate, formats[i].rate);
        T_EQ_INT(pcm.source_channels, 1);
        T_ASSERT(fabs(pcm.source_seconds - ref.source_seconds) <= formats[i].slack);
        audio_pcm_cleanup(&pcm);
        http_response_cleanup(&r);
    }
    /* pcm: raw 16-bit mono at 24 kHz, as OpenAI documents it. */
    struct http_response r;
    json_t *body = json_pack("{s:s, s:s, s:s}", "model", "espeak-ng", "input",
                             "The quick brown fox jumps over the lazy dog.", "response_format",
                             "pcm");
    T_EQ_INT(post_raw("/v1/audio/speech", NULL, body, &r), 200);
    T_EQ_INT(r.body.len % 2, 0);
    T_ASSERT(fabs((double)r.body.len / 48000.0 - ref.source_seconds) < 0.02);
    http_response_cleanup(&r);
    audio_pcm_cleanup(&ref);
    buf_cleanup(&wav);

    body = json_pack("{s:s, s:s, s:s}", "model", "espeak-ng", "input", "hi", "response_format",
                     "aac");
    expect_error(post_raw("/v1/audio/speech", NULL, body, &r), &r, 422, "response_format");
    T_CONTAINS(r.body.data, "mp3");
    http_response_cleanup(&r);
}

/* Speak each phrase, listen with the phrase list: the words come back. */
static void test_round_trip_openai(void)
{
    for (size_t i = 0; phrases[i]; i++) {
        struct sy_buf wav = speak("espeak-ng", phrases[i], "echo");
        const char *fields[32];
        const char *more[] = {"model", "whisper-1", NULL};
        struct http_response r;
        T_EQ_INT(transcribe(&wav, with_phrases(fields, 32, more), &r), 200);
        json_t *body = body_json(&r);
        printf("# said '%s', heard '%s'\n", phrases[i], jstr(json_object_get(body, "text")));
        T_EQ_STR(jstr(json_object_get(body, "text")), phrases[i]);
        json_t *usage = json_object_get(body, "usage");
        T_EQ_STR(jstr(json_object_get(usage, "type")), "duration");
        T_ASSERT(json_number_value(json_object_get(usage, "seconds")) > 0.3);
        json_decref(body);
        http_response_cleanup(&r);
        buf_cleanup(&wav);
    }
}

/* The transcript formats, with two phrases and a pause between them. */
static void test_transcript_formats(void)
{
    struct sy_buf first = speak("espeak-ng", "open the door", NULL);
    struct audio_pcm a, b;
    T_REQUIRE(audio_decode(first.data, first.len, 16000, 60, &a, NULL) == SY_OK);
    struct sy_buf second = speak("espeak-ng", "turn on the light", NULL);
    T_REQUIRE(audio_decode(second.data, second.len, 16000, 60, &b, NULL) == SY_OK);
    /* Both phrases with a second of silence between them, as one WAV file
     * (written by the server's own encoder module). */
    struct audio_encoder *enc;
    struct sy_buf joined;
    buf_init(&joined, 64u << 20);
    T_REQUIRE(audio_encoder_create(AUDIO_WAV, 16000, &enc, NULL) == SY_OK);
    int16_t silence[16000] = {0};
    T_ASSERT(audio_encoder_write(enc, a.samples, a.n, &joined, NULL) == SY_OK);
    T_ASSERT(audio_encoder_write(enc, silence, 16000, &joined, NULL) == SY_OK);
    T_ASSERT(audio_encoder_write(enc, b.samples, b.n, &joined, NULL) == SY_OK);
    T_ASSERT(audio_encoder_finish(enc, &joined, NULL) == SY_OK);
    audio_encoder_destroy(enc);
    const char *fields[32];
    const char *more[] = {"model", "pocketsphinx-en-us", "response_format", "verbose_json", NULL};
    struct http_response r;
    T_EQ_INT(transcribe(&joined, with_phrases(fields, 32, more), &r), 200);
    json_t *body = body_json(&r);
    T_EQ_STR(jstr(json_object_get(body, "task")), "transcribe");
    T_EQ_STR(jstr(json_object_get(body, "language")), "en");
    T_EQ_STR(jstr(json_object_get(body, "text")), "open the door turn on the light");
    double duration = json_number_value(json_object_get(body, "duration"));
    T_ASSERT(fabs(duration - (double)(a.n + 16000 + b.n) / 16000.0) < 0.05);
    json_t *segs = json_object_get(body, "segments");
    T_EQ_INT(json_array_size(segs), 2);
    T_EQ_STR(jstr(json_object_get(json_array_get(segs, 0), "text")), "open the door");
    T_EQ_STR(jstr(json_object_get(json_array_get(segs, 1), "text")), "turn on the light");
    /* The second starts after the pause. */
    T_ASSERT(json_number_value(json_object_get(json_array_get(segs, 1), "start")) >
             (double)a.n / 16000.0 + 0.5);
    double last_end = 0;
    size_t i;
    json_t *seg;
    json_array_foreach(segs, i, seg) {
        double start = json_number_value(json_object_get(seg, "start"));
        double end = json_number_value(json_object_get(seg, "end"));
        T_EQ_INT(json_integer_value(json_object_get(seg, "id")), (long long)i);
        if (!(start >= last_end - 1e-6 && end > start && end <= duration + 0.05))
            printf("#   segment %zu: %.3f..%.3f after %.3f, audio %.3f s\n", i, start, end,
                   last_end, duration);
        T_ASSERT(start >= last_end - 1e-6 && end > start && end <= duration + 0.05);
        last_end = end;
    }
    json_decref(body);
    http_response_cleanup(&r);

    const char *srt[] = {"model", "pocketsphinx-en-us", "response_format", "srt", NULL};
    T_EQ_INT(transcribe(&second, with_phrases(fields, 32, srt), &r), 200);
    char type[128];
    T_CONTAINS(http_response_header(&r, "Content-Type", type, sizeof type), "text/plain");
    T_CONTAINS(r.body.data, "1\n00:00:0");
    T_CONTAINS(r.body.data, " --> 00:00:0");
    T_CONTAINS(r.body.data, "turn on the light\n");
    http_response_cleanup(&r);

    const char *vtt[] = {"model", "pocketsphinx-en-us", "response_format", "vtt", NULL};
    T_EQ_INT(transcribe(&second, with_phrases(fields, 32, vtt), &r), 200);
    T_ASSERT(strncmp(r.body.data, "WEBVTT\n\n00:00:0", 15) == 0);
    T_CONTAINS(r.body.data, ".");
    http_response_cleanup(&r);

    const char *text[] = {"model", "pocketsphinx-en-us", "response_format", "text", NULL};
    T_EQ_INT(transcribe(&second, with_phrases(fields, 32, text), &r), 200);
    T_EQ_STR(r.body.data, "turn on the light\n");
    http_response_cleanup(&r);

    /* Without the phrase list: the open language model answers something
     * well-formed (its accuracy on synthetic speech is not the point). */
    const char *open_lm[] = {"model", "pocketsphinx-en-us", "response_format", "verbose_json",
                             NULL};
    T_EQ_INT(transcribe(&second, open_lm, &r), 200);
    body = body_json(&r);
    T_ASSERT(json_is_string(json_object_get(body, "text")));
    T_ASSERT(json_is_array(json_object_get(body, "segments")));
    json_decref(body);
    http_response_cleanup(&r);
    audio_pcm_cleanup(&a);
    audio_pcm_cleanup(&b);
    buf_cleanup(&first);
    buf_cleanup(&second);
    buf_cleanup(&joined);
}

static void test_transcription_stream(void)
{
    struct sy_buf wav = speak("espeak-ng", "what time is it", NULL);
    const char *fields[32];
    const char *more[] = {"model", "whisper-1", "stream", "true", NULL};
    struct http_response r;
    T_EQ_INT(transcribe(&wav, with_phrases(fields, 32, more), &r), 200);
    char type[128];
    T_EQ_STR(http_response_header(&r, "Content-Type", type, sizeof type), "text/event-stream");
    T_CONTAINS(r.body.data, "\"type\":\"transcript.text.delta\"");
    T_CONTAINS(r.body.data, "\"type\":\"transcript.text.done\"");
    T_CONTAINS(r.body.data, "\"text\":\"what time is it\"");
    http_response_cleanup(&r);
    buf_cleanup(&wav);
}

static void test_hf_surface(void)
{
    struct http_response r;
    json_t *body = json_pack("{s:s}", "inputs", "hello world");
    T_EQ_INT(post_raw("/models/espeak-ng", "Accept: audio/wav\r\n", body, &r), 200);
    char type[128];
    T_EQ_STR(http_response_header(&r, "Content-Type", type, sizeof type), "audio/wav");
    struct sy_buf wav = r.body;
    buf_init(&r.body, 0);
    http_response_cleanup(&r);

    /* JSON with base64 audio and the phrase list: exact words, timed chunks. */
    struct sy_buf b64;
    buf_init(&b64, 64u << 20);
    base64_encode(wav.data, wav.len, &b64, NULL);
    json_t *list = json_array();
    for (size_t i = 0; phrases[i]; i++)
        json_array_append_new(list, json_string(phrases[i]));
    body = json_pack("{s:s, s:{s:o, s:b}, s:{s:b}}", "inputs", b64.data, "parameters", "phrases",
                     list, "return_timestamps", 1, "options", "wait_for_model", 1);
    T_EQ_INT(post_raw("/models/pocketsphinx-en-us", NULL, body, &r), 200);
    json_t *resp = body_json(&r);
    T_EQ_STR(jstr(json_object_get(resp, "text")), "hello world");
    json_t *chunk = json_array_get(json_object_get(resp, "chunks"), 0);
    T_ASSERT(json_is_array(json_object_get(chunk, "timestamp")));
    json_decref(resp);
    http_response_cleanup(&r);

    /* The file itself as the body; an empty body is refused. */
    T_EQ_INT(http_request(srv.port, "POST", "/models/pocketsphinx-en-us",
                          "Content-Type: audio/wav\r\n", NULL, &r),
             0);
    expect_error(r.status, &r, 400, "inputs");
    http_response_cleanup(&r);
    struct http_conn c;
    T_REQUIRE(http_conn_open(&c, srv.port) == 0);
    T_REQUIRE(http_conn_send(&c, "POST", "/models/pocketsphinx-en-us",
                             "Content-Type: audio/wav\r\nX-Wait-For-Model: true\r\n", wav.data,
                             wav.len) == 0);
    T_REQUIRE(http_conn_read_head(&c, &r) == 0 && http_conn_read_body(&c, &r) == 0);
    http_conn_close(&c);
    T_EQ_INT(r.status, 200);
    resp = body_json(&r);
    T_ASSERT(json_is_string(json_object_get(resp, "text")));
    json_decref(resp);
    http_response_cleanup(&r);
    buf_cleanup(&b64);
    buf_cleanup(&wav);
}

static void test_task_api(void)
{
    /* No "task": a speech model does its one task. */
    json_t *resp = NULL;
    json_t *body = json_pack("{s:s, s:{s:s, s:s}}", "model_id", "espeak-ng", "inputs", "text",
                             "hello world", "format", "flac");
    T_EQ_INT(http_post_json(srv.port, "/api/inference", body, &resp), 200);
    json_t *out = json_object_get(json_object_get(resp, "result"), "task_output");
    T_EQ_STR(jstr(json_object_get(out, "content_type")), "audio/flac");
    struct sy_buf flac;
    buf_init(&flac, 64u << 20);
    const char *a64 = json_string_value(json_object_get(out, "audio"));
    T_REQUIRE(a64 && base64_decode(a64, strlen(a64), &flac, NULL) == SY_OK);
    struct audio_pcm pcm;
    T_REQUIRE(audio_decode(flac.data, flac.len, 16000, 60, &pcm, NULL) == SY_OK);
    T_ASSERT(fabs(pcm.source_seconds - json_number_value(json_object_get(out, "duration_s"))) <
             0.05);
    json_t *timings = json_object_get(resp, "timings");
    T_ASSERT(json_number_value(json_object_get(timings, "real_time_factor")) > 0);
    audio_pcm_cleanup(&pcm);
    json_decref(resp);

    /* Streamed: audio events whose bytes, joined, are one wav file. */
    json_t *events = NULL;
    bool complete = false;
    body = json_pack("{s:s, s:s, s:{s:s}}", "model_id", "espeak-ng", "task", "text-to-speech",
                     "inputs", "text", "open the door");
    T_EQ_INT(http_stream_collect(srv.port, "/api/inference/stream", body, &events, &complete),
             200);
    T_ASSERT(complete);
    struct sy_buf wav;
    buf_init(&wav, 64u << 20);
    size_t i, n_audio = 0;
    json_t *ev;
    const char *last = NULL;
    json_array_foreach(events, i, ev) {
        json_t *data = json_object_get(ev, "json");
        last = json_string_value(json_object_get(data, "type"));
        if (strcmp(last, "audio") == 0) {
            const char *chunk = json_string_value(json_object_get(data, "audio"));
            T_ASSERT(base64_decode(chunk, strlen(chunk), &wav, NULL) == SY_OK);
            n_audio++;
        }
        if (strcmp(last, "done") == 0)
            T_ASSERT(json_number_value(json_object_get(
                         json_object_get(data, "timings"), "audio_seconds")) > 0.3);
    }
    T_EQ_STR(last, "done");
    T_ASSERT(n_audio >= 1);
    T_REQUIRE(audio_decode(wav.data, wav.len, 16000, 60, &pcm, NULL) == SY_OK);

    /* ... and that file, recognised through the stream: segment events. */
    struct sy_buf b64;
    buf_init(&b64, 64u << 20);
    base64_encode(wav.data, wav.len, &b64, NULL);
    json_t *list = json_array();
    for (size_t k = 0; phrases[k]; k++)
        json_array_append_new(list, json_string(phrases[k]));
    json_decref(events);
    body = json_pack("{s:s, s:{s:s, s:o}}", "model_id", "pocketsphinx-en-us", "inputs", "audio",
                     b64.data, "phrases", list);
    T_EQ_INT(http_stream_collect(srv.port, "/api/inference/stream", body, &events, &complete),
             200);
    struct sy_buf heard;
    buf_init(&heard, 1 << 20);
    buf_append(&heard, "", 0, NULL);
    json_array_foreach(events, i, ev) {
        json_t *data = json_object_get(ev, "json");
        const char *type = json_string_value(json_object_get(data, "type"));
        if (strcmp(type, "segment") == 0)
            buf_printf(&heard, NULL, "%s%s", heard.len ? " " : "",
                       json_string_value(json_object_get(data, "text")));
        if (strcmp(type, "done") == 0) {
            json_t *t = json_object_get(data, "timings");
            T_ASSERT(fabs(json_number_value(json_object_get(t, "audio_seconds")) -
                          (double)pcm.n / 16000.0) < 0.05);
            double rtf = json_number_value(json_object_get(t, "real_time_factor"));
            printf("# pocketsphinx real-time factor %.3f\n", rtf);
            T_ASSERT(rtf > 0);
        }
    }
    T_EQ_STR(heard.data, "open the door");
    json_decref(events);
    buf_cleanup(&heard);
    buf_cleanup(&b64);
    buf_cleanup(&wav);
    buf_cleanup(&flac);
    audio_pcm_cleanup(&pcm);
}

static void test_errors(void)
{
    struct http_response r;
    expect_error(post_raw("/v1/audio/speech", NULL,
                          json_pack("{s:s, s:s}", "model", "espeak-ng", "input", ""), &r),
                 &r, 400, "input");
    http_response_cleanup(&r);
    expect_error(post_raw("/v1/audio/speech", NULL,
                          json_pack("{s:s, s:s, s:s}", "model", "espeak-ng", "input", "hi",
                                    "voice", "nosuchvoice"),
                          &r),
                 &r, 422, "voice");
    T_CONTAINS(r.body.data, "en-us");
    http_response_cleanup(&r);
    expect_error(post_raw("/v1/audio/speech", NULL,
                          json_pack("{s:s, s:s, s:f}", "model", "espeak-ng", "input", "hi",
                                    "speed", 3.5),
                          &r),
                 &r, 422, "speed");
    http_response_cleanup(&r);
    expect_error(post_raw("/v1/audio/speech", NULL,
                          json_pack("{s:s, s:s, s:s}", "model", "espeak-ng", "input", "hi",
                                    "instructions", "whisper"),
                          &r),
                 &r, 422, "instructions");
    http_response_cleanup(&r);
    /* Speech asked of the speech-to-text model, and the reverse. */
    expect_error(post_raw("/v1/audio/speech", NULL,
                          json_pack("{s:s, s:s}", "model", "whisper-1", "input", "hi"), &r),
                 &r, 422, "task");
    http_response_cleanup(&r);
    struct sy_buf junk;
    buf_init(&junk, 1 << 20);
    buf_append_str(&junk, "this is not audio at all, just some text pretending", NULL);
    const char *tts[] = {"model", "tts-1", NULL};
    expect_error(transcribe(&junk, tts, &r), &r, 422, "model");
    http_response_cleanup(&r);
    const char *stt[] = {"model", "whisper-1", NULL};
    expect_error(transcribe(&junk, stt, &r), &r, 415, "file");
    http_response_cleanup(&r);
    buf_reset(&junk);
    expect_error(transcribe(&junk, stt, &r), &r, 400, "file");
    http_response_cleanup(&r);
    expect_error(transcribe(NULL, stt, &r), &r, 400, "file");
    http_response_cleanup(&r);
    struct sy_buf wav = speak("espeak-ng", "hello world", NULL);
    const char *temp[] = {"model", "whisper-1", "temperature", "0.5", NULL};
    expect_error(transcribe(&wav, temp, &r), &r, 422, "temperature");
    http_response_cleanup(&r);
    const char *lang[] = {"model", "whisper-1", "language", "de", NULL};
    expect_error(transcribe(&wav, lang, &r), &r, 422, "language");
    http_response_cleanup(&r);
    const char *lang_ok[] = {"model", "whisper-1", "language", "en-US", "response_format",
                             "json", NULL};
    T_EQ_INT(transcribe(&wav, lang_ok, &r), 200);
    http_response_cleanup(&r);
    const char *word[] = {"model", "whisper-1", "phrases[]", "hello zzyzzxq", NULL};
    expect_error(transcribe(&wav, word, &r), &r, 400, NULL);
    T_CONTAINS(r.body.data, "zzyzzxq");
    http_response_cleanup(&r);
    const char *unknown[] = {"model", "whisper-1", "colour", "blue", NULL};
    expect_error(transcribe(&wav, unknown, &r), &r, 400, "colour");
    http_response_cleanup(&r);
    /* Not a form at all. */
    expect_error(post_raw("/v1/audio/transcriptions", NULL, json_pack("{s:s}", "model", "x"), &r),
                 &r, 415, NULL);
    http_response_cleanup(&r);
    buf_cleanup(&junk);
    buf_cleanup(&wav);

    /* After all that, both engines still answer. */
    struct sy_buf again = speak("espeak-ng", "hello world", NULL);
    T_ASSERT(again.len > 1000);
    buf_cleanup(&again);
}

/* The open vocabulary's answer for some audio does not depend on what the
 * recogniser heard before (it adapts to a speaker as it listens). */
static void test_same_audio_same_words(void)
{
    struct sy_buf a = speak("espeak-ng", "the weather is nice today", NULL);
    struct sy_buf b = speak("espeak-ng", "please call me tomorrow morning", "en-us+f3");
    const char *open_lm[] = {"model", "pocketsphinx-en-us", "response_format", "text", NULL};
    struct http_response r;
    char *first = NULL;
    for (int i = 0; i < 3; i++) {
        T_EQ_INT(transcribe(i == 1 ? &b : &a, open_lm, &r), 200);
        if (i == 0)
            first = strndup(r.body.data ? r.body.data : "", r.body.len);
        if (i == 2)
            T_EQ_STR(r.body.data ? r.body.data : "", first ? first : "?");
        http_response_cleanup(&r);
    }
    free(first);
    buf_cleanup(&a);
    buf_cleanup(&b);
}

/* Options a model cannot honour are named where the client put them:
 * under inputs (task API) or parameters (Hugging Face). */
static void test_refusals_name_nested_options(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(srv.port, "/api/inference",
                            json_pack("{s:s, s:{s:s, s:s}}", "model_id", "espeak-ng", "inputs",
                                      "text", "hi", "voice", "nosuchvoice"),
                            &resp),
             422);
    T_EQ_STR(jstr(json_object_get(json_object_get(resp, "error"), "param")), "inputs.voice");
    json_decref(resp);
    struct sy_buf wav = speak("espeak-ng", "hello world", NULL);
    struct sy_buf b64;
    buf_init(&b64, 16u << 20);
    T_REQUIRE(base64_encode(wav.data, wav.len, &b64, NULL) == SY_OK);
    T_EQ_INT(http_post_json(srv.port, "/api/inference",
                            json_pack("{s:s, s:{s:s, s:s}}", "model_id", "pocketsphinx-en-us",
                                      "inputs", "audio", b64.data, "prompt", "greetings"),
                            &resp),
             422);
    T_EQ_STR(jstr(json_object_get(json_object_get(resp, "error"), "param")), "inputs.prompt");
    json_decref(resp);
    T_EQ_INT(http_post_json(srv.port, "/models/pocketsphinx-en-us",
                            json_pack("{s:s, s:{s:s}}", "inputs", b64.data, "parameters",
                                      "language", "de"),
                            &resp),
             422);
    T_EQ_STR(jstr(json_object_get(json_object_get(resp, "error"), "param")),
             "parameters.language");
    json_decref(resp);
    buf_cleanup(&b64);
    buf_cleanup(&wav);
}

static void test_status(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/api/models/status", NULL, &resp), 200);
    char *text = json_dumps(resp, JSON_COMPACT);
    T_CONTAINS(text, "\"espeak-ng\"");
    T_CONTAINS(text, "\"pocketsphinx-en-us\"");
    free(text);
    json_decref(resp);
    /* Built-ins cannot be deleted. */
    T_EQ_INT(http_json(srv.port, "DELETE", "/api/models/espeak-ng", NULL, &resp), 403);
    json_decref(resp);
}

int main(void)
{
    if (test_env_init(&srv) != 0)
        return 1;
    if (test_server_start(&srv, NULL) != 0) {
        printf("Bail out! the server did not start\n");
        return 1;
    }
    T_RUN(test_listed);
    T_RUN(test_formats);
    T_RUN(test_round_trip_openai);
    T_RUN(test_transcript_formats);
    T_RUN(test_transcription_stream);
    T_RUN(test_hf_surface);
    T_RUN(test_task_api);
    T_RUN(test_errors);
    T_RUN(test_refusals_name_nested_options);
    T_RUN(test_same_audio_same_words);
    T_RUN(test_status);
    int stopped = test_server_stop(&srv);
    if (stopped != 0) {
        printf("# server exit status %d\n", stopped);
        test_server_dump_log(&srv);
    }
    T_EQ_INT(stopped, 0);
    test_env_cleanup(&srv);
    return t_done();
}
