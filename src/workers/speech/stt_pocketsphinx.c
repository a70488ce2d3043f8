/* stt_pocketsphinx.c -- pocketsphinx (5prealpha, Debian) in batch mode.
 *
 * The audio arrives whole, then is decoded in quarter-second chunks so a
 * cancel is noticed quickly. Words come back with frame times (100 per
 * second); a pause of SEGMENT_GAP_FRAMES or more starts a new segment.
 * With `phrases`, a JSGF grammar limits what can be heard to those phrases
 * in any order, which is where pocketsphinx is accurate. */
#include "workers/speech/stt_pocketsphinx.h"

#include <ctype.h>
#include <limits.h>
#include <pocketsphinx.h>
#include <sphinxbase/cmn.h>
#include <sphinxbase/feat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/base64.h"
#include "util/buf.h"

#define SAMPLES_MAX ((size_t)STT_RATE * 3600) /* an hour */
#define CHUNK (STT_RATE / 4)
#define FRAME_RATE 100
#define SEGMENT_GAP_FRAMES 30
#define PHRASES_MAX 256
#define GRAMMAR "phrases"

static ps_decoder_t *ps;
static char lm_search[64];
/* The cepstral mean the model starts from. pocketsphinx moves it towards
 * what it hears and keeps it from one utterance to the next, so the same
 * audio would be heard differently depending on what came before; every
 * request starts from this one instead. */
static mfcc_t *initial_cmn;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

bool stt_init(const char *model_dir, bool describe_only, bool verbose, char *why,
              size_t why_size)
{
    char hmm[PATH_MAX], lm[PATH_MAX], dict[PATH_MAX];
    snprintf(hmm, sizeof hmm, "%s/en-us", model_dir);
    snprintf(lm, sizeof lm, "%s/en-us.lm.bin", model_dir);
    snprintf(dict, sizeof dict, "%s/cmudict-en-us.dict", model_dir);
    const char *need[] = {hmm, lm, dict};
    for (size_t i = 0; i < 3; i++) {
        if (access(need[i], R_OK) != 0) {
            snprintf(why, why_size,
                     "pocketsphinx model incomplete: %s is missing (install Debian's "
                     "pocketsphinx-en-us, or set pocketsphinx_model)",
                     need[i]);
            return false;
        }
    }
    if (describe_only)
        return true;
    cmd_ln_t *config = cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", hmm, "-lm", lm, "-dict", dict,
                                   "-samprate", "16000", "-remove_silence", "no", "-logfn",
                                   verbose ? "/dev/stderr" : "/dev/null", NULL);
    if (!config || !(ps = ps_init(config))) {
        snprintf(why, why_size, "pocketsphinx failed to load the model at %s", model_dir);
        return false;
    }
    cmd_ln_free_r(config); /* ps holds its own reference */
    snprintf(lm_search, sizeof lm_search, "%s", ps_get_search(ps));
    cmn_t *cmn = ps_get_feat(ps)->cmn_struct;
    if (cmn && (initial_cmn = calloc((size_t)cmn->veclen, sizeof *initial_cmn)))
        cmn_live_get(cmn, initial_cmn);
    return true;
}

void stt_close(void)
{
    if (ps)
        ps_free(ps);
    ps = NULL;
    free(initial_cmn);
    initial_cmn = NULL;
}

json_t *stt_describe(void)
{
    return json_pack("{s:s, s:s, s:s, s:i, s:[s]}", "type", "description", "engine",
                     "pocketsphinx", "version", "5prealpha", "sample_rate", STT_RATE,
                     "languages", "en");
}

/* Builds the grammar for phrases; checks every word is in the dictionary. */
static bool build_grammar(struct link *l, uint64_t id, const json_t *phrases, struct sy_buf *g)
{
    buf_append_str(g, "#JSGF V1.0;\ngrammar " GRAMMAR ";\npublic <utt> = (", NULL);
    size_t i;
    json_t *p;
    json_array_foreach(phrases, i, p) {
        const char *text = json_string_value(p);
        if (!text || !text[0] || json_string_length(p) > 256 || i >= PHRASES_MAX)
            return link_error(l, id, "invalid_request",
                              "'phrases[%zu]' must be a phrase of 1 to 256 bytes (at most %d)", i,
                              PHRASES_MAX),
                   false;
        buf_append_str(g, i ? " | " : " ", NULL);
        char word[128];
        size_t w = 0;
        for (const char *c = text;; c++) {
            if (*c && !isspace((unsigned char)*c)) {
                if (!isalnum((unsigned char)*c) && *c != '\'')
                    return link_error(l, id, "invalid_request",
                                      "'phrases[%zu]' may hold letters, digits, apostrophes "
                                      "and spaces only",
                                      i),
                           false;
                if (w + 1 < sizeof word)
                    word[w++] = (char)tolower((unsigned char)*c);
                continue;
            }
            if (w) {
                word[w] = '\0';
                char *pron = ps_lookup_word(ps, word);
                if (!pron)
                    return link_error(l, id, "invalid_request",
                                      "the word '%s' in 'phrases[%zu]' is not in pocketsphinx's "
                                      "dictionary",
                                      word, i),
                           false;
                ckd_free(pron);
                buf_printf(g, NULL, "%s ", word);
                w = 0;
            }
            if (!*c)
                break;
        }
    }
    buf_append_str(g, ")+;\n", NULL);
    return true;
}

/* Silence, noise, sentence marks, and the "(NULL)" nodes a grammar leaves. */
static bool filler(const char *word)
{
    return word[0] == '<' || word[0] == '[' || word[0] == '(' || word[0] == '\0' ||
           strncmp(word, "++", 2) == 0;
}

/* Sends the words as segments split at pauses. */
static bool send_segments(struct link *l, uint64_t id)
{
    struct sy_buf text;
    buf_init(&text, 1u << 20);
    int seg_start = -1, last_end = -1;
    bool ok = true;
    for (ps_seg_t *seg = ps_seg_iter(ps); ok; seg = ps_seg_next(seg)) {
        const char *word = seg ? ps_seg_word(seg) : NULL;
        int sf = 0, ef = 0;
        if (seg)
            ps_seg_frames(seg, &sf, &ef);
        bool speech = word && !filler(word);
        bool flush = text.len && (!seg || (speech && sf - last_end >= SEGMENT_GAP_FRAMES));
        if (flush) {
            ok = link_send(l, json_pack("{s:s, s:I, s:s, s:f, s:f}", "type", "segment", "id",
                                        (json_int_t)id, "text", text.data, "start",
                                        (double)seg_start / FRAME_RATE, "end",
                                        (double)(last_end + 1) / FRAME_RATE));
            buf_reset(&text);
        }
        if (!seg)
            break;
        if (!speech)
            continue;
        if (!text.len)
            seg_start = sf;
        size_t len = strcspn(word, "("); /* "the(2)": an alternate pronunciation */
        buf_printf(&text, NULL, "%s%.*s", text.len ? " " : "", (int)len, word);
        last_end = ef;
    }
    buf_cleanup(&text);
    return ok;
}

bool stt_run(struct link *l, const json_t *req)
{
    uint64_t id = (uint64_t)json_integer_value(json_object_get(req, "id"));
    json_int_t rate = json_integer_value(json_object_get(req, "sample_rate"));
    const char *lang = json_string_value(json_object_get(req, "language"));
    const json_t *phrases = json_object_get(req, "phrases");
    struct sy_buf pcm;
    size_t want = 0;
    int got = link_transcribe_audio(l, req, SAMPLES_MAX, &pcm, &want);
    if (got != 1) {
        buf_cleanup(&pcm);
        return got == 0;
    }
    bool ok = true;
    if (json_is_true(json_object_get(req, "cancelled")))
        ok = link_send(l, json_pack("{s:s, s:I, s:s, s:f, s:f}", "type", "done", "id",
                                    (json_int_t)id, "finish_reason", "cancelled",
                                    "audio_seconds", 0.0, "decode_ms", 0.0));
    else if (rate != STT_RATE)
        ok = link_error(l, id, "invalid_request", "'sample_rate' must be %d", STT_RATE);
    else if (lang && strncmp(lang, "en", 2) != 0)
        ok = link_error(l, id, "invalid_request", "pocketsphinx-en-us knows English (en) only");
    else if (phrases && !json_is_array(phrases))
        ok = link_error(l, id, "invalid_request", "'phrases' must be an array of strings");
    else
        goto decode;
    buf_cleanup(&pcm);
    return ok;

decode:;
    struct sy_buf grammar;
    buf_init(&grammar, 1u << 20);
    if (phrases && json_array_size(phrases)) {
        if (!build_grammar(l, id, phrases, &grammar)) {
            buf_cleanup(&grammar);
            buf_cleanup(&pcm);
            return !l->broken;
        }
        if (ps_set_jsgf_string(ps, GRAMMAR, grammar.data) != 0 ||
            ps_set_search(ps, GRAMMAR) != 0) {
            buf_cleanup(&grammar);
            buf_cleanup(&pcm);
            return link_error(l, id, "invalid_request", "pocketsphinx refused the phrase grammar");
        }
    }
    buf_cleanup(&grammar);
    l->current = id;
    l->cancelled = false;
    ok = link_send(l, json_pack("{s:s, s:I}", "type", "started", "id", (json_int_t)id));
    double t0 = now_ms();
    const int16_t *x = (const int16_t *)(const void *)pcm.data;
    /* A new stream per request: frame times count from its start (they
     * would run on from earlier requests otherwise), and the cepstral mean
     * starts where the model does. */
    if (initial_cmn && ps_get_feat(ps)->cmn_struct)
        cmn_live_set(ps_get_feat(ps)->cmn_struct, initial_cmn);
    bool failed = ps_start_stream(ps) != 0 || ps_start_utt(ps) != 0;
    for (size_t at = 0; ok && !failed && at < want; at += CHUNK) {
        size_t n = want - at < CHUNK ? want - at : CHUNK;
        failed = ps_process_raw(ps, x + at, n, FALSE, FALSE) < 0;
        link_poll(l);
        if (l->cancelled || l->shutdown)
            break;
    }
    if (!failed)
        ps_end_utt(ps);
    double ms = now_ms() - t0;
    bool stopped = l->cancelled || l->shutdown;
    if (ok && failed)
        ok = link_error(l, id, "engine_failed", "pocketsphinx failed to decode the audio");
    else if (ok && !stopped)
        ok = send_segments(l, id);
    if (ok && !failed)
        ok = link_send(l, json_pack("{s:s, s:I, s:s, s:f, s:f}", "type", "done", "id",
                                    (json_int_t)id, "finish_reason",
                                    stopped ? "cancelled" : "stop", "audio_seconds",
                                    (double)want / STT_RATE, "decode_ms", ms));
    if (phrases && json_array_size(phrases))
        ps_set_search(ps, lm_search);
    l->current = 0;
    buf_cleanup(&pcm);
    return ok;
}
