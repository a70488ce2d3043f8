/* config.h -- Switchyard's configuration: defaults, the config file, flags.
 *
 * Precedence: built-in defaults < the JSON config file (--config) < command-
 * line flags. Environment variables are read only for standard locations
 * (HOME, XDG_DATA_HOME), never for switches. An unknown key or a value of the
 * wrong type in the file is an error naming the file and the key.
 * README.md, "Configuration", documents every key; keep the two in step. */
#ifndef SY_CONFIG_H
#define SY_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "app/provider_config.h"
#include "util/err.h"

struct sy_config {
    char host[256];              /* bind address; "127.0.0.1" */
    uint16_t port;               /* 8080; 0 picks a free port */
    char data_dir[PATH_MAX];     /* $XDG_DATA_HOME/switchyard or ~/.local/share/switchyard */
    char models_dir[PATH_MAX];   /* <data_dir>/models unless set */
    char hub_url[512];           /* the Hugging Face Hub: "https://huggingface.co" */
    char api_key_file[PATH_MAX]; /* API keys, one per line; "" none (see access_config.h) */
    char allowed_hosts[1024];    /* extra Host names, comma-separated */
    char cors_origins[1024];     /* origins browsers may call from, comma-separated; "*" any */
    int64_t hub_cache_ttl_ms;    /* how long Hub answers are served without asking: 30 min */
    char hub_cache[PATH_MAX];    /* $HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub */
    unsigned threads;            /* inference threads, shared by all models: physical cores */
    unsigned http_threads;       /* HTTP pool threads: 4 */
    unsigned slots;              /* parallel sequences per model; 0: as many as fit (up to 4) */
    unsigned context_size;       /* context tokens per slot: 4096 */
    unsigned batch_size;         /* tokens per decode call: 512 */
    size_t max_body_bytes;       /* request body limit: 8 MiB */
    size_t stream_buffer_bytes;  /* output queued for one slow stream reader: 4 MiB */
    size_t send_buffer_bytes;    /* kernel send buffer per connection; 0: the kernel's own */
    unsigned connection_timeout; /* idle seconds before a connection closes: 60 */
    unsigned header_timeout;     /* seconds a new connection has to send its headers: 10; 0 off */
    unsigned body_timeout;       /* seconds a body has, plus one per min_body_rate bytes: 20 */
    unsigned max_connections_per_client; /* open at once per remote address: 64; 0 no cap */
    unsigned heartbeat_interval; /* seconds a stream may stay quiet before a comment: 15 */
    size_t min_body_rate;        /* bytes per second a body must keep up: 500; 0 off */
    char llama_worker[PATH_MAX]; /* the switchyard-llama executable: beside this binary */
    char speech_worker[PATH_MAX]; /* the switchyard-speech executable: beside this binary */
    char whisper_worker[PATH_MAX]; /* the switchyard-whisper executable: beside this binary */
    char espeak_data[PATH_MAX];  /* espeak-ng's data: Debian's /usr/lib/<arch>/espeak-ng-data */
    char pocketsphinx_model[PATH_MAX]; /* pocketsphinx-en-us: /usr/share/pocketsphinx/model/en-us */
    unsigned max_audio_seconds;  /* longest audio a transcription takes: 1800 (30 min) */
    char web_root[PATH_MAX];     /* the built playground: web/ beside this binary */
    char log_level[16];          /* debug | info | warn | error: info */
    uint64_t memory_budget;      /* bytes for loaded models; 0 until config_finish: 75% of
                                  * the memory available at start */
    int64_t keep_alive_ms;       /* idle time before a model unloads: 5 min; < 0 never */
    unsigned queue_size;         /* requests waiting per model beyond its slots: 32 */
    unsigned restart_limit;      /* crashes in a row before a model is marked failed: 5 */
    unsigned worker_stall_timeout; /* seconds a busy worker may say nothing before it is
                                    * killed: 300; 0 never */
    struct sy_provider_config providers[SY_PROVIDERS_MAX]; /* remote upstreams: none */
    size_t n_providers;
};

/* Fills cfg with the defaults. argv0_path is /proc/self/exe's target or NULL. */
void config_defaults(struct sy_config *cfg);

/* Reads a JSON config file over cfg. Returns: SY_OK; SY_EIO if it cannot be
 * read; SY_EINVAL naming the file, line and key for anything wrong in it. */
sy_code config_load_file(struct sy_config *cfg, const char *path, struct sy_err *err);

/* Applies one command-line option (name without "--", e.g. "port") with its
 * value. Returns: SY_OK; SY_EINVAL for an unknown option or a bad value. */
sy_code config_set(struct sy_config *cfg, const char *name, const char *value, struct sy_err *err);

/* Fills what depends on other values (models_dir from data_dir). Call after
 * everything is applied. Returns: SY_OK; SY_EINVAL for inconsistent values. */
sy_code config_finish(struct sy_config *cfg, struct sy_err *err);

/* Returns: bytes of memory available now (MemAvailable), 0 if unknown. */
uint64_t config_available_memory(void);

/* Returns: the number of physical CPU cores (at least 1). */
unsigned config_physical_cores(void);

#endif
