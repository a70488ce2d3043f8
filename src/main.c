/* main.c -- the switchyard command line.
 *
 *   switchyard serve [--config FILE] [--host H] [--port P] [--models-dir DIR] [--data-dir DIR] ...
 *   switchyard models [same options]   list local models and what they can do
 *   switchyard version | help
 *
 * Every configuration key can be given as a flag (--context-size 2048 sets
 * context_size); flags override the config file, which overrides defaults. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/config.h"
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

static int cmd_serve(const struct sy_config *cfg)
{
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
    if (registry_open(cfg->models_dir, &reg, &err) != SY_OK ||
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
    if (strcmp(cmd, "serve") != 0 && strcmp(cmd, "models") != 0) {
        fprintf(stderr, "switchyard: unknown command '%s'\n\n", cmd);
        usage(stderr);
        return 2;
    }
    struct sy_config cfg;
    int rc = read_config(argc - 2, argv + 2, &cfg);
    if (rc != 0)
        return rc;
    return strcmp(cmd, "serve") == 0 ? cmd_serve(&cfg) : cmd_models(&cfg);
}
