/* provider_config.h -- the `providers` key of the configuration: the remote
 * upstreams a model-id prefix routes to.
 *
 *   "providers": [{"name": "work", "kind": "openai",   (or "ollama", or "hf")
 *                  "base_url": "https://llm.example/v1", "api_key_env": "WORK_KEY",
 *                  "timeout": 600, "connect_timeout": 10,
 *                  "aliases": {"fast": "llama-3.1-8b-instruct"},
 *                  "images": {"dall-e-3": {"sizes": ["1024x1024", "1792x1024"]},
 *                             "gpt-image-1": {"files": 16}},
 *                  "audio": {"tts-1": {"task": "text-to-speech", "voices": ["alloy"]},
 *                            "whisper-1": {"task": "automatic-speech-recognition"}},
 *                  "videos": {"sora-2": {"sizes": ["1280x720"], "seconds": [4, 8, 12]}},
 *                  "poll_interval_ms": 2000, "job_timeout": 1800}]
 *
 * `images` names the upstream's image-generation models (model lists do not
 * say which those are) and, optionally, the sizes each can make and how many
 * reference images it takes (`files`: drawn through /images/edits). An
 * OpenAI-compatible upstream relays images (/images/generations), and so does
 * kind "hf" (hf-inference's text-to-image), whose base_url defaults to the
 * Hugging Face router and whose other task models come from the Hub.
 * `audio` names an OpenAI-compatible upstream's speech models and their task
 * (/audio/speech or /audio/transcriptions), with the voices a text-to-speech
 * model speaks (OpenAI's when not given). `videos` names its video models
 * (OpenAI's /videos: a job that is created, polled every poll_interval_ms,
 * then downloaded; job_timeout bounds the whole of it), with the sizes and
 * lengths each makes (any, when not given).
 *
 * URLs come from here only, never from a request; keys come from the named
 * environment variable only, read once at start. */
#ifndef SY_PROVIDER_CONFIG_H
#define SY_PROVIDER_CONFIG_H

#include <jansson.h>
#include <stddef.h>

#include "core/task.h"
#include "util/err.h"
#include "util/limits.h"

#define SY_PROVIDERS_MAX 16 /* configured upstreams */
#define SY_HF_ROUTER_URL "https://router.huggingface.co" /* kind "hf" without a base_url */
#define SY_PROVIDER_ALIASES_MAX 32
#define SY_PROVIDER_IMAGE_MODELS_MAX 16
#define SY_PROVIDER_IMAGE_SIZES_MAX 16
#define SY_PROVIDER_AUDIO_MODELS_MAX 16
#define SY_PROVIDER_VIDEO_MODELS_MAX 16
#define SY_PROVIDER_VIDEO_LENGTHS_MAX 8

struct sy_provider_alias {
    char alias[SY_MODEL_ID_MAX + 1]; /* what clients write after the prefix */
    char model[SY_MODEL_ID_MAX + 1]; /* the upstream's id */
};

struct sy_provider_image_model {
    char model[SY_MODEL_ID_MAX + 1];   /* the upstream's id */
    unsigned width[SY_PROVIDER_IMAGE_SIZES_MAX], height[SY_PROVIDER_IMAGE_SIZES_MAX];
    size_t n_sizes;                    /* 0: any size goes to the upstream */
    unsigned files;                    /* reference images it takes (image edits); 0: none */
};

struct sy_provider_audio_model {
    char model[SY_MODEL_ID_MAX + 1]; /* the upstream's id */
    enum sy_task task;               /* text-to-speech or automatic-speech-recognition */
    char voices[512];                /* comma-separated; "" for recognition */
};

struct sy_provider_video_model {
    char model[SY_MODEL_ID_MAX + 1];   /* the upstream's id */
    unsigned width[SY_PROVIDER_IMAGE_SIZES_MAX], height[SY_PROVIDER_IMAGE_SIZES_MAX];
    size_t n_sizes;                    /* 0: any size goes to the upstream */
    unsigned seconds[SY_PROVIDER_VIDEO_LENGTHS_MAX]; /* the lengths it makes */
    size_t n_seconds;                  /* 0: any length goes to the upstream */
};

struct sy_provider_config {
    char name[32];          /* the model-id prefix: [a-z0-9_-]+ */
    char kind[16];          /* "openai" (any OpenAI-compatible API), "ollama" or "hf" */
    char base_url[512];     /* http(s)://host[:port]/path, without a trailing '/' */
    char api_key_env[64];   /* the variable holding the key; "" none */
    unsigned timeout_s;     /* one request, start to end: 600 */
    unsigned connect_timeout_s; /* 10 */
    unsigned job_timeout_s; /* a long job (a video), created to downloaded: 1800 */
    unsigned poll_interval_ms; /* between asking how a job does: 2000 */
    struct sy_provider_alias aliases[SY_PROVIDER_ALIASES_MAX];
    size_t n_aliases;
    struct sy_provider_image_model images[SY_PROVIDER_IMAGE_MODELS_MAX];
    size_t n_images;
    struct sy_provider_audio_model audio[SY_PROVIDER_AUDIO_MODELS_MAX];
    size_t n_audio;
    struct sy_provider_video_model videos[SY_PROVIDER_VIDEO_MODELS_MAX];
    size_t n_videos;
};

/* Parses "WxH" (or "W:H"), each side 1..16384. Returns: 0, or -1. */
int provider_parse_size(const char *s, unsigned *width, unsigned *height);

/* Reads the `providers` array (v) into out[SY_PROVIDERS_MAX], replacing what
 * was there. `where` names the file or flag for messages.
 * Returns: SY_OK and *n; SY_EINVAL naming the entry and field at fault. */
sy_code provider_config_parse(const json_t *v, const char *where,
                              struct sy_provider_config *out, size_t *n, struct sy_err *err);

#endif
