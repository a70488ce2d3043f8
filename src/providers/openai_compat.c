/* openai_compat.c -- the OpenAI-compatible upstream provider: model list and
 * health (blocking requests on the caller's or the health thread), and
 * generation relayed from streamed transfers on one libcurl multi thread. */
#include "providers/openai_compat.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hub/catalog.h"
#include "providers/hf_mapping.h"
#include "providers/sse_reader.h"
#include "providers/upstream_form.h"
#include "providers/upstream_http.h"
#include "providers/upstream_options.h"
#include "providers/upstream_request.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/fault.h"
#include "util/picture.h"
#include "util/log.h"

struct upstream_model {
    char id[SY_MODEL_ID_MAX + 1];
    uint64_t context_length; /* 0 if the upstream does not say */
    int64_t created;
    bool text;               /* generates text (unless the upstream says otherwise) */
    bool embeds;             /* makes embeddings (unless the upstream says otherwise) */
    uint64_t embedding_length; /* its vectors' floats, if the upstream says; else 0 */
    char problem[SY_ERR_MSG_MAX / 2]; /* the upstream's own word that it cannot run, or "" */
};

struct transfer;

struct openai_provider {
    struct sy_provider_config cfg;
    enum upstream_dialect dialect;
    struct catalog *catalog; /* the Hub's model info (the hf dialect's task models); may be NULL */
    struct curl_slist *auth; /* the Authorization header, or NULL; never logged */

    pthread_mutex_t lock;        /* models, health, transfers, stopping */
    pthread_mutex_t list_lock;   /* one model-list request at a time */
    struct upstream_model *models;
    size_t n_models;
    int64_t listed_at_ms;        /* 0: never listed successfully */
    sy_code last_code;           /* of the last failed list */
    struct sy_provider_health health;

    CURLM *multi;
    pthread_t loop, checker;
    bool loop_started, checker_started;
    bool stopping;
    pthread_cond_t stop_cond;    /* wakes the health checker to stop */
    struct transfer *pending;    /* submitted, not yet on the multi handle */
    struct transfer *active;     /* on the multi handle */
    uint64_t next_job;
};

struct transfer {
    struct openai_provider *p;
    struct transfer *next;
    uint64_t job;
    atomic_bool cancel;
    CURL *easy;
    struct curl_slist *headers;
    char *body;
    struct sy_sink sink;
    long status;                 /* HTTP status, once the headers are in */
    bool sse;                    /* the answer is an event stream */
    bool started;                /* START was emitted */
    bool finished;               /* a finish reason or [DONE] was seen */
    bool failed;                 /* an ERROR was emitted */
    bool embed;                  /* an embeddings request: one JSON answer */
    size_t n_inputs;             /* its inputs: as many vectors are due */
    bool image;                  /* an image request: one JSON answer with pictures */
    unsigned n_images;           /* pictures asked for */
    bool speech;                 /* text-to-speech: raw PCM, relayed as it arrives */
    bool has_odd_byte;           /* half a sample waits for its other byte */
    unsigned char odd_byte;
    bool transcribe;             /* speech recognition: one verbose_json answer */
    curl_mime *form;             /* its upload */
    double heard_s;              /* the audio it was sent, in seconds */
    char language[32];           /* the language the upstream heard, or "" */
    enum sy_finish finish;
    struct sy_usage usage;
    struct sse_reader reader;
    struct sy_buf whole;         /* a non-stream answer or an error body */
    size_t received;             /* decoded bytes so far */
    struct timespec t0, first;   /* submitted; first token */
    char errbuf[CURL_ERROR_SIZE];
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double since_ms(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) * 1e3 + (double)(now.tv_nsec - t->tv_nsec) / 1e6;
}

/* ---- the model list -------------------------------------------------------------------- */

static size_t on_list_body(char *ptr, size_t size, size_t n, void *ctx)
{
    struct sy_buf *b = ctx;
    return buf_append(b, ptr, size * n, NULL) == SY_OK ? size * n : 0;
}

static uint64_t context_of(const json_t *m)
{
    /* vLLM: max_model_len; others: context_length / contextLength. */
    const char *keys[] = {"context_length", "max_model_len", "contextLength", NULL};
    for (size_t i = 0; keys[i]; i++) {
        json_int_t v = json_integer_value(json_object_get(m, keys[i]));
        if (v > 0)
            return (uint64_t)v;
    }
    /* The HF router: each provider serving the model says its own; the
     * router picks one, so the smallest is what a request can count on. */
    uint64_t least = 0;
    size_t i;
    const json_t *provider;
    json_array_foreach(json_object_get(m, "providers"), i, provider) {
        json_int_t v = json_integer_value(json_object_get(provider, "context_length"));
        if (v > 0 && (!least || (uint64_t)v < least))
            least = (uint64_t)v;
    }
    return least;
}

/* What an OpenAI /models entry says beyond its id: when it was made, and,
 * from upstreams that describe tasks (another Switchyard), whether it
 * generates text or embeds (the tasks relayed) and why it cannot run. */
static void read_openai_entry(const json_t *m, struct upstream_model *out)
{
    out->created = json_integer_value(json_object_get(m, "created"));
    const json_t *caps = json_object_get(m, "capabilities");
    const json_t *tasks = json_object_get(caps, "tasks");
    out->text = out->embeds = !json_is_array(tasks);
    size_t k;
    const json_t *task;
    json_array_foreach(tasks, k, task) {
        const char *name = json_string_value(task);
        if (name && strcmp(name, "text-generation") == 0)
            out->text = true;
        if (name && strcmp(name, "feature-extraction") == 0)
            out->embeds = true;
    }
    json_int_t dims = json_integer_value(json_object_get(caps, "embedding_length"));
    out->embedding_length = dims > 0 ? (uint64_t)dims : 0;
    const char *problem = json_string_value(json_object_get(m, "problem"));
    if (problem)
        snprintf(out->problem, sizeof out->problem, "%s", problem);
}

/* A model list: OpenAI's /models ({"data": [{"id"}]}) or Ollama's /api/tags
 * ({"models": [{"name"}]}, every one generating text). */
static sy_code parse_list(enum upstream_dialect d, const char *body, size_t len,
                          struct upstream_model **out, size_t *n, struct sy_err *err)
{
    bool ollama = d == UPSTREAM_OLLAMA;
    const char *array = ollama ? "models" : "data", *key = ollama ? "name" : "id";
    json_t *j = json_loadb(body ? body : "", len, 0, NULL);
    const json_t *list = json_object_get(j, array);
    if (!json_is_array(list)) {
        json_decref(j);
        return sy_errf(err, SY_EUPSTREAM, "its %s answer has no \"%s\" array",
                       upstream_list_path(d), array);
    }
    struct upstream_model *models = calloc(json_array_size(list) + 1, sizeof *models);
    size_t count = 0, i;
    const json_t *m;
    json_array_foreach(list, i, m) {
        const char *id = json_string_value(json_object_get(m, key));
        if (!models || !id || !id[0] || strlen(id) > SY_MODEL_ID_MAX)
            continue;
        snprintf(models[count].id, sizeof models[count].id, "%s", id);
        models[count].context_length = context_of(m);
        models[count].text = models[count].embeds = true; /* unless it says otherwise */
        if (d == UPSTREAM_OPENAI)
            read_openai_entry(m, &models[count]);
        if (d == UPSTREAM_HF) /* the router lists what it chats with */
            models[count].embeds = false;
        count++;
    }
    json_decref(j);
    if (!models)
        return sy_errf(err, SY_ENOMEM, "out of memory reading a model list");
    *out = models;
    *n = count;
    return SY_OK;
}

/* Asks the upstream for its models and records the outcome as its health. */
static sy_code refresh_list(struct openai_provider *p, struct sy_err *err)
{
    char url[600];
    snprintf(url, sizeof url, "%s%s", p->cfg.base_url, upstream_list_path(p->dialect));
    CURL *c = curl_easy_init();
    if (!c)
        return sy_errf(err, SY_ENOMEM, "out of memory asking provider '%s'", p->cfg.name);
    char errbuf[CURL_ERROR_SIZE];
    struct sy_buf body;
    buf_init(&body, SY_UPSTREAM_LIST_MAX);
    unsigned timeout_s = p->cfg.timeout_s < 30 ? p->cfg.timeout_s : 30;
    upstream_http_options(&p->cfg, c, url, errbuf);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)timeout_s);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, p->auth);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_list_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CURLcode cc = curl_easy_perform(c);
    double latency = since_ms(&t0);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);

    struct sy_err e;
    sy_code rc;
    struct upstream_model *models = NULL;
    size_t n = 0;
    if (cc == CURLE_WRITE_ERROR)
        rc = sy_errf(&e, SY_EUPSTREAM, "provider '%s' sent a model list larger than %u bytes",
                     p->cfg.name, SY_UPSTREAM_LIST_MAX);
    else if (cc != CURLE_OK)
        rc = upstream_curl_error(&p->cfg, cc, errbuf, timeout_s, &e);
    else if (status != 200)
        rc = upstream_status_error(&p->cfg, p->auth != NULL, status, body.data, body.len, &e);
    else if ((rc = parse_list(p->dialect, body.data, body.len, &models, &n, &e)) != SY_OK &&
             rc != SY_ENOMEM)
        rc = sy_errf(&e, SY_EUPSTREAM, "provider '%s' (%s): %s", p->cfg.name, p->cfg.base_url,
                     e.msg);
    buf_cleanup(&body);

    pthread_mutex_lock(&p->lock);
    p->health.checked = true;
    p->health.healthy = rc == SY_OK;
    p->health.latency_ms = latency;
    p->health.checked_at_ms = now_ms();
    if (rc == SY_OK) {
        free(p->models);
        p->models = models;
        p->n_models = n;
        p->listed_at_ms = p->health.checked_at_ms;
        p->health.n_models = n;
    } else {
        snprintf(p->health.last_error, sizeof p->health.last_error, "%s", e.msg);
        p->last_code = rc;
    }
    pthread_mutex_unlock(&p->lock);
    if (rc != SY_OK) {
        log_warn("%s", e.msg);
        if (err)
            *err = e;
    }
    return rc;
}

/* Makes sure the model list is fresh enough. An upstream that just failed is
 * not asked again for a few seconds: its last error is the answer, so a dead
 * upstream does not hold every listing for its connect timeout. */
static sy_code ensure_list(struct openai_provider *p, struct sy_err *err)
{
    pthread_mutex_lock(&p->list_lock);
    pthread_mutex_lock(&p->lock);
    int64_t now = now_ms();
    bool fresh = p->listed_at_ms && p->health.healthy &&
                 now - p->listed_at_ms < SY_UPSTREAM_LIST_TTL_MS;
    bool failed_lately = p->health.checked && !p->health.healthy &&
                         now - p->health.checked_at_ms < SY_UPSTREAM_RETRY_MS;
    sy_code last = p->last_code;
    if (failed_lately) {
        sy_errf(err, last, "%s (%.1f s ago; asked again in at most %d s)",
                p->health.last_error, (double)(now - p->health.checked_at_ms) / 1e3,
                SY_UPSTREAM_RETRY_MS / 1000);
        if (err)
            err->retry_after_s = (double)SY_UPSTREAM_RETRY_MS / 1e3;
    }
    pthread_mutex_unlock(&p->lock);
    sy_code rc = fresh ? SY_OK : failed_lately ? last : refresh_list(p, err);
    pthread_mutex_unlock(&p->list_lock);
    return rc;
}

/* The upstream's id for what a client wrote after the prefix. */
static const char *upstream_id(const struct openai_provider *p, const char *name)
{
    for (size_t i = 0; i < p->cfg.n_aliases; i++)
        if (strcmp(p->cfg.aliases[i].alias, name) == 0)
            return p->cfg.aliases[i].model;
    return name;
}

#define OPENAI_SETTINGS                                                                            \
    (SY_SETTING_BIT(SY_SETTING_TEMPERATURE) | SY_SETTING_BIT(SY_SETTING_TOP_P) |                  \
     SY_SETTING_BIT(SY_SETTING_MAX_NEW_TOKENS) | SY_SETTING_BIT(SY_SETTING_DO_SAMPLE) |           \
     SY_SETTING_BIT(SY_SETTING_PRESENCE_PENALTY) | SY_SETTING_BIT(SY_SETTING_FREQUENCY_PENALTY) | \
     SY_SETTING_BIT(SY_SETTING_RETURN_FULL_TEXT) | SY_SETTING_BIT(SY_SETTING_STOP) |              \
     SY_SETTING_BIT(SY_SETTING_SEED) | SY_SETTING_BIT(SY_SETTING_USE_CACHE) |                     \
     SY_SETTING_BIT(SY_SETTING_WAIT_FOR_MODEL))

/* Ollama's options take what llama.cpp does. */
#define OLLAMA_SETTINGS                                                                            \
    (OPENAI_SETTINGS | SY_SETTING_BIT(SY_SETTING_TOP_K) |                                          \
     SY_SETTING_BIT(SY_SETTING_REPETITION_PENALTY))

/* What an image model's request may carry: its size, and the diffusion
 * settings, which go to the upstream as fields of those names. */
#define IMAGE_SETTINGS                                                                             \
    (SY_SETTING_BIT(SY_SETTING_WIDTH) | SY_SETTING_BIT(SY_SETTING_HEIGHT) |                       \
     SY_SETTING_BIT(SY_SETTING_SEED) | SY_SETTING_BIT(SY_SETTING_NEGATIVE_PROMPT) |               \
     SY_SETTING_BIT(SY_SETTING_NUM_INFERENCE_STEPS) | SY_SETTING_BIT(SY_SETTING_GUIDANCE_SCALE) | \
     SY_SETTING_BIT(SY_SETTING_SCHEDULER) | SY_SETTING_BIT(SY_SETTING_USE_CACHE) |                \
     SY_SETTING_BIT(SY_SETTING_WAIT_FOR_MODEL))

/* The backend a model of this provider is listed with. */
static const char *backend_name(const struct openai_provider *p, bool task_endpoint)
{
    switch (p->dialect) {
    case UPSTREAM_OLLAMA: return "ollama";
    case UPSTREAM_HF: return task_endpoint ? "hf-inference" : "hf-router";
    default: return "openai-compatible";
    }
}

/* A configured speech model: what OpenAI's audio API takes for it. */
static void fill_audio_info(const struct openai_provider *p, const char *name,
                            const struct sy_provider_audio_model *am, struct sy_model_info *out)
{
    memset(out, 0, sizeof *out);
    bool tts = am->task == SY_TASK_TEXT_TO_SPEECH;
    snprintf(out->id, sizeof out->id, "%s", name);
    snprintf(out->name, sizeof out->name, "%s", name);
    snprintf(out->description, sizeof out->description, "%.200s (%s) at %.280s", am->model,
             tts ? "text to speech" : "speech to text", p->cfg.base_url);
    snprintf(out->owned_by, sizeof out->owned_by, "%s", p->cfg.name);
    snprintf(out->backend, sizeof out->backend, "%s", backend_name(p, true));
    snprintf(out->status, sizeof out->status, "remote");
    out->caps.tasks = SY_TASK_BIT(am->task);
    out->caps.settings = SY_SPEECH_SETTINGS;
    if (tts) {
        snprintf(out->caps.voices, sizeof out->caps.voices, "%s", am->voices);
        out->caps.speed_min = 0.25; /* OpenAI's range */
        out->caps.speed_max = 4.0;
        out->caps.sample_rate = SY_UPSTREAM_PCM_RATE;
    } else {
        out->caps.settings |= SY_SETTING_BIT(SY_SETTING_TEMPERATURE);
        out->caps.speech_prompt = true;
        out->caps.speech_translate = true;
        out->caps.sample_rate = 16000; /* what speech recognisers hear; uploads are resampled */
    }
}

static void fill_image_info(const struct openai_provider *p, const char *name,
                            const struct sy_provider_image_model *im, struct sy_model_info *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", name);
    snprintf(out->name, sizeof out->name, "%s", name);
    snprintf(out->description, sizeof out->description, "%.200s (images) at %.280s", im->model,
             p->cfg.base_url);
    snprintf(out->owned_by, sizeof out->owned_by, "%s", p->cfg.name);
    snprintf(out->backend, sizeof out->backend, "%s", backend_name(p, true));
    snprintf(out->status, sizeof out->status, "remote");
    out->caps.tasks = SY_TASK_BIT(SY_TASK_TEXT_TO_IMAGE);
    out->caps.settings = IMAGE_SETTINGS;
    out->caps.reference_images = im->files;
}

/* A Hub model the router does not chat with: what hf-inference's task
 * endpoints do with it, from the Hub's inferenceProviderMapping. */
static sy_code describe_hf_task(struct openai_provider *p, const char *name, const char *want,
                                struct sy_model_info *out, struct sy_err *err)
{
    if (!p->catalog)
        return sy_errp(err, SY_ENOTFOUND, "model", "provider '%s' has no chat model '%s', and "
                       "without the Hub its task models are unknown", p->cfg.name, want);
    json_t *info = NULL;
    bool cached = false;
    sy_code rc = catalog_model(p->catalog, want, &info, &cached, err);
    if (rc != SY_OK) {
        if (rc == SY_ENOTFOUND && err)
            sy_errp(err, rc, "model", "provider '%s' has no model '%s': its router does not "
                    "chat with it, and the Hub does not know it", p->cfg.name, want);
        return rc;
    }
    struct hf_mapping m;
    hf_mapping_read(info, &m);
    json_decref(info);
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", name);
    snprintf(out->name, sizeof out->name, "%s", name);
    snprintf(out->description, sizeof out->description,
             "%.200s (%.40s) through hf-inference at %.240s", want,
             m.pipeline_tag[0] ? m.pipeline_tag : "no task on the Hub", p->cfg.base_url);
    snprintf(out->owned_by, sizeof out->owned_by, "%s", p->cfg.name);
    snprintf(out->backend, sizeof out->backend, "%s", backend_name(p, true));
    snprintf(out->status, sizeof out->status, "remote");
    out->caps.tasks = m.tasks;
    out->caps.settings = SY_SETTING_BIT(SY_SETTING_USE_CACHE) |
                         SY_SETTING_BIT(SY_SETTING_WAIT_FOR_MODEL) |
                         (m.tasks & SY_TASK_BIT(SY_TASK_TEXT_TO_IMAGE) ? IMAGE_SETTINGS : 0);
    if (m.tasks)
        return SY_OK;
    if (m.elsewhere[0])
        snprintf(out->problem, sizeof out->problem,
                 "Inference Providers serve it as %.300s; Switchyard relays only hf-inference's "
                 "text-to-image and feature-extraction so far", m.elsewhere);
    else
        snprintf(out->problem, sizeof out->problem,
                 "no Inference Provider serves it live (the Hub's inferenceProviderMapping "
                 "lists none that is)%s",
                 m.pipeline_tag[0] ? "; pull it to run it here, if it has GGUF files" : "");
    snprintf(out->status, sizeof out->status, "unusable");
    return SY_OK;
}

static void fill_info(const struct openai_provider *p, const char *name,
                      const struct upstream_model *m, struct sy_model_info *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", name);
    snprintf(out->name, sizeof out->name, "%s", name);
    if (strcmp(name, m->id) != 0)
        snprintf(out->description, sizeof out->description, "%.200s (alias) at %.280s", m->id,
                 p->cfg.base_url);
    else
        snprintf(out->description, sizeof out->description, "%.200s at %.280s", m->id,
                 p->cfg.base_url);
    snprintf(out->owned_by, sizeof out->owned_by, "%s", p->cfg.name);
    snprintf(out->backend, sizeof out->backend, "%s", backend_name(p, false));
    snprintf(out->status, sizeof out->status, "remote");
    out->created = m->created;
    out->caps.tasks = (m->text ? SY_TASK_BIT(SY_TASK_TEXT_GENERATION) : 0) |
                      (m->embeds ? SY_TASK_BIT(SY_TASK_FEATURE_EXTRACTION) : 0);
    out->caps.settings = p->dialect == UPSTREAM_OLLAMA ? OLLAMA_SETTINGS : OPENAI_SETTINGS;
    out->caps.chat = m->text;
    out->caps.context_length = m->context_length;
    out->caps.embedding_length = m->embedding_length;
    if (m->problem[0])
        snprintf(out->problem, sizeof out->problem, "provider '%s' says: %s", p->cfg.name,
                 m->problem);
    else if (!m->text && !m->embeds)
        snprintf(out->problem, sizeof out->problem,
                 "provider '%s' lists it for tasks other than text generation and embeddings, "
                 "the only ones relayed to providers so far", p->cfg.name);
    if (out->problem[0])
        snprintf(out->status, sizeof out->status, "unusable");
}

static sy_code openai_describe(void *self, const char *model, const char *variant,
                               struct sy_model_info *out, struct sy_err *err)
{
    struct openai_provider *p = self;
    char name[SY_MODEL_ID_MAX + 1];
    int w = snprintf(name, sizeof name, "%s%s%s", model, variant[0] ? "@" : "", variant);
    if (w < 0 || (size_t)w >= sizeof name)
        return sy_errp(err, SY_EINVAL, "model", "model id '%s@%s' is too long", model, variant);
    const char *want = upstream_id(p, name);
    const struct sy_provider_image_model *im = upstream_image_model(&p->cfg, want);
    if (im) { /* configured, so known without asking the upstream */
        fill_image_info(p, name, im, out);
        return SY_OK;
    }
    const struct sy_provider_audio_model *am = upstream_audio_model(&p->cfg, want);
    if (am) {
        fill_audio_info(p, name, am, out);
        return SY_OK;
    }
    struct sy_err list_err;
    sy_code rc = ensure_list(p, &list_err);
    if (rc != SY_OK && p->dialect == UPSTREAM_HF) { /* task models need no router list */
        sy_code task_rc = describe_hf_task(p, name, want, out, err);
        if (task_rc != SY_ENOTFOUND)
            return task_rc;
    }
    if (rc != SY_OK) {
        if (err)
            *err = list_err;
        return rc;
    }
    char some[256] = "";
    size_t used = 0;
    /* The HF router takes "org/model:provider" (or ":fastest", ":cheapest")
     * for a model it lists as "org/model". */
    const char *suffix = p->dialect == UPSTREAM_HF ? strrchr(want, ':') : NULL;
    size_t base_len = suffix ? (size_t)(suffix - want) : strlen(want);
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->n_models; i++) {
        const char *id = p->models[i].id;
        if (strncmp(id, want, base_len) == 0 && id[base_len] == '\0') {
            fill_info(p, name, &p->models[i], out);
            pthread_mutex_unlock(&p->lock);
            if (suffix)
                snprintf(out->description, sizeof out->description,
                         "%.200s through the router's choice '%.40s' at %.200s", id, suffix + 1,
                         p->cfg.base_url);
            return SY_OK;
        }
        int k = used < sizeof some ? snprintf(some + used, sizeof some - used, "%s%s",
                                              used ? ", " : "", p->models[i].id)
                                   : 0;
        if (k > 0)
            used += (size_t)k;
    }
    pthread_mutex_unlock(&p->lock);
    if (p->dialect == UPSTREAM_HF)
        return describe_hf_task(p, name, want, out, err);
    if (used >= sizeof some)
        memcpy(some + sizeof some - 4, "...", 4);
    return sy_errp(err, SY_ENOTFOUND, "model", "provider '%s' has no model '%s'%s%s%s",
                   p->cfg.name, want, strcmp(want, name) ? " (the alias's target)" : "",
                   used ? "; it has: " : "; it lists none", some);
}

static sy_code openai_list(void *self, struct sy_model_info **out, size_t *n, struct sy_err *err)
{
    struct openai_provider *p = self;
    sy_code rc = ensure_list(p, err);
    if (rc != SY_OK)
        return rc;
    pthread_mutex_lock(&p->lock);
    size_t total = p->n_models + p->cfg.n_aliases + p->cfg.n_images + p->cfg.n_audio;
    struct sy_model_info *all = calloc(total ? total : 1, sizeof *all);
    size_t count = 0;
    for (size_t i = 0; all && i < p->n_models; i++)
        if ((p->models[i].text || p->models[i].embeds) &&
            !upstream_image_model(&p->cfg, p->models[i].id) &&
            !upstream_audio_model(&p->cfg, p->models[i].id))
            fill_info(p, p->models[i].id, &p->models[i], &all[count++]);
    for (size_t i = 0; all && i < p->cfg.n_images; i++)
        fill_image_info(p, p->cfg.images[i].model, &p->cfg.images[i], &all[count++]);
    for (size_t i = 0; all && i < p->cfg.n_audio; i++)
        fill_audio_info(p, p->cfg.audio[i].model, &p->cfg.audio[i], &all[count++]);
    for (size_t a = 0; all && a < p->cfg.n_aliases; a++) {
        const struct sy_provider_image_model *im =
            upstream_image_model(&p->cfg, p->cfg.aliases[a].model);
        const struct sy_provider_audio_model *am =
            upstream_audio_model(&p->cfg, p->cfg.aliases[a].model);
        if (im || am) {
            if (im)
                fill_image_info(p, p->cfg.aliases[a].alias, im, &all[count++]);
            else
                fill_audio_info(p, p->cfg.aliases[a].alias, am, &all[count++]);
            continue;
        }
        for (size_t i = 0; i < p->n_models; i++)
            if (strcmp(p->models[i].id, p->cfg.aliases[a].model) == 0) {
                fill_info(p, p->cfg.aliases[a].alias, &p->models[i], &all[count++]);
                break;
            }
    }
    pthread_mutex_unlock(&p->lock);
    if (!all)
        return sy_errf(err, SY_ENOMEM, "out of memory listing provider '%s'", p->cfg.name);
    *out = all;
    *n = count;
    return SY_OK;
}

static sy_code openai_health(void *self, bool check_now, struct sy_provider_health *out,
                             struct sy_err *err)
{
    (void)err;
    struct openai_provider *p = self;
    if (check_now) {
        pthread_mutex_lock(&p->list_lock);
        refresh_list(p, NULL); /* the outcome is the health itself */
        pthread_mutex_unlock(&p->list_lock);
    }
    pthread_mutex_lock(&p->lock);
    *out = p->health;
    pthread_mutex_unlock(&p->lock);
    return SY_OK;
}

/* ---- generation ------------------------------------------------------------------------ */

static void emit_start(struct transfer *t)
{
    if (t->started)
        return;
    t->started = true;
    struct sy_event ev = {.type = SY_EVENT_START, .usage = t->usage};
    t->sink.emit(t->sink.ctx, &ev);
}

static void emit_text(struct transfer *t, const char *text, size_t len)
{
    emit_start(t);
    if (!len)
        return;
    if (!t->first.tv_sec && !t->first.tv_nsec)
        clock_gettime(CLOCK_MONOTONIC, &t->first);
    struct sy_event ev = {.type = SY_EVENT_TOKEN, .text = text, .len = len};
    t->sink.emit(t->sink.ctx, &ev);
}

static void emit_error(struct transfer *t, const struct sy_err *e)
{
    if (t->failed)
        return;
    t->failed = true;
    struct sy_event ev = {.type = SY_EVENT_ERROR, .err = e};
    t->sink.emit(t->sink.ctx, &ev);
}

static void read_usage(struct transfer *t, const json_t *usage)
{
    if (!json_is_object(usage))
        return;
    t->usage.prompt_tokens = (long)json_integer_value(json_object_get(usage, "prompt_tokens"));
    t->usage.completion_tokens =
        (long)json_integer_value(json_object_get(usage, "completion_tokens"));
    json_int_t cached = json_integer_value(
        json_object_get(json_object_get(usage, "prompt_tokens_details"), "cached_tokens"));
    t->usage.cached_tokens = (long)cached;
}

static void read_finish(struct transfer *t, const json_t *choice)
{
    const char *f = json_string_value(json_object_get(choice, "finish_reason"));
    if (!f)
        return;
    t->finished = true;
    t->finish = strcmp(f, "length") == 0 ? SY_FINISH_LENGTH : SY_FINISH_STOP;
}

/* One chunk of the answer (streamed) or the whole answer: its text, finish
 * reason and usage. */
static sy_code on_chunk(struct transfer *t, const json_t *j, struct sy_err *err)
{
    const json_t *e = json_object_get(j, "error");
    if (e) {
        char msg[SY_ERR_MSG_MAX / 2];
        char *text = json_dumps(j, JSON_COMPACT);
        upstream_message(text, text ? strlen(text) : 0, msg, sizeof msg);
        free(text);
        return sy_errf(err, SY_EUPSTREAM, "provider '%s' failed mid-answer: %s", t->p->cfg.name,
                       msg);
    }
    const json_t *choice = json_array_get(json_object_get(j, "choices"), 0);
    const json_t *delta = json_object_get(choice, "delta");
    const json_t *message = json_object_get(choice, "message");
    const json_t *text = delta     ? json_object_get(delta, "content")
                         : message ? json_object_get(message, "content")
                                   : json_object_get(choice, "text");
    if (json_is_string(text))
        emit_text(t, json_string_value(text), json_string_length(text));
    else if (choice)
        emit_start(t);
    read_finish(t, choice);
    read_usage(t, json_object_get(j, "usage"));
    return SY_OK;
}

static sy_code on_event(void *ctx, const char *data, size_t len)
{
    struct transfer *t = ctx;
    if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
        t->finished = true;
        return SY_OK;
    }
    struct sy_err e;
    json_error_t jerr;
    /* Generated text may hold U+0000 (a byte-fallback token): the text path
     * carries lengths, so it arrives whole. */
    json_t *j = json_loadb(data, len, JSON_ALLOW_NUL, &jerr);
    sy_code rc = j ? on_chunk(t, j, &e)
                   : sy_errf(&e, SY_EUPSTREAM, "provider '%s' sent an event that is not JSON: %s",
                             t->p->cfg.name, jerr.text);
    json_decref(j);
    if (rc != SY_OK)
        emit_error(t, &e);
    return rc;
}

/* One chunk of an Ollama answer: {"message": {"content"}} (chat) or
 * {"response"} (generate), the last with "done": true, its reason and counts. */
static sy_code on_ollama_chunk(struct transfer *t, const json_t *j, struct sy_err *err)
{
    const char *failure = json_string_value(json_object_get(j, "error"));
    if (failure)
        return sy_errf(err, SY_EUPSTREAM, "provider '%s' failed mid-answer: %s", t->p->cfg.name,
                       failure);
    const json_t *text = json_object_get(json_object_get(j, "message"), "content");
    if (!text)
        text = json_object_get(j, "response");
    if (json_is_string(text))
        emit_text(t, json_string_value(text), json_string_length(text));
    if (json_is_true(json_object_get(j, "done"))) {
        const char *why = json_string_value(json_object_get(j, "done_reason"));
        t->finished = true;
        t->finish = why && strcmp(why, "length") == 0 ? SY_FINISH_LENGTH : SY_FINISH_STOP;
        t->usage.prompt_tokens = (long)json_integer_value(json_object_get(j, "prompt_eval_count"));
        t->usage.completion_tokens = (long)json_integer_value(json_object_get(j, "eval_count"));
    }
    return SY_OK;
}

/* Feeds NDJSON bytes: every complete line is a chunk; the rest waits in
 * t->whole (bounded by its limit). */
static sy_code ndjson_push(struct transfer *t, const char *p, size_t n)
{
    struct sy_err e;
    sy_code rc = buf_append(&t->whole, p, n, &e);
    char *nl;
    while (rc == SY_OK && t->whole.len && (nl = memchr(t->whole.data, '\n', t->whole.len))) {
        size_t line = (size_t)(nl - t->whole.data);
        json_error_t jerr;
        json_t *j = line ? json_loadb(t->whole.data, line, JSON_ALLOW_NUL, &jerr) : NULL;
        if (line && !j)
            rc = sy_errf(&e, SY_EUPSTREAM, "provider '%s' sent a line that is not JSON: %s",
                         t->p->cfg.name, jerr.text);
        else if (j)
            rc = on_ollama_chunk(t, j, &e);
        json_decref(j);
        buf_consume(&t->whole, line + 1);
    }
    if (rc != SY_OK)
        emit_error(t, &e);
    return rc;
}

/* Raw 16-bit little-endian PCM as it arrives, as AUDIO events; an odd byte
 * waits for the rest of its sample. */
static void emit_pcm(struct transfer *t, const char *p, size_t n)
{
    int16_t samples[4096];
    while (n) {
        size_t k = 0;
        if (t->has_odd_byte) {
            samples[k++] = (int16_t)(t->odd_byte | (unsigned)(unsigned char)p[0] << 8);
            t->has_odd_byte = false;
            p++;
            n--;
        }
        for (; k < sizeof samples / sizeof samples[0] && n >= 2; p += 2, n -= 2)
            samples[k++] = (int16_t)((unsigned char)p[0] | (unsigned)(unsigned char)p[1] << 8);
        if (n == 1 && k < sizeof samples / sizeof samples[0]) {
            t->odd_byte = (unsigned char)p[0];
            t->has_odd_byte = true;
            n = 0;
        }
        if (!k)
            continue;
        emit_start(t);
        if (!t->first.tv_sec && !t->first.tv_nsec)
            clock_gettime(CLOCK_MONOTONIC, &t->first);
        t->usage.audio_seconds += (double)k / SY_UPSTREAM_PCM_RATE;
        struct sy_event ev = {.type = SY_EVENT_AUDIO, .pcm = samples, .n_samples = k,
                              .sample_rate = SY_UPSTREAM_PCM_RATE};
        t->sink.emit(t->sink.ctx, &ev);
    }
}

static size_t on_answer(char *ptr, size_t size, size_t n, void *ctx)
{
    struct transfer *t = ctx;
    size_t len = size * n;
    if (atomic_load(&t->cancel) || t->failed)
        return 0;
    if (!t->status) {
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->status);
        const char *type = NULL;
        curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &type);
        t->sse = t->status == 200 && type && strncmp(type, "text/event-stream", 17) == 0;
    }
    t->received += len;
    if (t->received > SY_UPSTREAM_ANSWER_MAX) {
        struct sy_err e;
        sy_errf(&e, SY_EUPSTREAM, "provider '%s' sent an answer larger than %u bytes",
                t->p->cfg.name, SY_UPSTREAM_ANSWER_MAX);
        emit_error(t, &e);
        return 0;
    }
    if (t->speech && t->status == 200) {
        emit_pcm(t, ptr, len);
        return len;
    }
    if (t->p->dialect == UPSTREAM_OLLAMA && t->status == 200 && !t->embed && !t->image)
        return ndjson_push(t, ptr, len) == SY_OK ? len : 0;
    if (t->sse) {
        struct sy_err e;
        sy_code rc = sse_reader_push(&t->reader, ptr, len, on_event, t, &e);
        if (rc != SY_OK && !t->failed)
            emit_error(t, &e);
        return rc == SY_OK ? len : 0;
    }
    /* Not a stream: an error body or a whole JSON answer, read at the end. */
    return buf_append(&t->whole, ptr, len, NULL) == SY_OK ? len : 0;
}

/* Emits one upstream vector (a JSON array of numbers) as an EMBEDDING event. */
static sy_code emit_vector(struct transfer *t, size_t index, const json_t *v, struct sy_err *err)
{
    size_t dim = json_array_size(v);
    if (!json_is_array(v) || dim == 0 || dim > 65536)
        return sy_errf(err, SY_EUPSTREAM, "provider '%s' sent embedding %zu as something other "
                       "than a list of numbers", t->p->cfg.name, index);
    float *floats = malloc(dim * sizeof *floats);
    if (!floats)
        return sy_errf(err, SY_ENOMEM, "out of memory reading an embedding");
    for (size_t d = 0; d < dim; d++) {
        const json_t *x = json_array_get(v, d);
        if (!json_is_number(x)) {
            free(floats);
            return sy_errf(err, SY_EUPSTREAM, "provider '%s' sent embedding %zu with a value "
                           "that is not a number", t->p->cfg.name, index);
        }
        floats[d] = (float)json_number_value(x);
    }
    emit_start(t);
    struct sy_event ev = {.type = SY_EVENT_EMBEDDING, .vector = floats, .dim = dim,
                          .index = index};
    t->sink.emit(t->sink.ctx, &ev);
    free(floats);
    return SY_OK;
}

/* A whole embeddings answer: OpenAI's {"data": [{"index", "embedding"}],
 * "usage"}, Ollama's {"embeddings": [[...]], "prompt_eval_count"} or
 * hf-inference's [[...]]; one vector per input, in order. */
static sy_code on_embeddings(struct transfer *t, const json_t *j, struct sy_err *err)
{
    size_t n_inputs = t->n_inputs;
    enum upstream_dialect d = t->p->dialect;
    bool by_order = d != UPSTREAM_OPENAI; /* a bare list of vectors */
    const json_t *list = d == UPSTREAM_HF       ? j
                         : d == UPSTREAM_OLLAMA ? json_object_get(j, "embeddings")
                                                : json_object_get(j, "data");
    if (!json_is_array(list) || json_array_size(list) != n_inputs)
        return sy_errf(err, SY_EUPSTREAM, "provider '%s' sent %zu embeddings for %zu inputs",
                       t->p->cfg.name, json_array_size(list), n_inputs);
    t->usage.prompt_tokens =
        d == UPSTREAM_OLLAMA ? (long)json_integer_value(json_object_get(j, "prompt_eval_count"))
                             : (long)json_integer_value(
                                   json_object_get(json_object_get(j, "usage"), "prompt_tokens"));
    for (size_t i = 0; i < n_inputs; i++) {
        const json_t *v = by_order ? json_array_get(list, i) : NULL;
        /* OpenAI's entries name their input by index; find input i's. */
        for (size_t k = 0; !by_order && k < n_inputs; k++) {
            const json_t *item = json_array_get(list, k);
            const json_t *index = json_object_get(item, "index");
            if (json_is_integer(index) && json_integer_value(index) == (json_int_t)i)
                v = json_object_get(item, "embedding");
        }
        if (!v)
            return sy_errf(err, SY_EUPSTREAM, "provider '%s' sent no embedding for input %zu",
                           t->p->cfg.name, i);
        sy_code rc = emit_vector(t, i, v, err);
        if (rc != SY_OK)
            return rc;
    }
    t->finished = true;
    t->finish = SY_FINISH_STOP;
    return SY_OK;
}

/* A whole images answer, OpenAI's {"data": [{"b64_json"}]}: each picture
 * decoded and emitted. A URL instead of the bytes is refused, not fetched:
 * where it points is the upstream's to say, and this server fetches only
 * configured addresses. */
static sy_code on_images(struct transfer *t, const json_t *j, struct sy_err *err)
{
    const json_t *data = json_object_get(j, "data");
    size_t n = json_array_size(data);
    if (n == 0 || n > SY_IMAGES_MAX)
        return sy_errf(err, SY_EUPSTREAM, "provider '%s' sent %zu pictures where 1 to %u were "
                       "asked for", t->p->cfg.name, n, t->n_images);
    struct sy_buf bytes;
    buf_init(&bytes, SY_UPSTREAM_ANSWER_MAX);
    sy_code rc = SY_OK;
    for (size_t i = 0; i < n && rc == SY_OK; i++) {
        const json_t *item = json_array_get(data, i);
        const json_t *b64 = json_object_get(item, "b64_json");
        buf_reset(&bytes);
        if (!json_is_string(b64)) {
            rc = sy_errf(err, SY_EUPSTREAM, "provider '%s' sent picture %zu %s", t->p->cfg.name,
                         i, json_object_get(item, "url")
                                ? "as a URL although b64_json was asked for; it is not fetched"
                                : "without its bytes (b64_json)");
            break;
        }
        rc = base64_decode(json_string_value(b64), json_string_length(b64), &bytes, err);
        const char *type = rc == SY_OK ? picture_type((const unsigned char *)bytes.data,
                                                      bytes.len)
                                       : NULL;
        if (rc != SY_OK || !type) {
            rc = sy_errf(err, SY_EUPSTREAM, "provider '%s' sent picture %zu as something other "
                         "than base64 of a PNG, JPEG or WebP file", t->p->cfg.name, i);
            break;
        }
        emit_start(t);
        struct sy_event ev = {.type = SY_EVENT_IMAGE, .image = bytes.data,
                              .image_size = bytes.len, .image_type = type};
        t->sink.emit(t->sink.ctx, &ev);
    }
    buf_cleanup(&bytes);
    if (rc == SY_OK) {
        t->finished = true;
        t->finish = SY_FINISH_STOP;
    }
    return rc;
}

/* Reads the whole answer t collected with read; an answer that is not JSON
 * fails with "provider 'x' answered <what>". */
static void read_whole(struct transfer *t,
                       sy_code (*read)(struct transfer *t, const json_t *j, struct sy_err *err),
                       const char *what)
{
    struct sy_err e;
    json_t *j = json_loadb(t->whole.data ? t->whole.data : "", t->whole.len, JSON_ALLOW_NUL, NULL);
    if (!j)
        sy_errf(&e, SY_EUPSTREAM, "provider '%s' answered %s", t->p->cfg.name, what);
    if (!j || read(t, j, &e) != SY_OK)
        emit_error(t, &e);
    json_decref(j);
}

/* A verbose_json transcript ({"text", "language", "segments": [{"start",
 * "end", "text"}]}) as SEGMENT events; a plain json one ({"text"}) is one
 * segment over all the audio. */
static sy_code on_transcript(struct transfer *t, const json_t *j, struct sy_err *err)
{
    const json_t *text = json_object_get(j, "text");
    if (!json_is_string(text))
        return sy_errf(err, SY_EUPSTREAM, "provider '%s' sent a transcript without its text",
                       t->p->cfg.name);
    const char *language = json_string_value(json_object_get(j, "language"));
    snprintf(t->language, sizeof t->language, "%s", language ? language : "");
    emit_start(t);
    const json_t *segments = json_object_get(j, "segments");
    size_t i;
    const json_t *seg;
    json_array_foreach(segments, i, seg) {
        const json_t *said = json_object_get(seg, "text");
        const json_t *start = json_object_get(seg, "start"), *end = json_object_get(seg, "end");
        if (!json_is_string(said) || !json_is_number(start) || !json_is_number(end) ||
            json_number_value(end) < json_number_value(start))
            return sy_errf(err, SY_EUPSTREAM, "provider '%s' sent segment %zu without its text "
                           "or with its times out of order", t->p->cfg.name, i);
        struct sy_event ev = {.type = SY_EVENT_SEGMENT, .text = json_string_value(said),
                              .len = json_string_length(said),
                              .start_s = json_number_value(start),
                              .end_s = json_number_value(end)};
        t->sink.emit(t->sink.ctx, &ev);
    }
    if (!json_array_size(segments) && json_string_length(text)) {
        struct sy_event ev = {.type = SY_EVENT_SEGMENT, .text = json_string_value(text),
                              .len = json_string_length(text), .end_s = t->heard_s};
        t->sink.emit(t->sink.ctx, &ev);
    }
    t->usage.audio_seconds = t->heard_s;
    t->finished = true;
    t->finish = SY_FINISH_STOP;
    return SY_OK;
}

/* hf-inference's text-to-image answer: the picture's own bytes (or, from
 * some deployments, OpenAI's JSON shape). */
static void on_picture_bytes(struct transfer *t)
{
    const char *type = NULL;
    curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &type);
    if (type && strncmp(type, "application/json", 16) == 0) {
        read_whole(t, on_images, "JSON that does not parse");
        return;
    }
    const char *kind = picture_type((const unsigned char *)t->whole.data, t->whole.len);
    if (!kind) {
        struct sy_err e;
        sy_errf(&e, SY_EUPSTREAM, "provider '%s' answered with %s, not a PNG, JPEG or WebP "
                "picture", t->p->cfg.name, type ? type : "something without a type");
        emit_error(t, &e);
        return;
    }
    emit_start(t);
    struct sy_event ev = {.type = SY_EVENT_IMAGE, .image = t->whole.data,
                          .image_size = t->whole.len, .image_type = kind};
    t->sink.emit(t->sink.ctx, &ev);
    t->finished = true;
    t->finish = SY_FINISH_STOP;
}

/* The transfer ended (curl's result cc): the final event, then release. */
static void transfer_finish(struct transfer *t, CURLcode cc)
{
    struct sy_err e;
    if (!t->failed) {
        if (!t->status)
            curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->status);
        if (atomic_load(&t->cancel)) {
            t->finished = true;
            t->finish = SY_FINISH_CANCELLED;
        } else if (cc != CURLE_OK && cc != CURLE_WRITE_ERROR) {
            upstream_curl_error(&t->p->cfg, cc, t->errbuf, t->p->cfg.timeout_s, &e);
            emit_error(t, &e);
        } else if (t->status != 200) {
            upstream_status_error(&t->p->cfg, t->p->auth != NULL, t->status, t->whole.data,
                                  t->whole.len, &e);
            emit_error(t, &e);
        } else if (t->speech && t->has_odd_byte) {
            sy_errf(&e, SY_EUPSTREAM, "provider '%s' sent 16-bit audio with half a sample at "
                    "its end", t->p->cfg.name);
            emit_error(t, &e);
        } else if (t->speech) {
            t->finished = true;
            t->finish = SY_FINISH_STOP;
        } else if (t->transcribe) {
            read_whole(t, on_transcript, "a transcript that is not JSON");
        } else if (t->image && t->p->dialect == UPSTREAM_HF) {
            on_picture_bytes(t);
        } else if (t->image) {
            read_whole(t, on_images, "images with something that is not JSON");
        } else if (t->embed) {
            read_whole(t, on_embeddings, "embeddings with something that is not JSON");
        } else if (t->p->dialect == UPSTREAM_OLLAMA) {
            if (t->whole.len) /* a last line without its newline */
                ndjson_push(t, "\n", 1);
        } else if (!t->sse) {
            read_whole(t, on_chunk, "with something that is neither JSON nor an event stream");
        }
        if (!t->failed && !t->finished) {
            sy_errf(&e, SY_EUPSTREAM, "provider '%s' ended the stream before the answer was "
                    "complete", t->p->cfg.name);
            emit_error(t, &e);
        }
    }
    if (!t->failed) {
        emit_start(t);
        bool any = t->first.tv_sec || t->first.tv_nsec;
        double total = since_ms(&t->t0);
        double decode = any ? since_ms(&t->first) : 0;
        t->usage.prompt_ms = total - decode;
        t->usage.decode_ms = decode;
        struct sy_event ev = {.type = SY_EVENT_DONE, .finish = t->finish, .usage = t->usage,
                              .language = t->language[0] ? t->language : NULL};
        t->sink.emit(t->sink.ctx, &ev);
    }
    t->sink.release(t->sink.ctx);
}

static void transfer_free(struct transfer *t)
{
    if (!t)
        return;
    if (t->easy)
        curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    free(t->body);
    curl_mime_free(t->form);
    sse_reader_cleanup(&t->reader);
    buf_cleanup(&t->whole);
    free(t);
}

static struct transfer *unlink_by_easy(struct transfer **list, CURL *easy)
{
    for (struct transfer **pp = list; *pp; pp = &(*pp)->next)
        if ((*pp)->easy == easy) {
            struct transfer *t = *pp;
            *pp = t->next;
            return t;
        }
    return NULL;
}

/* The multi loop: takes on submitted transfers, drops cancelled ones, moves
 * bytes, finishes completed ones. Events are emitted outside the lock. */
static void *loop_main(void *arg)
{
    struct openai_provider *p = arg;
    for (;;) {
        struct transfer *done = NULL;
        pthread_mutex_lock(&p->lock);
        bool stopping = p->stopping;
        while (p->pending) {
            struct transfer *t = p->pending;
            p->pending = t->next;
            t->next = p->active;
            p->active = t;
            curl_multi_add_handle(p->multi, t->easy);
        }
        for (struct transfer **pp = &p->active; *pp;) {
            struct transfer *t = *pp;
            if (stopping)
                atomic_store(&t->cancel, true);
            if (atomic_load(&t->cancel)) {
                *pp = t->next;
                curl_multi_remove_handle(p->multi, t->easy);
                t->next = done;
                done = t;
            } else {
                pp = &t->next;
            }
        }
        pthread_mutex_unlock(&p->lock);
        for (struct transfer *t = done, *next; t; t = next) {
            next = t->next;
            transfer_finish(t, CURLE_OK);
            transfer_free(t);
        }
        if (stopping)
            break;

        int running = 0;
        curl_multi_perform(p->multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(p->multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *easy = msg->easy_handle;
            CURLcode cc = msg->data.result;
            pthread_mutex_lock(&p->lock);
            struct transfer *t = unlink_by_easy(&p->active, easy);
            pthread_mutex_unlock(&p->lock);
            curl_multi_remove_handle(p->multi, easy);
            if (t) {
                transfer_finish(t, cc);
                transfer_free(t);
            }
        }
        curl_multi_poll(p->multi, NULL, 0, 1000, NULL);
    }
    return NULL;
}

static sy_code openai_submit(void *self, const struct sy_request *req,
                             const struct sy_model_info *model, struct sy_sink sink,
                             uint64_t *job, struct sy_err *err)
{
    struct openai_provider *p = self;
    const char *name = model->id;
    size_t plen = strlen(p->cfg.name);
    if (strncmp(name, p->cfg.name, plen) == 0 && name[plen] == ':')
        name += plen + 1;
    char url[SY_UPSTREAM_URL_MAX];
    bool upload = false; /* the request is a multipart form (files), not JSON */
    struct transfer *t = calloc(1, sizeof *t);
    sy_code rc = t ? SY_OK : sy_errf(err, SY_ENOMEM, "out of memory starting a request");
    if (rc == SY_OK) {
        t->p = p;
        t->sink = sink;
        sse_reader_init(&t->reader, SY_UPSTREAM_EVENT_MAX);
        buf_init(&t->whole, SY_UPSTREAM_ANSWER_MAX);
        clock_gettime(CLOCK_MONOTONIC, &t->t0);
        t->embed = req->task == SY_TASK_FEATURE_EXTRACTION;
        t->n_inputs = req->embed.n_inputs;
        t->image = req->task == SY_TASK_TEXT_TO_IMAGE;
        t->n_images = req->images.n;
        t->speech = req->task == SY_TASK_TEXT_TO_SPEECH;
        t->transcribe = req->task == SY_TASK_AUTOMATIC_SPEECH_RECOGNITION;
        t->heard_s = req->speech.sample_rate
                         ? (double)req->speech.n_samples / req->speech.sample_rate
                         : 0;
        upload = t->transcribe || (t->image && req->images.n_refs);
        rc = upstream_url(&p->cfg, p->dialect, req, upstream_id(p, name), url, sizeof url, err);
        if (rc == SY_OK && !upload) /* an upload is built on the transfer's handle */
            rc = upstream_body(&p->cfg, p->dialect, req, upstream_id(p, name), &t->body, err);
    }
    if (rc == SY_OK && fault_hit("upstream.connect"))
        rc = sy_errf(err, SY_EUPSTREAM, "provider '%s' (%s) cannot be reached: Connection "
                     "refused (injected)", p->cfg.name, p->cfg.base_url);
    if (rc == SY_OK && !(t->easy = curl_easy_init()))
        rc = sy_errf(err, SY_ENOMEM, "out of memory starting a request");
    if (rc == SY_OK && t->transcribe)
        rc = upstream_transcription_form(t->easy, req, upstream_id(p, name), &t->form, err);
    else if (rc == SY_OK && upload)
        rc = upstream_image_edit_form(&p->cfg, t->easy, req, upstream_id(p, name), &t->form,
                                      err);
    if (rc == SY_OK) {
        for (const struct curl_slist *h = p->auth; h; h = h->next)
            t->headers = curl_slist_append(t->headers, h->data);
        if (!t->form) /* a form sets its own, with the boundary */
            t->headers = curl_slist_append(t->headers, "Content-Type: application/json");
        t->headers = curl_slist_append(t->headers, upstream_accept(p->dialect, req));
        upstream_http_options(&p->cfg, t->easy, url, t->errbuf);
        curl_easy_setopt(t->easy, CURLOPT_TIMEOUT, (long)p->cfg.timeout_s);
        curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
        if (t->form)
            curl_easy_setopt(t->easy, CURLOPT_MIMEPOST, t->form);
        else
            curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->body);
        curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_answer);
        curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
        curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
    }
    if (rc != SY_OK) {
        transfer_free(t);
        sink.release(sink.ctx);
        return rc;
    }
    pthread_mutex_lock(&p->lock);
    t->job = ++p->next_job;
    *job = t->job;
    t->next = p->pending;
    p->pending = t;
    pthread_mutex_unlock(&p->lock);
    curl_multi_wakeup(p->multi);
    return SY_OK;
}

static void openai_cancel(void *self, uint64_t job)
{
    struct openai_provider *p = self;
    pthread_mutex_lock(&p->lock);
    for (struct transfer *lists[2] = {p->pending, p->active}, **l = lists; l < lists + 2; l++)
        for (struct transfer *t = *l; t; t = t->next)
            if (t->job == job)
                atomic_store(&t->cancel, true);
    pthread_mutex_unlock(&p->lock);
    curl_multi_wakeup(p->multi);
}

static sy_code remote_check_options(void *self, const json_t *overrides, struct sy_err *err)
{
    struct openai_provider *p = self;
    return upstream_options_check(p->dialect == UPSTREAM_OLLAMA, p->cfg.name, overrides, err);
}

static json_t *remote_options_schema(void *self)
{
    struct openai_provider *p = self;
    return upstream_options_schema(p->dialect == UPSTREAM_OLLAMA, p->cfg.name);
}

/* ---- life cycle ------------------------------------------------------------------------ */

static void *checker_main(void *arg)
{
    struct openai_provider *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->stopping) {
        pthread_mutex_unlock(&p->lock);
        pthread_mutex_lock(&p->list_lock);
        refresh_list(p, NULL);
        pthread_mutex_unlock(&p->list_lock);
        pthread_mutex_lock(&p->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += SY_UPSTREAM_HEALTH_PERIOD_MS / 1000;
        while (!p->stopping && pthread_cond_timedwait(&p->stop_cond, &p->lock, &until) == 0) {
        }
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static void openai_destroy(void *self)
{
    struct openai_provider *p = self;
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->stop_cond);
    pthread_mutex_unlock(&p->lock);
    if (p->multi)
        curl_multi_wakeup(p->multi);
    if (p->loop_started)
        pthread_join(p->loop, NULL);
    if (p->checker_started)
        pthread_join(p->checker, NULL);
    /* Submitted but never started: they still get their final event. */
    for (struct transfer *t = p->pending, *next; t; t = next) {
        next = t->next;
        atomic_store(&t->cancel, true);
        transfer_finish(t, CURLE_OK);
        transfer_free(t);
    }
    if (p->multi)
        curl_multi_cleanup(p->multi);
    curl_slist_free_all(p->auth);
    free(p->models);
    pthread_cond_destroy(&p->stop_cond);
    pthread_mutex_destroy(&p->list_lock);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

/* The dialects share every operation; only the kind they report differs. */
#define REMOTE_OPS(kind_name)                                                                   \
    {                                                                                           \
        .abi = SY_PROVIDER_ABI, .kind = kind_name, .describe = openai_describe,                 \
        .list = openai_list, .submit = openai_submit, .cancel = openai_cancel,                  \
        .health = openai_health, .check_options = remote_check_options,                         \
        .options_schema = remote_options_schema, .destroy = openai_destroy,                     \
    }

static const struct sy_provider_ops openai_ops = REMOTE_OPS("openai");
static const struct sy_provider_ops ollama_ops = REMOTE_OPS("ollama");
static const struct sy_provider_ops hf_ops = REMOTE_OPS("hf");

sy_code openai_provider_create(const struct sy_provider_config *cfg, struct catalog *catalog,
                               struct sy_provider *out, struct sy_err *err)
{
    const char *key = NULL;
    if (cfg->api_key_env[0]) {
        key = getenv(cfg->api_key_env);
        if (!key || !key[0])
            return sy_errf(err, SY_EINVAL,
                           "provider '%s': the environment variable %s (its api_key_env) is not "
                           "set", cfg->name, cfg->api_key_env);
        if (strpbrk(key, "\r\n"))
            return sy_errf(err, SY_EINVAL, "provider '%s': the key in %s has a line break",
                           cfg->name, cfg->api_key_env);
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct openai_provider *p = calloc(1, sizeof *p);
    if (!p)
        return sy_errf(err, SY_ENOMEM, "out of memory creating provider '%s'", cfg->name);
    p->cfg = *cfg;
    p->dialect = upstream_dialect_of(cfg->kind);
    p->catalog = catalog;
    pthread_mutex_init(&p->lock, NULL);
    pthread_mutex_init(&p->list_lock, NULL);
    pthread_cond_init(&p->stop_cond, NULL);
    snprintf(p->health.base_url, sizeof p->health.base_url, "%s", cfg->base_url);
    sy_code rc = SY_OK;
    if (key) {
        size_t n = strlen(key) + 32;
        char *h = malloc(n);
        if (h) {
            snprintf(h, n, "Authorization: Bearer %s", key);
            p->auth = curl_slist_append(NULL, h);
            explicit_bzero(h, n);
            free(h);
        }
        if (!p->auth)
            rc = sy_errf(err, SY_ENOMEM, "out of memory creating provider '%s'", cfg->name);
    }
    if (rc == SY_OK && !(p->multi = curl_multi_init()))
        rc = sy_errf(err, SY_ENOMEM, "out of memory creating provider '%s'", cfg->name);
    if (rc == SY_OK) {
        p->loop_started = pthread_create(&p->loop, NULL, loop_main, p) == 0;
        p->checker_started = p->loop_started &&
                             pthread_create(&p->checker, NULL, checker_main, p) == 0;
        if (!p->checker_started)
            rc = sy_errf(err, SY_EIO, "cannot start provider '%s''s threads: %s", cfg->name,
                         strerror(errno));
    }
    if (rc != SY_OK) {
        openai_destroy(p);
        return rc;
    }
    snprintf(out->name, sizeof out->name, "%s", cfg->name);
    out->ops = p->dialect == UPSTREAM_OLLAMA ? &ollama_ops
               : p->dialect == UPSTREAM_HF   ? &hf_ops
                                             : &openai_ops;
    out->self = p;
    return SY_OK;
}
