/* remote_models.c -- a remote provider's models: the upstream's list (and
 * its health, which is whether the list came), and what each model is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hub/catalog.h"
#include "providers/hf_mapping.h"
#include "providers/remote.h"
#include "providers/upstream_http.h"
#include "util/log.h"

int64_t remote_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double remote_since_ms(const struct timespec *t)
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
sy_code remote_refresh_list(struct openai_provider *p, struct sy_err *err)
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
    double latency = remote_since_ms(&t0);
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
    p->health.checked_at_ms = remote_now_ms();
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
    int64_t now = remote_now_ms();
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
    sy_code rc = fresh ? SY_OK : failed_lately ? last : remote_refresh_list(p, err);
    pthread_mutex_unlock(&p->list_lock);
    return rc;
}

/* The upstream's id for what a client wrote after the prefix. */
const char *remote_upstream_id(const struct openai_provider *p, const char *name)
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

/* What every model a provider's config names has: its names, the upstream
 * model and what it makes (`what`, in the description), this provider. */
static void fill_configured_head(const struct openai_provider *p, const char *name,
                                 const char *model, const char *what, struct sy_model_info *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", name);
    snprintf(out->name, sizeof out->name, "%s", name);
    snprintf(out->description, sizeof out->description, "%.200s (%s) at %.280s", model, what,
             p->cfg.base_url);
    snprintf(out->owned_by, sizeof out->owned_by, "%s", p->cfg.name);
    snprintf(out->backend, sizeof out->backend, "%s", backend_name(p, true));
    snprintf(out->status, sizeof out->status, "remote");
}

/* A configured speech model: what OpenAI's audio API takes for it. */
static void fill_audio_info(const struct openai_provider *p, const char *name,
                            const struct sy_provider_audio_model *am, struct sy_model_info *out)
{
    bool tts = am->task == SY_TASK_TEXT_TO_SPEECH;
    fill_configured_head(p, name, am->model, tts ? "text to speech" : "speech to text", out);
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
    fill_configured_head(p, name, im->model, "images", out);
    out->caps.tasks = SY_TASK_BIT(SY_TASK_TEXT_TO_IMAGE);
    out->caps.settings = IMAGE_SETTINGS;
    out->caps.reference_images = im->files;
}

/* A configured video model: OpenAI's /videos makes it, as long as a request
 * says among the lengths given (any, if none are). */
static void fill_video_info(const struct openai_provider *p, const char *name,
                            const struct sy_provider_video_model *vm, struct sy_model_info *out)
{
    fill_configured_head(p, name, vm->model, "video", out);
    out->caps.tasks = SY_TASK_BIT(SY_TASK_TEXT_TO_VIDEO);
    out->caps.settings = SY_SETTING_BIT(SY_SETTING_WIDTH) | SY_SETTING_BIT(SY_SETTING_HEIGHT) |
                         SY_SETTING_BIT(SY_SETTING_USE_CACHE) |
                         SY_SETTING_BIT(SY_SETTING_WAIT_FOR_MODEL);
    out->caps.takes_duration = true;
    size_t used = 0;
    for (size_t i = 0; i < vm->n_seconds; i++) {
        int k = snprintf(out->caps.durations + used, sizeof out->caps.durations - used, "%s%u",
                         i ? "," : "", vm->seconds[i]);
        if (k > 0 && (size_t)k < sizeof out->caps.durations - used)
            used += (size_t)k;
    }
}

/* A model named in the provider's images, audio or videos: known without
 * asking the upstream. Returns: whether id (the upstream's) is one; *out
 * describes it as `name` if so. */
static bool fill_configured(const struct openai_provider *p, const char *name, const char *id,
                            struct sy_model_info *out)
{
    const struct sy_provider_image_model *im = upstream_image_model(&p->cfg, id);
    const struct sy_provider_audio_model *am = upstream_audio_model(&p->cfg, id);
    const struct sy_provider_video_model *vm = upstream_video_model(&p->cfg, id);
    if (im)
        fill_image_info(p, name, im, out);
    else if (am)
        fill_audio_info(p, name, am, out);
    else if (vm)
        fill_video_info(p, name, vm, out);
    return im || am || vm;
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
    out->caps.tasks = m.tasks; /* music (text-to-audio) is as long as the model makes it */
    out->caps.settings = SY_SETTING_BIT(SY_SETTING_USE_CACHE) |
                         SY_SETTING_BIT(SY_SETTING_WAIT_FOR_MODEL) |
                         (m.tasks & SY_TASK_BIT(SY_TASK_TEXT_TO_IMAGE) ? IMAGE_SETTINGS : 0);
    out->caps.reference_images = m.from_picture ? 1 : 0; /* hf-inference takes one */
    out->caps.needs_reference_image = m.from_picture && !m.from_text;
    if (m.tasks)
        return SY_OK;
    if (m.elsewhere[0])
        snprintf(out->problem, sizeof out->problem,
                 "Inference Providers serve it as %.300s; Switchyard relays only hf-inference's "
                 "text-to-image, image-to-image, text-to-audio and feature-extraction so far",
                 m.elsewhere);
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

sy_code remote_describe(void *self, const char *model, const char *variant,
                               struct sy_model_info *out, struct sy_err *err)
{
    struct openai_provider *p = self;
    char name[SY_MODEL_ID_MAX + 1];
    int w = snprintf(name, sizeof name, "%s%s%s", model, variant[0] ? "@" : "", variant);
    if (w < 0 || (size_t)w >= sizeof name)
        return sy_errp(err, SY_EINVAL, "model", "model id '%s@%s' is too long", model, variant);
    const char *want = remote_upstream_id(p, name);
    if (fill_configured(p, name, want, out))
        return SY_OK;
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

sy_code remote_list(void *self, struct sy_model_info **out, size_t *n, struct sy_err *err)
{
    struct openai_provider *p = self;
    sy_code rc = ensure_list(p, err);
    if (rc != SY_OK)
        return rc;
    pthread_mutex_lock(&p->lock);
    size_t total = p->n_models + p->cfg.n_aliases + p->cfg.n_images + p->cfg.n_audio +
                   p->cfg.n_videos;
    struct sy_model_info *all = calloc(total ? total : 1, sizeof *all);
    size_t count = 0;
    for (size_t i = 0; all && i < p->n_models; i++)
        if ((p->models[i].text || p->models[i].embeds) &&
            !fill_configured(p, p->models[i].id, p->models[i].id, &all[count]))
            fill_info(p, p->models[i].id, &p->models[i], &all[count++]);
    for (size_t i = 0; all && i < p->cfg.n_images; i++)
        fill_image_info(p, p->cfg.images[i].model, &p->cfg.images[i], &all[count++]);
    for (size_t i = 0; all && i < p->cfg.n_audio; i++)
        fill_audio_info(p, p->cfg.audio[i].model, &p->cfg.audio[i], &all[count++]);
    for (size_t i = 0; all && i < p->cfg.n_videos; i++)
        fill_video_info(p, p->cfg.videos[i].model, &p->cfg.videos[i], &all[count++]);
    for (size_t a = 0; all && a < p->cfg.n_aliases; a++) {
        const char *alias = p->cfg.aliases[a].alias, *target = p->cfg.aliases[a].model;
        if (fill_configured(p, alias, target, &all[count])) {
            count++;
            continue;
        }
        for (size_t i = 0; i < p->n_models; i++)
            if (strcmp(p->models[i].id, target) == 0) {
                fill_info(p, alias, &p->models[i], &all[count++]);
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

sy_code remote_health(void *self, bool check_now, struct sy_provider_health *out,
                             struct sy_err *err)
{
    (void)err;
    struct openai_provider *p = self;
    if (check_now) {
        pthread_mutex_lock(&p->list_lock);
        remote_refresh_list(p, NULL); /* the outcome is the health itself */
        pthread_mutex_unlock(&p->list_lock);
    }
    pthread_mutex_lock(&p->lock);
    *out = p->health;
    pthread_mutex_unlock(&p->lock);
    return SY_OK;
}
