/* capabilities.h -- what a model can do, known before it runs.
 *
 * Every model (local or remote) has one of these. capabilities_check() is the
 * gate every request passes before any work starts: the wrong task, chat sent
 * to a model without a chat template, images sent to a text-only model, or a
 * setting the model's engine does not honour, each fail with 422
 * `not_supported` naming the model and what it does support. */
#ifndef SY_CAPABILITIES_H
#define SY_CAPABILITIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/request.h"
#include "util/err.h"

struct sy_capabilities {
    uint32_t tasks;          /* SY_TASK_BIT of each task the model does */
    uint32_t settings;       /* SY_SETTING_BIT of each setting its engine honours */
    bool chat;               /* takes chat messages (it has a chat template) */
    bool vision;             /* takes images in messages */
    bool gated;              /* the Hub requires accepting terms */
    uint64_t context_length; /* tokens the model was trained for; 0 if unknown */
    uint64_t embedding_length; /* floats in its embeddings; 0 if unknown or none */
    unsigned reference_images; /* pictures a drawing may start from; 0: text only */
    bool needs_reference_image; /* it draws only from a picture (image-to-image) */
    /* Speech. */
    char voices[4096];       /* voices it speaks with, comma-separated; "" none */
    char languages[512];     /* languages it recognises, comma-separated; "" any/none */
    double speed_min, speed_max; /* pace range of text-to-speech (both 0: fixed) */
    bool phrases;            /* recognition can be limited to a list of phrases */
    bool speech_prompt;      /* recognition takes a prompt (context, spellings) */
    bool speech_translate;   /* recognises other languages into English text */
    unsigned sample_rate;    /* the rate its engine takes or makes audio at; 0 not speech */
    /* Video and music. */
    bool takes_duration;     /* a request may say how long (seed 000's duration) */
    char durations[64];      /* the lengths in seconds it makes, comma-separated; "" any */
};

/* The settings every speech engine honours (none shape the output). */
#define SY_SPEECH_SETTINGS                                                                         \
    (SY_SETTING_BIT(SY_SETTING_USE_CACHE) | SY_SETTING_BIT(SY_SETTING_WAIT_FOR_MODEL))

/* The settings the llama.cpp engine honours for text generation. */
#define SY_LLAMA_SETTINGS                                                                          \
    (SY_SETTING_BIT(SY_SETTING_TEMPERATURE) | SY_SETTING_BIT(SY_SETTING_TOP_P) |                  \
     SY_SETTING_BIT(SY_SETTING_TOP_K) | SY_SETTING_BIT(SY_SETTING_MAX_NEW_TOKENS) |               \
     SY_SETTING_BIT(SY_SETTING_DO_SAMPLE) | SY_SETTING_BIT(SY_SETTING_REPETITION_PENALTY) |       \
     SY_SETTING_BIT(SY_SETTING_PRESENCE_PENALTY) | SY_SETTING_BIT(SY_SETTING_FREQUENCY_PENALTY) | \
     SY_SETTING_BIT(SY_SETTING_RETURN_FULL_TEXT) | SY_SETTING_BIT(SY_SETTING_STOP) |              \
     SY_SETTING_BIT(SY_SETTING_SEED) | SY_SETTING_BIT(SY_SETTING_USE_CACHE) |                     \
     SY_SETTING_BIT(SY_SETTING_WAIT_FOR_MODEL))

/* Checks req against caps for the model named model_id.
 * Returns: SY_OK; SY_EUNSUPPORTED with a message naming the model, what was
 *          asked and what the model supports, and param set to the request
 *          field at fault (for settings: the name the client used). */
sy_code capabilities_check(const struct sy_capabilities *caps, const char *model_id,
                           const struct sy_request *req, struct sy_err *err);

/* Returns: a new JSON object describing caps (tasks, settings, chat, vision,
 *          gated, context_length, embedding_length when it embeds), owned by
 *          the caller; NULL if out of memory. */
json_t *capabilities_to_json(const struct sy_capabilities *caps);

#endif
