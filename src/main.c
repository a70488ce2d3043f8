/* main.c -- the switchyard command line.
 *
 *   switchyard serve [--config FILE] [--host H] [--port P] [--models-dir DIR] [--data-dir DIR] ...
 *   switchyard models [same options]   list local models and what they can do
 *   switchyard pull ORG/NAME[@QUANT|@FILE] [same options]   download a GGUF model from the Hub
 *   switchyard version | help
 *
 * Every configuration key can be given as a flag (--context-size 2048 sets
 * context_size); flags override the config file, which overrides defaults. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "app/app.h"
#include "app/config.h"
#include "core/model_id.h"
#include "hub/pull.h"
#include "models/registry.h"
#include "util/log.h"

#ifndef SY_VERSION
#define SY_VERSION "0.0.0"
#endif

static void usage(FILE *out)
{
    fprintf(out,
            "usage: switchyard <command> [options]\n"
            "\n"
            "commands:\n"
            "  serve      start the server (OpenAI, Hugging Face and task APIs)\n"
            "  models     list the local models and what they can do\n"
            "  pull       download a GGUF model from the Hugging Face Hub into its cache:\n"
            "             switchyard pull org/name[@Q4_K_M|@file.gguf] (HF_TOKEN for gated ones)\n"
            "  version    print the version\n"
            "  help       print this text\n"
            "\n"
            "options (each config key is also a flag; see README, Configuration):\n"
            "  --config FILE        JSON config file\n"
            "  --host HOST          address to bind (default 127.0.0.1)\n"
            "  --port PORT          port (default 8080; 0 picks a free one)\n"
            "  --models-dir DIR     where *.gguf models live (default DATA_DIR/models)\n"
            "  --data-dir DIR       data directory (default ~/.local/share/switchyard)\n"
            "  --threads N          inference threads, shared by all models (default: physical\n"
            "                       cores)\n"
            "  --slots N            parallel requests per model (default 0: up to 4, as the\n"
            "                       memory budget allows)\n"
            "  --context-size N     context tokens per request slot (default 4096)\n"
            "  --log-level LEVEL    debug, info, warn or error (default info)\n");
}

/* Applies --config first, then every other flag in order. */
static int read_config(int argc, char **argv, struct sy_config *cfg)
{
    struct sy_err err;
    config_defaults(cfg);
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "switchyard: --config needs a file\n");
                return 2;
            }
            if (config_load_file(cfg, argv[i + 1], &err) != SY_OK) {
                fprintf(stderr, "switchyard: %s\n", err.msg);
                return 2;
            }
        }
    }
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0 || i + 1 >= argc) {
            fprintf(stderr, "switchyard: unexpected argument '%s' (options take a value: --name VALUE)\n",
                    arg);
            return 2;
        }
        const char *value = argv[++i];
        if (strcmp(arg, "--config") == 0)
            continue;
        if (config_set(cfg, arg + 2, value, &err) != SY_OK) {
            fprintf(stderr, "switchyard: %s\n", err.msg);
            return 2;
        }
    }
    if (config_finish(cfg, &err) != SY_OK) {
        fprintf(stderr, "switchyard: %s\n", err.msg);
        return 2;
    }
    sy_log_set_level(cfg->log_level);
    return 0;
}

/* Every connection and every worker's socket is a descriptor: a soft limit
 * of 1,024 (a common default) would refuse clients long before the
 * connection limit. The hard limit is the operator's; take what it allows. */
static void raise_descriptor_limit(void)
{
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= 65536 ||
        lim.rlim_cur == lim.rlim_max)
        return;
    rlim_t was = lim.rlim_cur;
    lim.rlim_cur = lim.rlim_max < 65536 ? lim.rlim_max : 65536;
    if (setrlimit(RLIMIT_NOFILE, &lim) == 0)
        log_debug("open-file limit raised from %llu to %llu", (unsigned long long)was,
                  (unsigned long long)lim.rlim_cur);
}

static int cmd_serve(const struct sy_config *cfg)
{
    raise_descriptor_limit();
    /* Signals go to sigwait below, never to a random thread. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct app *app;
    struct sy_err err;
    if (app_start(cfg, &app, &err) != SY_OK) {
        log_error("%s", err.msg);
        return 1;
    }
    const char *host = cfg->host;
    int bracket = strchr(host, ':') != NULL; /* IPv6 literals go in brackets */
    printf("listening on http://%s%s%s:%u\n", bracket ? "[" : "", host, bracket ? "]" : "",
           app_port(app));
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    log_info("received %s; shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    app_stop(app);
    log_info("stopped");
    return 0;
}

static int cmd_models(const struct sy_config *cfg)
{
    struct registry *reg;
    struct registry_entry *models;
    size_t n;
    struct sy_err err;
    if (registry_open(cfg->models_dir, cfg->hub_cache, &reg, &err) != SY_OK ||
        registry_list(reg, &models, &n, &err) != SY_OK) {
        fprintf(stderr, "switchyard: %s\n", err.msg);
        return 1;
    }
    printf("%-40s %-8s %-12s %8s %s\n", "MODEL", "QUANT", "ARCH", "CONTEXT", "NOTES");
    for (size_t i = 0; i < n; i++) {
        const struct sy_model_info *m = &models[i].info;
        printf("%-40s %-8s %-12s %8llu %s\n", m->id, m->quantization, m->architecture,
               (unsigned long long)m->caps.context_length,
               m->problem[0] ? m->problem : (m->caps.chat ? "chat" : "completion only"));
    }
    if (n == 0)
        printf("(no models in %s)\n", registry_dir(reg));
    free(models);
    registry_close(reg);
    return 0;
}

/* ---- pull ------------------------------------------------------------------------------- */

static double mib(uint64_t bytes)
{
    return (double)bytes / (1024.0 * 1024.0);
}

static bool print_pull(void *ctx, const struct pull_event *ev)
{
    bool tty = *(const bool *)ctx;
    if (!ev)
        return true;
    switch (ev->step) {
    case PULL_CHOSEN:
        printf("pulling %s%s (%s), %d file%s\n", ev->label[0] ? ev->label : ev->file,
               ev->label[0] ? "" : "", ev->why, ev->count, ev->count == 1 ? "" : "s");
        break;
    case PULL_FILE:
        printf("%s %d/%d %s, %.1f MiB\n", ev->reused ? "already here" : "downloading", ev->index,
               ev->count, ev->file, mib(ev->total));
        break;
    case PULL_PROGRESS:
        if (tty) {
            printf("\r  %.1f / %.1f MiB (%.0f%%)", mib(ev->done), mib(ev->total),
                   ev->total ? 100.0 * (double)ev->done / (double)ev->total : 100.0);
            if (ev->done == ev->total)
                printf("\n");
        }
        break;
    case PULL_VERIFIED:
        printf("  verified %s\n", ev->file);
        break;
    }
    fflush(stdout);
    return true;
}

static int cmd_pull(const struct sy_config *cfg, const char *text)
{
    struct model_id id;
    struct sy_err err;
    if (model_id_parse(text, &id, &err) != SY_OK || hub_repo_check(id.name, &err) != SY_OK) {
        fprintf(stderr, "switchyard: %s\n", err.msg);
        return 2;
    }
    if (id.provider[0] && strcmp(id.provider, "hf") != 0) {
        fprintf(stderr, "switchyard: pull takes a Hub model id: org/name[@quantisation]\n");
        return 2;
    }
    struct hub_client *hc;
    struct hub_client_config hcc = {.endpoint = cfg->hub_url, .token = getenv("HF_TOKEN")};
    if (hub_client_create(&hcc, &hc, &err) != SY_OK) {
        fprintf(stderr, "switchyard: %s\n", err.msg);
        return 2;
    }
    bool tty = isatty(STDOUT_FILENO);
    struct pull_result res;
    sy_code rc = hub_pull(hc, cfg->hub_cache, id.name, id.variant, print_pull, &tty, &res, &err);
    hub_client_destroy(hc);
    if (rc != SY_OK) {
        fprintf(stderr, "switchyard: cannot pull %s: %s\n", text, err.msg);
        return 1;
    }
    printf("pulled %s%s%s (%.1f MiB downloaded) into %s\n", id.name, res.label[0] ? "@" : "",
           res.label, mib(res.downloaded), res.path);
    printf("use it as model \"%s\"\n", id.name);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("switchyard %s\n", SY_VERSION);
        return 0;
    }
    bool pull = strcmp(cmd, "pull") == 0;
    if (strcmp(cmd, "serve") != 0 && strcmp(cmd, "models") != 0 && !pull) {
        fprintf(stderr, "switchyard: unknown command '%s'\n\n", cmd);
        usage(stderr);
        return 2;
    }
    if (pull && (argc < 3 || argv[2][0] == '-')) {
        fprintf(stderr, "usage: switchyard pull org/name[@quantisation|@file.gguf] [options]\n");
        return 2;
    }
    struct sy_config cfg;
    int skip = pull ? 3 : 2;
    int rc = read_config(argc - skip, argv + skip, &cfg);
    if (rc != 0)
        return rc;
    if (pull)
        return cmd_pull(&cfg, argv[2]);
    return strcmp(cmd, "serve") == 0 ? cmd_serve(&cfg) : cmd_models(&cfg);
}
