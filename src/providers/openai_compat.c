/* openai_compat.c -- the remote provider's life (create, destroy, health
 * checks), submitting and cancelling relayed requests, and the one libcurl
 * multi thread every transfer runs on (remote.h says where the rest is). */
#include "providers/openai_compat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/remote.h"
#include "providers/upstream_form.h"
#include "providers/upstream_http.h"
#include "providers/upstream_options.h"
#include "util/fault.h"

/* ---- transfers ------------------------------------------------------------------------- */

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

static struct transfer *find_by_easy(struct transfer *list, CURL *easy)
{
    for (; list; list = list->next)
        if (list->easy == easy)
            return list;
    return NULL;
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
        long wait_ms = 1000;
        for (struct transfer **pp = &p->waiting; *pp;) { /* jobs between their requests */
            struct transfer *t = *pp;
            long due_in = remote_ms_until(&t->due);
            if (stopping || atomic_load(&t->cancel) || due_in == 0) {
                *pp = t->next;
                if (due_in == 0 && !stopping && !atomic_load(&t->cancel)) {
                    t->next = p->active;
                    p->active = t;
                    curl_multi_add_handle(p->multi, t->easy);
                } else {
                    atomic_store(&t->cancel, true);
                    t->next = done;
                    done = t;
                }
                continue;
            }
            wait_ms = due_in < wait_ms ? due_in : wait_ms;
            pp = &t->next;
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
            remote_transfer_finish(t, CURLE_OK);
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
            curl_multi_remove_handle(p->multi, easy);
            /* Only this thread takes transfers off `active`: t stays valid,
             * and listed (so a cancel finds it) while a job reads its answer. */
            pthread_mutex_lock(&p->lock);
            struct transfer *t = find_by_easy(p->active, easy);
            pthread_mutex_unlock(&p->lock);
            bool again = t && t->step != JOB_NONE && remote_job_next(t, cc);
            pthread_mutex_lock(&p->lock);
            unlink_by_easy(&p->active, easy);
            if (again) {
                t->next = p->waiting;
                p->waiting = t;
                long due_in = remote_ms_until(&t->due);
                wait_ms = due_in < wait_ms ? due_in : wait_ms;
            }
            pthread_mutex_unlock(&p->lock);
            if (t && !again) {
                remote_transfer_finish(t, cc);
                transfer_free(t);
            }
        }
        curl_multi_poll(p->multi, NULL, 0, (int)wait_ms, NULL);
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
    const char *id = remote_upstream_id(p, name); /* what the upstream calls the model */
    char url[SY_UPSTREAM_URL_MAX];
    bool upload = false; /* the request is a multipart form (files), not JSON */
    struct transfer *t = calloc(1, sizeof *t);
    sy_code rc = t ? SY_OK : sy_errf(err, SY_ENOMEM, "out of memory starting a request");
    if (rc == SY_OK) {
        t->p = p;
        t->sink = sink;
        sse_reader_init(&t->reader, SY_UPSTREAM_EVENT_MAX);
        buf_init(&t->whole, SY_UPSTREAM_ANSWER_MAX);
        t->answer_max = SY_UPSTREAM_ANSWER_MAX;
        clock_gettime(CLOCK_MONOTONIC, &t->t0);
        t->embed = req->task == SY_TASK_FEATURE_EXTRACTION;
        t->n_inputs = req->embed.n_inputs;
        t->image = req->task == SY_TASK_TEXT_TO_IMAGE;
        t->n_images = req->images.n;
        t->speech = req->task == SY_TASK_TEXT_TO_SPEECH;
        t->transcribe = req->task == SY_TASK_AUTOMATIC_SPEECH_RECOGNITION;
        t->music = req->task == SY_TASK_TEXT_TO_AUDIO;
        if (req->task == SY_TASK_TEXT_TO_VIDEO)
            remote_job_begin(t);
        t->heard_s = req->speech.sample_rate
                         ? (double)req->speech.n_samples / req->speech.sample_rate
                         : 0;
        /* OpenAI's edits, transcriptions and videos are forms; hf-inference
         * takes JSON */
        upload = t->transcribe || t->step == JOB_CREATE ||
                 (t->image && req->images.n_refs && p->dialect != UPSTREAM_HF);
        rc = upstream_url(&p->cfg, p->dialect, req, id, url, sizeof url, err);
        if (rc == SY_OK && !upload) /* an upload is built on the transfer's handle */
            rc = upstream_body(&p->cfg, p->dialect, req, id, &t->body, err);
    }
    if (rc == SY_OK && fault_hit("upstream.connect"))
        rc = sy_errf(err, SY_EUPSTREAM, "provider '%s' (%s) cannot be reached: Connection "
                     "refused (injected)", p->cfg.name, p->cfg.base_url);
    if (rc == SY_OK && !(t->easy = curl_easy_init()))
        rc = sy_errf(err, SY_ENOMEM, "out of memory starting a request");
    if (rc == SY_OK && t->transcribe)
        rc = upstream_transcription_form(t->easy, req, id, &t->form, err);
    else if (rc == SY_OK && t->step == JOB_CREATE)
        rc = upstream_video_form(&p->cfg, t->easy, req, id, &t->form, err);
    else if (rc == SY_OK && upload)
        rc = upstream_image_edit_form(&p->cfg, t->easy, req, id, &t->form, err);
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
        curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, remote_on_answer);
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
    struct transfer *lists[3] = {p->pending, p->active, p->waiting};
    for (struct transfer **l = lists; l < lists + 3; l++)
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
        remote_refresh_list(p, NULL);
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
        remote_transfer_finish(t, CURLE_OK);
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
        .abi = SY_PROVIDER_ABI, .kind = kind_name, .describe = remote_describe,                 \
        .list = remote_list, .submit = openai_submit, .cancel = openai_cancel,                  \
        .health = remote_health, .check_options = remote_check_options,                         \
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
