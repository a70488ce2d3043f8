/* app.c -- construction and teardown of the server's parts. */
#include "app/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "api/api.h"
#include "api/keepalive.h"
#include "api/api_metrics.h"
#include "engines/supervisor.h"
#include "api/background.h"
#include "api/video_jobs.h"
#include "app/access_config.h"
#include "hub/catalog.h"
#include "hub/hub_client.h"
#include "http/server.h"
#include "models/builtin_speech.h"
#include "models/registry.h"
#include "providers/local.h"
#include "providers/openai_compat.h"
#include "router/router.h"
#include "store/runs.h"
#include "util/fs.h"
#include "util/limits.h"
#include "util/log.h"

#ifndef SY_VERSION
#define SY_VERSION "0.0.0"
#endif

struct app {
    struct sy_config cfg;
    struct registry *registry;
    struct builtin_speech *speech;
    struct runs *runs;
    struct keepalive *keepalive;
    struct supervisor *supervisor;
    struct router *router;
    struct video_jobs *videos;
    struct api_ctx api;
    struct api_metrics *metrics;
    struct hub_client *hub;
    struct hub_store *hub_store;
    struct catalog *catalog;
    struct http_access *access;
    struct http_server *http;
};

sy_code app_start(const struct sy_config *cfg, struct app **out, struct sy_err *err)
{
    struct app *app = calloc(1, sizeof *app);
    if (!app)
        return sy_errf(err, SY_ENOMEM, "out of memory starting");
    app->cfg = *cfg;
    sy_code rc = fs_mkdirs(cfg->data_dir, 0755, err);
    if (rc == SY_OK)
        rc = fs_mkdirs(cfg->models_dir, 0755, err);
    if (rc == SY_OK)
        rc = registry_open(cfg->models_dir, cfg->hub_cache, &app->registry, err);
    if (rc == SY_OK) {
        struct builtin_speech_config bc = {.worker = cfg->speech_worker,
                                           .espeak_data = cfg->espeak_data,
                                           .pocketsphinx_model = cfg->pocketsphinx_model};
        rc = builtin_speech_create(&bc, &app->speech, err);
    }
    if (rc == SY_OK) {
        struct supervisor_config sc = {
            .llama_worker = cfg->llama_worker,
            .speech_worker = cfg->speech_worker,
            .whisper_worker = cfg->whisper_worker,
            .threads = cfg->threads,
            .ctx_size = cfg->context_size,
            .slots = cfg->slots,
            .batch = cfg->batch_size,
            .log_level = sy_log_threshold <= SY_LOG_DEBUG ? "debug" : "warn",
            .memory_budget = cfg->memory_budget,
            .keep_alive_ms = cfg->keep_alive_ms,
            .queue_max = cfg->queue_size,
            .restart_limit = cfg->restart_limit,
            .stall_timeout_ms = (int64_t)cfg->worker_stall_timeout * 1000,
        };
        rc = supervisor_create(&sc, &app->supervisor, err);
    }
    if (rc == SY_OK) {
        struct hub_client_config hcc = {.endpoint = cfg->hub_url, .token = getenv("HF_TOKEN")};
        rc = hub_client_create(&hcc, &app->hub, err);
    }
    if (rc == SY_OK) {
        char db[PATH_MAX + 16];
        snprintf(db, sizeof db, "%s/switchyard.db", cfg->data_dir);
        rc = hub_store_open(db, &app->hub_store, err);
        if (rc == SY_OK)
            rc = runs_open(db, &app->runs, err);
    }
    if (rc == SY_OK &&
        !(app->catalog = catalog_create(app->hub, app->hub_store, cfg->hub_cache_ttl_ms)))
        rc = sy_errf(err, SY_ENOMEM, "out of memory setting up the Hub catalog");
    if (rc == SY_OK)
        rc = router_create(&app->router, err);
    struct sy_provider local;
    struct local_provider_config lc = {.registry = app->registry,
                                       .speech = app->speech,
                                       .supervisor = app->supervisor,
                                       .catalog = app->catalog,
                                       .has_token = app->hub && hub_client_has_token(app->hub)};
    if (rc == SY_OK)
        rc = local_provider_init(&lc, &local, err);
    if (rc == SY_OK)
        rc = router_add(app->router, &local, err);
    for (size_t i = 0; rc == SY_OK && i < cfg->n_providers; i++) {
        struct sy_provider remote;
        rc = openai_provider_create(&cfg->providers[i], app->catalog, &remote, err);
        if (rc == SY_OK)
            rc = router_add(app->router, &remote, err);
        if (rc == SY_OK)
            log_info("provider '%s' (%s) at %s", cfg->providers[i].name,
                     cfg->providers[i].kind, cfg->providers[i].base_url);
    }
    if (rc == SY_OK && cfg->heartbeat_interval && !(app->keepalive = keepalive_start(500)))
        rc = sy_errf(err, SY_EIO, "cannot start the stream keep-alive ticker");
    if (rc == SY_OK && !(app->metrics = api_metrics_create()))
        rc = sy_errf(err, SY_ENOMEM, "out of memory setting up metrics");
    if (rc == SY_OK)
        rc = access_from_config(cfg, &app->access, err);
    if (rc == SY_OK)
        rc = video_jobs_create(app->router, app->metrics, &app->videos, err);
    if (rc == SY_OK) {
        app->api.router = app->router;
        app->api.videos = app->videos;
        app->api.metrics = app->metrics;
        app->api.version = SY_VERSION;
        app->api.stream_buffer_max = cfg->stream_buffer_bytes;
        app->api.max_audio_seconds = cfg->max_audio_seconds;
        app->api.web_root = app->cfg.web_root;
        app->api.access = app->access;
        app->api.runs = app->runs;
        app->api.keepalive = app->keepalive;
        app->api.heartbeat_ms = (int64_t)cfg->heartbeat_interval * 1000;
        app->api.hub = app->hub;
        app->api.catalog = app->catalog;
        app->api.hub_cache = app->cfg.hub_cache;
        size_t n_routes;
        const struct http_route *routes = api_routes(&n_routes);
        struct http_server_config hc = {
            .host = cfg->host,
            .port = cfg->port,
            .threads = cfg->http_threads,
            .send_buffer = cfg->send_buffer_bytes,
            .header_timeout_ms = cfg->header_timeout * 1000,
            .body_timeout_ms = cfg->body_timeout * 1000,
            .min_body_rate = (unsigned)cfg->min_body_rate,
            .per_client_connections = cfg->max_connections_per_client,
            .body_max = cfg->max_body_bytes,
            .connection_timeout = cfg->connection_timeout,
            .routes = routes,
            .n_routes = n_routes,
            .refuse = api_refuse,
            .access = app->access,
            .app = &app->api,
            .observe = api_metrics_http,
        };
        rc = http_server_start(&hc, &app->http, err);
    }
    if (rc != SY_OK) {
        app_stop(app);
        return rc;
    }
    struct registry_entry *models;
    size_t n;
    char keep[32];
    if (cfg->keep_alive_ms < 0)
        snprintf(keep, sizeof keep, "forever");
    else
        snprintf(keep, sizeof keep, "%.0f s", (double)cfg->keep_alive_ms / 1000.0);
    char slots[32];
    if (cfg->slots)
        snprintf(slots, sizeof slots, "%u", cfg->slots);
    else
        snprintf(slots, sizeof slots, "up to %d", SY_AUTO_SLOTS_MAX);
    log_info("memory budget %.0f MiB, %u threads shared, %s slots of %u tokens per model, "
             "keep_alive %s",
             (double)cfg->memory_budget / (1024.0 * 1024.0), cfg->threads, slots,
             cfg->context_size, keep);
    if (registry_list(app->registry, &models, &n, NULL) == SY_OK) {
        log_info("%zu local model%s in %s%s", n, n == 1 ? "" : "s", registry_dir(app->registry),
                 n ? "" : " (put .gguf files there)");
        free(models);
    }
    struct registry_entry speech[BUILTIN_SPEECH_MODELS];
    size_t n_speech = builtin_speech_list(app->speech, speech);
    for (size_t i = 0; i < n_speech; i++)
        if (!speech[i].info.problem[0])
            log_info("built-in %s: %s", speech[i].info.id,
                     task_name(speech[i].info.caps.tasks & SY_TASK_BIT(SY_TASK_TEXT_TO_SPEECH)
                                   ? SY_TASK_TEXT_TO_SPEECH
                                   : SY_TASK_AUTOMATIC_SPEECH_RECOGNITION));
    *out = app;
    return SY_OK;
}

uint16_t app_port(const struct app *app)
{
    return http_server_port(app->http);
}

void app_stop(struct app *app)
{
    if (!app)
        return;
    /* HTTP first: closing exchanges cancels their jobs while the engines still
     * run, and their pulls, which stop at their next progress check (< 1 s). */
    atomic_store(&app->api.stopping, true);
    http_server_stop(app->http);
    keepalive_stop(app->keepalive); /* every stream has closed, and left it */
    /* Pulls and Hub requests run on threads of their own: wait for them
     * before freeing what they use (a Hub request ends within its timeout). */
    int waited = 0;
    for (; (atomic_load(&app->api.pulls) > 0 || api_background_running() > 0) && waited < 40000;
         waited += 10)
        usleep(10 * 1000);
    if (waited >= 40000) {
        log_warn("a pull or Hub request did not end in 40 s; leaving it");
    } else {
        catalog_destroy(app->catalog);
        hub_store_close(app->hub_store);
        hub_client_destroy(app->hub);
    }
    router_destroy(app->router);
    video_jobs_destroy(app->videos); /* every job's sink is released with the router */
    supervisor_destroy(app->supervisor);
    api_metrics_destroy(app->metrics);
    http_access_destroy(app->access);
    registry_close(app->registry);
    builtin_speech_destroy(app->speech);
    runs_close(app->runs);
    free(app);
}
