/* tts_espeak.c -- espeak-ng in synchronous mode: its callback hands us
 * samples as it makes them, and they go out as `audio` frames at once. */
#include "workers/speech/tts_espeak.h"

#include <ctype.h>
#include <espeak-ng/speak_lib.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TEXT_MAX (64 * 1024)
#define RATE_MIN 80
#define RATE_MAX 450

static int sample_rate;

/* The request the callback is working for. */
static struct {
    struct link *link;
    uint64_t id;
    size_t samples;
    bool failed;
} synth;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int on_samples(short *wav, int n, espeak_EVENT *events)
{
    (void)events;
    if (wav && n > 0) {
        if (!link_audio(synth.link, synth.id, wav, (size_t)n)) {
            synth.failed = true;
            return 1;
        }
        synth.samples += (size_t)n;
    }
    link_poll(synth.link);
    return synth.link->cancelled || synth.link->shutdown ? 1 : 0; /* 1 stops synthesis */
}

int tts_espeak_init(const char *data_dir, char *why, size_t why_size)
{
    char phontab[PATH_MAX];
    snprintf(phontab, sizeof phontab, "%s/phontab", data_dir);
    if (access(phontab, R_OK) != 0) {
        snprintf(why, why_size,
                 "espeak-ng data not found at %s (install Debian's espeak-ng-data, or set "
                 "espeak_data)",
                 data_dir);
        return 0;
    }
    /* espeak-ng wants the directory that holds espeak-ng-data. */
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", data_dir);
    int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 200, dirname(copy),
                                 espeakINITIALIZE_DONT_EXIT);
    if (rate <= 0) {
        snprintf(why, why_size, "espeak-ng failed to start with data at %s", data_dir);
        return 0;
    }
    espeak_SetSynthCallback(on_samples);
    sample_rate = rate;
    return rate;
}

void tts_espeak_close(void)
{
    if (sample_rate)
        espeak_Terminate();
    sample_rate = 0;
}

/* A voice's short name: the last part of its identifier, lower-case
 * ("gmw/en-US" -> "en-us"), which espeak_SetVoiceByName accepts. */
static void short_name(const char *identifier, char *out, size_t size)
{
    const char *slash = strrchr(identifier, '/');
    snprintf(out, size, "%s", slash ? slash + 1 : identifier);
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
}

json_t *tts_espeak_describe(void)
{
    json_t *voices = json_array();
    const espeak_VOICE **list = espeak_ListVoices(NULL);
    for (size_t i = 0; list && list[i]; i++) {
        const espeak_VOICE *v = list[i];
        if (!v->identifier || strncmp(v->identifier, "mb/", 3) == 0)
            continue; /* mbrola voices need data Debian does not ship with espeak-ng */
        char name[64];
        short_name(v->identifier, name, sizeof name);
        const char *lang = v->languages && v->languages[0] ? v->languages + 1 : name;
        const char *gender = v->gender == 1 ? "male" : v->gender == 2 ? "female" : "";
        json_array_append_new(voices, json_pack("{s:s, s:s, s:s, s:s}", "name", name, "language",
                                                lang, "gender", gender, "description",
                                                v->name ? v->name : ""));
    }
    const char *version = espeak_Info(NULL);
    return json_pack("{s:s, s:s, s:s, s:i, s:o}", "type", "description", "engine", "espeak-ng",
                     "version", version ? version : "", "sample_rate", sample_rate, "voices",
                     voices);
}

bool tts_espeak_run(struct link *l, const json_t *req)
{
    uint64_t id = (uint64_t)json_integer_value(json_object_get(req, "id"));
    const json_t *text = json_object_get(req, "text");
    const char *voice = json_string_value(json_object_get(req, "voice"));
    const json_t *rate = json_object_get(req, "rate");
    if (!json_is_string(text) || json_string_length(text) == 0)
        return link_error(l, id, "invalid_request", "'text' must be non-empty text to speak");
    if (json_string_length(text) > TEXT_MAX)
        return link_error(l, id, "invalid_request", "'text' is longer than %d bytes", TEXT_MAX);
    if (!voice || !voice[0])
        return link_error(l, id, "invalid_request", "'voice' is required");
    if (!json_is_integer(rate) || json_integer_value(rate) < RATE_MIN ||
        json_integer_value(rate) > RATE_MAX)
        return link_error(l, id, "invalid_request", "'rate' must be %d to %d words per minute",
                          RATE_MIN, RATE_MAX);
    if (espeak_SetVoiceByName(voice) != EE_OK)
        return link_error(l, id, "invalid_request",
                          "espeak-ng has no voice '%s'; try en-us, en, de, fr, es, or add a "
                          "variant such as en-us+f3",
                          voice);
    if (json_is_true(json_object_get(req, "cancelled")))
        return link_send(l, json_pack("{s:s, s:I, s:s, s:f, s:f}", "type", "done", "id",
                                      (json_int_t)id, "finish_reason", "cancelled",
                                      "audio_seconds", 0.0, "decode_ms", 0.0));
    espeak_SetParameter(espeakRATE, (int)json_integer_value(rate), 0);
    if (!link_send(l, json_pack("{s:s, s:I, s:I}", "type", "started", "id", (json_int_t)id,
                                "input_chars", (json_int_t)json_string_length(text))))
        return false;
    synth.link = l;
    synth.id = id;
    synth.samples = 0;
    synth.failed = false;
    double t0 = now_ms();
    espeak_ERROR rc = espeak_Synth(json_string_value(text), json_string_length(text) + 1, 0,
                                   POS_CHARACTER, 0, espeakCHARS_UTF8, NULL, NULL);
    double ms = now_ms() - t0;
    if (synth.failed)
        return false;
    if (rc != EE_OK && !l->cancelled && !l->shutdown)
        return link_error(l, id, "engine_failed", "espeak-ng could not synthesise (error %d)",
                          (int)rc);
    bool stopped = l->cancelled || l->shutdown;
    return link_send(l, json_pack("{s:s, s:I, s:s, s:f, s:f}", "type", "done", "id",
                                  (json_int_t)id, "finish_reason", stopped ? "cancelled" : "stop",
                                  "audio_seconds", (double)synth.samples / sample_rate,
                                  "decode_ms", ms));
}
