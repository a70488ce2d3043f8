/* local.c -- the local provider: registry lookups, supervisor jobs. */
#include "providers/local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engines/memory_estimate.h"
#include "hub/catalog.h"
#include "hub/hub_remove.h"
#include "models/builtin_speech.h"
#include "util/base64.h"
#include "util/log.h"

/* Samples per `audio` frame (docs/PROTOCOL.md). */
#define AUDIO_FRAME_SAMPLES 65536

struct local {
    struct registry *reg;
    struct builtin_speech *speech;
    struct supervisor *sup;
    struct catalog *catalog; /* may be NULL */
    bool has_token;
};

static void estimate(struct local *lp, const struct registry_entry *e,
                     struct sy_memory_estimate *out)
{
    if (e->engine != ENGINE_LLAMA) {
        /* A speech engine's memory does not depend on context or slots. */
        *out = (struct sy_memory_estimate){
            .weights_bytes = e->shape.weights_bytes, .compute_bytes = e->shape.state_bytes,
            .total_bytes = e->shape.weights_bytes + e->shape.state_bytes, .slots = 1};
        return;
    }
    struct engine_sizing sizing = supervisor_sizing(lp->sup);
    memory_estimate(&e->shape, &sizing, out);
}

/* OpenAI's "whisper-1" names the largest usable whisper model there is, so
 * OpenAI clients get the best local recogniser; the built-in one only when
 * there is none. Returns false if there is none. */
static bool largest_whisper(struct local *lp, struct registry_entry *out)
{
    struct registry_entry *entries;
    size_t n;
    struct sy_err ignored;
    if (registry_list(lp->reg, &entries, &n, &ignored) != SY_OK)
        return false;
    const struct registry_entry *best = NULL;
    for (size_t i = 0; i < n; i++)
        if (entries[i].engine == ENGINE_WHISPER && !entries[i].info.problem[0] &&
            (!best || entries[i].info.size_bytes > best->info.size_bytes))
            best = &entries[i];
    if (best)
        *out = *best;
    free(entries);
    return best != NULL;
}

/* A model by name: a built-in speech model, else a GGUF or whisper model. */
static sy_code lookup(struct local *lp, const char *name, const char *variant,
                      struct registry_entry *out, struct sy_err *err)
{
    if (strcmp(name, "whisper-1") == 0 && !variant[0] && largest_whisper(lp, out))
        return SY_OK;
    sy_code rc = builtin_speech_lookup(lp->speech, name, variant, out, err);
    if (rc == SY_ENOTFOUND)
        rc = registry_lookup(lp->reg, name, variant, out, err);
    if (rc == SY_ENOTFOUND && hub_repo_check(name, NULL) == SY_OK)
        rc = catalog_explain_missing(lp->catalog, name, variant, lp->has_token, rc, err);
    return rc;
}

/* Adds what the supervisor knows: the memory estimate and the residency state. */
static void set_status(struct local *lp, const struct registry_entry *e, struct sy_model_info *info)
{
    estimate(lp, e, &info->memory);
    if (info->problem[0])
        return; /* stays "unusable" */
    struct sy_model_status st;
    supervisor_status(lp->sup, e->path, &st);
    snprintf(info->status, sizeof info->status, "%s", model_state_name(st.state));
}

/* The supervisor's view of a model local_describe() described (which filled
 * its memory estimate). Returns false if its file is gone. */
static bool engine_model_of(struct local *lp, const struct sy_model_info *model,
                            struct registry_entry *e, struct engine_model *out,
                            struct sy_err *err)
{
    if (lookup(lp, model->id, "", e, err) != SY_OK)
        return false;
    *out = (struct engine_model){.kind = e->engine, .id = e->info.id, .path = e->path,
                                 .memory = model->memory};
    return true;
}

static sy_code local_describe(void *self, const char *model, const char *variant,
                              struct sy_model_info *out, struct sy_err *err)
{
    struct local *lp = self;
    struct registry_entry e;
    sy_code rc = lookup(lp, model, variant, &e, err);
    if (rc != SY_OK)
        return rc;
    set_status(lp, &e, &e.info);
    *out = e.info;
    return SY_OK;
}

/* Every local model: the GGUF models, then the built-ins. */
static sy_code list_entries(struct local *lp, struct registry_entry **out, size_t *n,
                            struct sy_err *err)
{
    struct registry_entry *entries;
    size_t count;
    sy_code rc = registry_list(lp->reg, &entries, &count, err);
    if (rc != SY_OK)
        return rc;
    struct registry_entry *all = realloc(entries, (count + BUILTIN_SPEECH_MODELS) * sizeof *all);
    if (!all) {
        free(entries);
        return sy_errf(err, SY_ENOMEM, "out of memory listing models");
    }
    count += builtin_speech_list(lp->speech, all + count);
    *out = all;
    *n = count;
    return SY_OK;
}

static sy_code local_list(void *self, struct sy_model_info **out, size_t *n, struct sy_err *err)
{
    struct local *lp = self;
    struct registry_entry *entries;
    size_t count;
    sy_code rc = list_entries(lp, &entries, &count, err);
    if (rc != SY_OK)
        return rc;
    struct sy_model_info *infos = count ? calloc(count, sizeof *infos) : NULL;
    if (count && !infos) {
        free(entries);
        return sy_errf(err, SY_ENOMEM, "out of memory listing models");
    }
    for (size_t i = 0; i < count; i++) {
        set_status(lp, &entries[i], &entries[i].info);
        infos[i] = entries[i].info;
    }
    free(entries);
    *out = infos;
    *n = count;
    return SY_OK;
}

/* The `generate` frame for req (docs/PROTOCOL.md). */
static json_t *generate_frame(const struct sy_request *req)
{
    const struct sy_settings *s = &req->settings;
    json_t *f = json_object();
    if (!f)
        return NULL;
    if (req->messages) {
        json_t *msgs = json_array();
        for (size_t i = 0; i < req->n_messages; i++)
            json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", req->messages[i].role,
                                                  "content", req->messages[i].content));
        json_object_set_new(f, "messages", msgs);
    } else {
        json_object_set_new(f, "prompt", json_string(req->prompt ? req->prompt : ""));
    }
    if (s->max_new_tokens > 0)
        json_object_set_new(f, "max_tokens", json_integer(s->max_new_tokens));
    json_object_set_new(f, "greedy", json_boolean(settings_greedy(s)));
    json_object_set_new(f, "temperature", json_real(s->temperature));
    json_object_set_new(f, "top_p", json_real(s->top_p));
    json_object_set_new(f, "top_k", json_integer(s->top_k));
    json_object_set_new(f, "repetition_penalty", json_real(s->repetition_penalty));
    json_object_set_new(f, "presence_penalty", json_real(s->presence_penalty));
    json_object_set_new(f, "frequency_penalty", json_real(s->frequency_penalty));
    if (s->given & SY_SETTING_BIT(SY_SETTING_SEED))
        json_object_set_new(f, "seed", json_integer(s->seed));
    json_t *stop = json_array();
    for (size_t i = 0; i < s->n_stop; i++)
        json_array_append_new(stop, json_string(s->stop[i]));
    json_object_set_new(f, "stop", stop);
    return f;
}

/* The `embed` frame for req (docs/PROTOCOL.md, `embed`). */
static json_t *embed_frame(const struct sy_request *req)
{
    json_t *inputs = json_array();
    for (size_t i = 0; inputs && i < req->embed.n_inputs; i++)
        if (json_array_append_new(inputs, json_string(req->embed.inputs[i])) != 0) {
            json_decref(inputs);
            inputs = NULL;
        }
    return inputs ? json_pack("{s:s, s:o, s:b}", "type", "embed", "inputs", inputs, "truncate",
                              req->embed.truncate)
                  : NULL;
}

/* The `synthesize` frame for req (docs/PROTOCOL.md, "Speech workers"). */
static json_t *synthesize_frame(const struct sy_request *req)
{
    double speed = req->speech.speed > 0 ? req->speech.speed : 1.0;
    return json_pack("{s:s, s:s, s:s, s:i}", "type", "synthesize", "text",
                     req->prompt ? req->prompt : "", "voice",
                     builtin_speech_espeak_voice(req->speech.voice), "rate",
                     (int)(175.0 * speed + 0.5));
}

/* The `transcribe` frame for req and the `audio` frames that follow it. */
static sy_code transcribe_frames(const struct sy_request *req, unsigned rate, json_t **frame,
                                 json_t **follow, struct sy_err *err)
{
    const struct sy_speech *sp = &req->speech;
    if (sp->sample_rate != rate)
        return sy_errf(err, SY_EINTERNAL, "audio at %u Hz reached an engine that takes %u Hz",
                       sp->sample_rate, rate);
    json_t *f = json_pack("{s:s, s:I, s:i}", "type", "transcribe", "samples",
                          (json_int_t)sp->n_samples, "sample_rate", (int)rate);
    json_t *chunks = json_array();
    if (f && sp->language[0])
        json_object_set_new(f, "language", json_string(sp->language));
    if (f && req->prompt && req->prompt[0])
        json_object_set_new(f, "prompt", json_string(req->prompt));
    if (f && (req->settings.given & SY_SETTING_BIT(SY_SETTING_TEMPERATURE)))
        json_object_set_new(f, "temperature", json_real(req->settings.temperature));
    if (f && sp->translate)
        json_object_set_new(f, "translate", json_true());
    if (f && sp->n_phrases) {
        json_t *phrases = json_array();
        for (size_t i = 0; i < sp->n_phrases; i++)
            json_array_append_new(phrases, json_string(sp->phrases[i]));
        json_object_set_new(f, "phrases", phrases);
    }
    sy_code rc = f && chunks ? SY_OK : SY_ENOMEM;
    struct sy_buf b64;
    buf_init(&b64, SY_FRAME_MAX);
    for (size_t at = 0; rc == SY_OK && at < sp->n_samples; at += AUDIO_FRAME_SAMPLES) {
        size_t n = sp->n_samples - at < AUDIO_FRAME_SAMPLES ? sp->n_samples - at
                                                            : AUDIO_FRAME_SAMPLES;
        buf_reset(&b64);
        rc = base64_encode(sp->samples + at, n * sizeof *sp->samples, &b64, err);
        json_t *chunk = rc == SY_OK ? json_pack("{s:s, s:s%}", "type", "audio", "pcm",
                                                b64.data, b64.len)
                                    : NULL;
        if (rc == SY_OK && (!chunk || json_array_append_new(chunks, chunk) != 0))
            rc = SY_ENOMEM;
    }
    buf_cleanup(&b64);
    if (rc != SY_OK) {
        json_decref(f);
        json_decref(chunks);
        return rc == SY_ENOMEM ? sy_errf(err, rc, "out of memory handing audio to the engine")
                               : rc;
    }
    *frame = f;
    *follow = chunks;
    return SY_OK;
}

static sy_code local_submit(void *self, const struct sy_request *req,
                            const struct sy_model_info *model, struct sy_sink sink, uint64_t *job,
                            struct sy_err *err)
{
    struct local *lp = self;
    struct registry_entry e;
    struct engine_model em;
    if (!engine_model_of(lp, model, &e, &em, err)) {
        sink.release(sink.ctx);
        return err ? err->code : SY_ENOTFOUND;
    }
    json_t *frame = NULL, *follow = NULL;
    sy_code rc = SY_OK;
    switch (e.engine) {
    case ENGINE_LLAMA:
        frame = req->task == SY_TASK_FEATURE_EXTRACTION ? embed_frame(req) : generate_frame(req);
        break;
    case ENGINE_ESPEAK:
        frame = synthesize_frame(req);
        break;
    case ENGINE_POCKETSPHINX:
    case ENGINE_WHISPER:
        rc = transcribe_frames(req, e.info.caps.sample_rate, &frame, &follow, err);
        break;
    }
    if (rc == SY_OK && !frame)
        rc = sy_errf(err, SY_ENOMEM, "out of memory building the request");
    if (rc != SY_OK) {
        sink.release(sink.ctx);
        return rc;
    }
    rc = supervisor_submit(lp->sup, &em, &req->residency, frame, follow, sink, job, err);
    json_decref(frame);
    json_decref(follow);
    return rc;
}

static sy_code local_load(void *self, const struct sy_model_info *model,
                          const struct sy_residency *r, struct sy_sink sink, struct sy_err *err)
{
    struct local *lp = self;
    struct registry_entry e;
    struct engine_model em;
    if (!engine_model_of(lp, model, &e, &em, err)) {
        sink.release(sink.ctx);
        return err ? err->code : SY_ENOTFOUND;
    }
    return supervisor_load(lp->sup, &em, r, sink, err);
}

static sy_code local_unload(void *self, const struct sy_model_info *model, struct sy_sink sink,
                            struct sy_err *err)
{
    struct local *lp = self;
    struct registry_entry e;
    if (lookup(lp, model->id, "", &e, err) != SY_OK) {
        sink.release(sink.ctx);
        return err ? err->code : SY_ENOTFOUND;
    }
    supervisor_unload(lp->sup, e.path, sink);
    return SY_OK;
}

/* Removal waits for the model's worker to exit, then deletes its files, then
 * tells the caller's sink. */
struct removal {
    struct registry_entry entry;
    struct sy_sink downstream;
    bool unloaded;
    struct sy_err err;
};

static void removal_emit(void *ctx, const struct sy_event *ev)
{
    struct removal *r = ctx;
    if (ev->type == SY_EVENT_DONE)
        r->unloaded = true;
    else if (ev->type == SY_EVENT_ERROR)
        r->err = *ev->err;
}

static void removal_release(void *ctx)
{
    struct removal *r = ctx;
    struct sy_err err = r->err;
    if (r->unloaded && hub_remove_model_file(r->entry.path, &err) == SY_OK) {
        log_info("removed %s from the Hub cache", r->entry.info.id);
        struct sy_event done = {.type = SY_EVENT_DONE};
        r->downstream.emit(r->downstream.ctx, &done);
    } else {
        if (err.code == SY_OK)
            sy_errf(&err, SY_EIO, "model '%s' could not be unloaded", r->entry.info.id);
        struct sy_event ev = {.type = SY_EVENT_ERROR, .err = &err};
        r->downstream.emit(r->downstream.ctx, &ev);
    }
    r->downstream.release(r->downstream.ctx);
    free(r);
}

static sy_code local_remove(void *self, const struct sy_model_info *model, struct sy_sink sink,
                            struct sy_err *err)
{
    struct local *lp = self;
    struct removal *r = calloc(1, sizeof *r);
    sy_code rc = r ? lookup(lp, model->id, "", &r->entry, err)
                   : sy_errf(err, SY_ENOMEM, "out of memory removing a model");
    if (rc == SY_OK && r->entry.engine != ENGINE_LLAMA)
        rc = sy_errp(err, SY_EFORBIDDEN, "model",
                     "model '%s' is built into Switchyard (its data comes from Debian); there "
                     "is nothing to delete",
                     model->id);
    else if (rc == SY_OK && !r->entry.repo[0])
        rc = sy_errp(err, SY_EFORBIDDEN, "model",
                     "model '%s' is a file you put in the models directory (%s); Switchyard "
                     "deletes only models it pulled, so delete that file yourself",
                     model->id, r->entry.path);
    if (rc != SY_OK) {
        free(r);
        sink.release(sink.ctx);
        return rc;
    }
    r->downstream = sink;
    supervisor_unload(lp->sup, r->entry.path,
                      (struct sy_sink){.emit = removal_emit, .release = removal_release, .ctx = r});
    return SY_OK;
}

static sy_code local_status(void *self, struct sy_model_status **out, size_t *n,
                            struct sy_residency_totals *totals, struct sy_err *err)
{
    struct local *lp = self;
    struct registry_entry *entries;
    size_t count;
    sy_code rc = list_entries(lp, &entries, &count, err);
    if (rc != SY_OK)
        return rc;
    struct sy_model_status *list = count ? calloc(count, sizeof *list) : NULL;
    if (count && !list) {
        free(entries);
        return sy_errf(err, SY_ENOMEM, "out of memory reading model status");
    }
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (entries[i].info.problem[0])
            continue; /* unusable files have no residency; /v1/models says why */
        struct sy_model_status *st = &list[kept++];
        supervisor_status(lp->sup, entries[i].path, st);
        if (!st->id[0]) /* never used: it would get the default keep-alive */
            st->keep_alive_ms = supervisor_keep_alive_ms(lp->sup);
        snprintf(st->id, sizeof st->id, "%s", entries[i].info.id);
        if (!st->memory_estimate) {
            struct sy_memory_estimate m;
            estimate(lp, &entries[i], &m);
            st->memory_estimate = m.total_bytes;
        }
    }
    free(entries);
    supervisor_totals(lp->sup, totals);
    *out = list;
    *n = kept;
    return SY_OK;
}

static void local_cancel(void *self, uint64_t job)
{
    struct local *lp = self;
    supervisor_cancel(lp->sup, job);
}

static void local_destroy(void *self)
{
    free(self);
}

/* The local engines take settings, never provider options: anything given
 * would otherwise be dropped without a word. */
static sy_code local_check_options(void *self, const json_t *overrides, struct sy_err *err)
{
    (void)self;
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)overrides, key, value) {
        (void)value;
        char param[SY_ERR_PARAM_MAX];
        snprintf(param, sizeof param, "provider_overrides.%s", key);
        return sy_errp(err, SY_EUNSUPPORTED, param,
                       "local models take no provider options ('%s' was given); use the "
                       "request's settings (temperature, top_k, max_new_tokens, ...) instead",
                       key);
    }
    return SY_OK;
}

static json_t *local_options_schema(void *self)
{
    (void)self;
    return json_pack("{s:s, s:s, s:s, s:{}, s:b}", "$schema",
                     "https://json-schema.org/draft/2020-12/schema", "title",
                     "Provider options of the local engines (none: use settings)", "type",
                     "object", "properties", "additionalProperties", 0);
}

static const struct sy_provider_ops local_ops = {
    .abi = SY_PROVIDER_ABI,
    .kind = "local",
    .describe = local_describe,
    .list = local_list,
    .submit = local_submit,
    .cancel = local_cancel,
    .load = local_load,
    .unload = local_unload,
    .remove = local_remove,
    .status = local_status,
    .check_options = local_check_options,
    .options_schema = local_options_schema,
    .destroy = local_destroy,
};

sy_code local_provider_init(const struct local_provider_config *cfg, struct sy_provider *out,
                            struct sy_err *err)
{
    struct local *lp = calloc(1, sizeof *lp);
    if (!lp)
        return sy_errf(err, SY_ENOMEM, "out of memory creating the local provider");
    lp->reg = cfg->registry;
    lp->speech = cfg->speech;
    lp->sup = cfg->supervisor;
    lp->catalog = cfg->catalog;
    lp->has_token = cfg->has_token;
    memset(out, 0, sizeof *out);
    out->ops = &local_ops;
    out->self = lp;
    return SY_OK;
}
