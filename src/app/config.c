/* config.c -- the configuration table, the JSON file reader and flags.
 *
 * Every key is one row of `keys`: its name in the file (flags use the same
 * name with '-' for '_'), its type, bounds and place in struct sy_config. */
#include "app/config.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/limits.h"
#include "util/units.h"
#include "util/log.h"

enum key_type {
    KEY_STRING,
    KEY_UINT,
    KEY_SIZE,
    KEY_PORT,
    KEY_LOG_LEVEL,
    KEY_BYTES,
    KEY_DURATION,
    KEY_PROVIDERS, /* JSON; as a flag, its JSON text */
};

struct config_key {
    const char *name;
    enum key_type type;
    size_t offset;
    size_t size;         /* for strings: the field's size */
    unsigned long long min, max;
};

#define C(field) offsetof(struct sy_config, field), sizeof(((struct sy_config *)0)->field)

static const struct config_key keys[] = {
    {"host", KEY_STRING, C(host), 0, 0},
    {"port", KEY_PORT, C(port), 0, 65535},
    {"data_dir", KEY_STRING, C(data_dir), 0, 0},
    {"models_dir", KEY_STRING, C(models_dir), 0, 0},
    {"hub_url", KEY_STRING, C(hub_url), 0, 0},
    {"hub_cache", KEY_STRING, C(hub_cache), 0, 0},
    {"hub_cache_ttl", KEY_DURATION, C(hub_cache_ttl_ms), 0, 0},
    {"api_key_file", KEY_STRING, C(api_key_file), 0, 0},
    {"allowed_hosts", KEY_STRING, C(allowed_hosts), 0, 0},
    {"cors_origins", KEY_STRING, C(cors_origins), 0, 0},
    {"threads", KEY_UINT, C(threads), 1, 256},
    {"http_threads", KEY_UINT, C(http_threads), 1, 256},
    {"slots", KEY_UINT, C(slots), 0, 64},
    {"context_size", KEY_UINT, C(context_size), 64, 1u << 20},
    {"batch_size", KEY_UINT, C(batch_size), 1, 1u << 16},
    {"max_body_bytes", KEY_SIZE, C(max_body_bytes), 1024, 1ull << 32},
    {"stream_buffer_bytes", KEY_SIZE, C(stream_buffer_bytes), 1024, 1ull << 30},
    {"send_buffer_bytes", KEY_SIZE, C(send_buffer_bytes), 0, 64ull << 20},
    {"connection_timeout", KEY_UINT, C(connection_timeout), 1, 86400},
    {"header_timeout", KEY_UINT, C(header_timeout), 0, 3600},
    {"body_timeout", KEY_UINT, C(body_timeout), 0, 3600},
    {"min_body_rate", KEY_SIZE, C(min_body_rate), 0, 1ull << 30},
    {"heartbeat_interval", KEY_UINT, C(heartbeat_interval), 0, 3600},
    {"max_connections_per_client", KEY_UINT, C(max_connections_per_client), 0, 1024},
    {"llama_worker", KEY_STRING, C(llama_worker), 0, 0},
    {"speech_worker", KEY_STRING, C(speech_worker), 0, 0},
    {"whisper_worker", KEY_STRING, C(whisper_worker), 0, 0},
    {"espeak_data", KEY_STRING, C(espeak_data), 0, 0},
    {"pocketsphinx_model", KEY_STRING, C(pocketsphinx_model), 0, 0},
    {"max_audio_seconds", KEY_UINT, C(max_audio_seconds), 1, 24 * 3600},
    {"web_root", KEY_STRING, C(web_root), 0, 0},
    {"log_level", KEY_LOG_LEVEL, C(log_level), 0, 0},
    {"memory_budget", KEY_BYTES, C(memory_budget), 0, 0},
    {"keep_alive", KEY_DURATION, C(keep_alive_ms), 0, 0},
    {"queue_size", KEY_UINT, C(queue_size), 0, 4096},
    {"restart_limit", KEY_UINT, C(restart_limit), 1, 100},
    {"worker_stall_timeout", KEY_UINT, C(worker_stall_timeout), 0, 86400},
    {"providers", KEY_PROVIDERS, C(providers), 0, 0},
};

#define N_KEYS (sizeof keys / sizeof keys[0])

unsigned config_physical_cores(void)
{
    /* Count distinct (package, core) pairs: SMT siblings share one. */
    unsigned pairs[1024][2];
    unsigned n = 0;
    for (unsigned cpu = 0; cpu < 1024; cpu++) {
        char path[128];
        unsigned ids[2];
        const char *files[2] = {"physical_package_id", "core_id"};
        bool ok = true;
        for (int k = 0; k < 2 && ok; k++) {
            snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%u/topology/%s", cpu, files[k]);
            FILE *f = fopen(path, "r");
            ok = f && fscanf(f, "%u", &ids[k]) == 1;
            if (f)
                fclose(f);
        }
        if (!ok)
            break;
        bool seen = false;
        for (unsigned i = 0; i < n && !seen; i++)
            seen = pairs[i][0] == ids[0] && pairs[i][1] == ids[1];
        if (!seen) {
            pairs[n][0] = ids[0];
            pairs[n][1] = ids[1];
            n++;
        }
    }
    if (n == 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        n = online > 0 ? (unsigned)online : 1;
    }
    return n;
}

/* `name` beside this binary; workers take the binary's suffix too:
 * switchyard-asan runs switchyard-llama-asan. */
static void beside_binary(const char *name, bool suffixed, char *out, size_t size)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        snprintf(out, size, "%s", name + 1);
        return;
    }
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    const char *base = slash ? slash + 1 : exe;
    const char *suffix = suffixed && strncmp(base, "switchyard", 10) == 0 ? base + 10 : "";
    const char *dir = slash ? exe : ".";
    if (slash)
        *slash = '\0';
    size_t dl = strlen(dir), nl = strlen(name), sl = strlen(suffix);
    if (dl + nl + sl + 1 > size) {
        snprintf(out, size, "%s", name + 1);
        return;
    }
    memcpy(out, dir, dl);
    memcpy(out + dl, name, nl);
    memcpy(out + dl + nl, suffix, sl + 1);
}

void config_defaults(struct sy_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->host, sizeof cfg->host, "127.0.0.1");
    cfg->port = 8080;
    snprintf(cfg->hub_url, sizeof cfg->hub_url, "https://huggingface.co");
    cfg->hub_cache_ttl_ms = 30 * 60 * 1000;
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0] == '/')
        snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s/switchyard", xdg);
    else
        snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s/.local/share/switchyard",
                 home ? home : ".");
    cfg->threads = config_physical_cores();
    cfg->http_threads = SY_HTTP_POOL_THREADS_DEFAULT;
    cfg->slots = 0; /* sized from the memory budget per model */
    cfg->context_size = 4096;
    cfg->batch_size = 512;
    cfg->max_body_bytes = SY_HTTP_BODY_MAX_DEFAULT;
    cfg->stream_buffer_bytes = SY_HTTP_STREAM_BUFFER_MAX;
    cfg->connection_timeout = 60;
    cfg->header_timeout = 10;
    cfg->body_timeout = 20; /* Apache mod_reqtimeout's body=20,MinRate=500 */
    cfg->min_body_rate = 500;
    cfg->heartbeat_interval = 15;
    cfg->max_connections_per_client = 64;
    beside_binary("/switchyard-llama", true, cfg->llama_worker, sizeof cfg->llama_worker);
    beside_binary("/switchyard-speech", true, cfg->speech_worker, sizeof cfg->speech_worker);
    beside_binary("/switchyard-whisper", true, cfg->whisper_worker, sizeof cfg->whisper_worker);
    /* Where Debian's packages put the built-in speech engines' data. */
    snprintf(cfg->espeak_data, sizeof cfg->espeak_data, "/usr/lib/%s/espeak-ng-data",
             SY_MULTIARCH);
    snprintf(cfg->pocketsphinx_model, sizeof cfg->pocketsphinx_model,
             "/usr/share/pocketsphinx/model/en-us");
    cfg->max_audio_seconds = 1800;
    beside_binary("/web", false, cfg->web_root, sizeof cfg->web_root);
    snprintf(cfg->log_level, sizeof cfg->log_level, "info");
    cfg->keep_alive_ms = 5 * 60 * 1000; /* Ollama's default */
    cfg->queue_size = 32;
    cfg->restart_limit = 5;
    cfg->worker_stall_timeout = 300; /* a long prompt on a CPU may take minutes to first token */
}

uint64_t config_available_memory(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return 0;
    char line[128];
    unsigned long long kib = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
            break;
    fclose(f);
    return (uint64_t)kib * 1024;
}

static const struct config_key *find_key(const char *name)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

/* Stores a value given as text (flags) or as JSON (file; text then NULL). */
static sy_code store(struct sy_config *cfg, const struct config_key *k, const char *text,
                     const json_t *json, const char *where, struct sy_err *err)
{
    char *field = (char *)cfg + k->offset;
    if (k->type == KEY_PROVIDERS) {
        json_t *parsed = NULL;
        if (text) {
            json_error_t jerr;
            if (!(parsed = json_loads(text, JSON_REJECT_DUPLICATES, &jerr)))
                return sy_errf(err, SY_EINVAL, "%s: not JSON: %s", where, jerr.text);
            json = parsed;
        }
        sy_code rc = provider_config_parse(json, where, cfg->providers, &cfg->n_providers, err);
        json_decref(parsed);
        return rc;
    }
    if (k->type == KEY_STRING || k->type == KEY_LOG_LEVEL) {
        const char *s = text ? text : json_string_value(json);
        if (!s)
            return sy_errf(err, SY_EINVAL, "%s: '%s' must be a string", where, k->name);
        if (strlen(s) >= k->size)
            return sy_errf(err, SY_EINVAL, "%s: '%s' is longer than %zu bytes", where, k->name,
                           k->size - 1);
        if (k->type == KEY_LOG_LEVEL && strcmp(s, "debug") != 0 && strcmp(s, "info") != 0 &&
            strcmp(s, "warn") != 0 && strcmp(s, "error") != 0)
            return sy_errf(err, SY_EINVAL, "%s: '%s' must be debug, info, warn or error, not '%s'",
                           where, k->name, s);
        snprintf(field, k->size, "%s", s);
        return SY_OK;
    }
    if (k->type == KEY_BYTES || k->type == KEY_DURATION) {
        bool ok;
        char number[32];
        const char *s = text ? text : json_string_value(json);
        if (!s && json_is_number(json)) {
            /* A bare JSON number: bytes, or seconds as Ollama reads keep_alive. */
            snprintf(number, sizeof number, "%.3f%s", json_number_value(json),
                     k->type == KEY_DURATION ? "s" : "");
            s = number;
        }
        if (k->type == KEY_BYTES) {
            uint64_t bytes = 0;
            ok = s && units_parse_bytes(s, &bytes);
            if (ok)
                *(uint64_t *)field = bytes;
        } else {
            int64_t ms = 0;
            ok = s && (units_parse_duration_ms(s, &ms) ||
                       (strspn(s, "-0123456789") == strlen(s) && (ms = atoll(s) * 1000, true)));
            if (ok)
                *(int64_t *)field = ms < 0 ? -1 : ms;
        }
        if (!ok)
            return sy_errf(err, SY_EINVAL, "%s: '%s' must be %s", where, k->name,
                           k->type == KEY_BYTES ? "a size such as \"8GiB\", \"512MB\" or a byte count"
                                                : "a duration such as \"5m\", \"1h\", \"30s\" "
                                                  "or a number of seconds (negative: never)");
        return SY_OK;
    }
    unsigned long long v;
    if (text) {
        char *end;
        errno = 0;
        v = strtoull(text, &end, 10);
        if (errno || end == text || *end || text[0] == '-')
            return sy_errf(err, SY_EINVAL, "%s: '%s' must be a whole number, not '%s'", where,
                           k->name, text);
    } else {
        if (!json_is_integer(json) || json_integer_value(json) < 0)
            return sy_errf(err, SY_EINVAL, "%s: '%s' must be a whole number", where, k->name);
        v = (unsigned long long)json_integer_value(json);
    }
    if (v < k->min || v > k->max)
        return sy_errf(err, SY_EINVAL, "%s: '%s' must be in [%llu, %llu], got %llu", where,
                       k->name, k->min, k->max, v);
    switch (k->type) {
    case KEY_UINT: *(unsigned *)field = (unsigned)v; break;
    case KEY_SIZE: *(size_t *)field = (size_t)v; break;
    case KEY_PORT: *(uint16_t *)field = (uint16_t)v; break;
    default: break;
    }
    return SY_OK;
}

sy_code config_load_file(struct sy_config *cfg, const char *path, struct sy_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return sy_errf(err, SY_EIO, "cannot read config file %s: %s", path, strerror(errno));
    char *text = malloc(SY_CONFIG_FILE_MAX + 1);
    size_t n = text ? fread(text, 1, SY_CONFIG_FILE_MAX + 1, f) : 0;
    fclose(f);
    if (!text)
        return sy_errf(err, SY_ENOMEM, "out of memory reading %s", path);
    if (n > SY_CONFIG_FILE_MAX) {
        free(text);
        return sy_errf(err, SY_EINVAL, "config file %s is larger than %u bytes", path,
                       SY_CONFIG_FILE_MAX);
    }
    json_error_t jerr;
    json_t *root = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!root)
        return sy_errf(err, SY_EINVAL, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
    sy_code rc = SY_OK;
    if (!json_is_object(root))
        rc = sy_errf(err, SY_EINVAL, "%s: the config must be a JSON object", path);
    const char *key;
    json_t *value;
    json_object_foreach(root, key, value) {
        if (rc != SY_OK)
            break;
        const struct config_key *k = find_key(key);
        rc = k ? store(cfg, k, NULL, value, path, err)
               : sy_errf(err, SY_EINVAL, "%s: unknown key '%s' (see README, Configuration)", path,
                         key);
    }
    json_decref(root);
    return rc;
}

sy_code config_set(struct sy_config *cfg, const char *name, const char *value, struct sy_err *err)
{
    char key[64];
    size_t n = strlen(name);
    if (n >= sizeof key)
        return sy_errf(err, SY_EINVAL, "unknown option --%s", name);
    for (size_t i = 0; i <= n; i++)
        key[i] = name[i] == '-' ? '_' : name[i];
    const struct config_key *k = find_key(key);
    if (!k)
        return sy_errf(err, SY_EINVAL, "unknown option --%s", name);
    char where[80];
    snprintf(where, sizeof where, "option --%s", name);
    return store(cfg, k, value, NULL, where, err);
}

sy_code config_finish(struct sy_config *cfg, struct sy_err *err)
{
    if (!cfg->models_dir[0]) {
        int n = snprintf(cfg->models_dir, sizeof cfg->models_dir, "%s/models", cfg->data_dir);
        if (n < 0 || (size_t)n >= sizeof cfg->models_dir)
            return sy_errf(err, SY_EINVAL, "data_dir is too long");
    }
    if (!cfg->hub_cache[0]) {
        /* Where huggingface_hub puts it: HF_HUB_CACHE, HF_HOME/hub, XDG_CACHE_HOME or ~/.cache. */
        const char *hub = getenv("HF_HUB_CACHE"), *hf = getenv("HF_HOME");
        const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
        int n;
        if (hub && hub[0] == '/')
            n = snprintf(cfg->hub_cache, sizeof cfg->hub_cache, "%s", hub);
        else if (hf && hf[0] == '/')
            n = snprintf(cfg->hub_cache, sizeof cfg->hub_cache, "%s/hub", hf);
        else if (xdg && xdg[0] == '/')
            n = snprintf(cfg->hub_cache, sizeof cfg->hub_cache, "%s/huggingface/hub", xdg);
        else
            n = snprintf(cfg->hub_cache, sizeof cfg->hub_cache, "%s/.cache/huggingface/hub",
                         home ? home : ".");
        if (n < 0 || (size_t)n >= sizeof cfg->hub_cache)
            return sy_errf(err, SY_EINVAL, "the Hub cache path is too long; set hub_cache");
    }
    if (strncmp(cfg->hub_url, "http://", 7) != 0 && strncmp(cfg->hub_url, "https://", 8) != 0)
        return sy_errp(err, SY_EINVAL, "hub_url", "hub_url must start with http:// or https://");
    if (!cfg->host[0])
        return sy_errf(err, SY_EINVAL, "host must not be empty");
    if (!cfg->memory_budget) {
        /* Leave a quarter for the system, the page cache and everything else. */
        uint64_t avail = config_available_memory();
        if (!avail)
            return sy_errf(err, SY_EINVAL,
                           "cannot read the available memory from /proc/meminfo; set "
                           "memory_budget");
        cfg->memory_budget = avail / 4 * 3;
    }
    return SY_OK;
}
