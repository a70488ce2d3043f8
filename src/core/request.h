/* request.h -- one inference request, independent of the API surface it came from.
 *
 * A surface adapter parses its wire format into a sy_request; the router and
 * providers only ever see this. Text generation takes either a raw prompt or
 * chat messages (exactly one). Not thread-safe; owned by one HTTP exchange. */
#ifndef SY_REQUEST_H
#define SY_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model_status.h"
#include "core/settings.h"
#include "core/task.h"
#include "util/err.h"
#include "util/limits.h"

struct sy_message {
    char *role;    /* "system" | "user" | "assistant"; owned */
    char *content; /* text; owned */
};

/* What speech requests carry besides text (the text to speak is `prompt`). */
struct sy_speech {
    char voice[64];          /* "" = the model's default voice */
    double speed;            /* 1 = normal pace; 0 = not given */
    char language[32];       /* "" = the model's (or detect) */
    bool translate;          /* recognise into English text (OpenAI's translations) */
    char **phrases;          /* owned; recognition is limited to these, in any order */
    size_t n_phrases;
    int16_t *samples;        /* owned: mono audio to recognise */
    size_t n_samples;
    unsigned sample_rate;
};

/* What embedding requests carry. */
struct sy_embed {
    char **inputs;           /* owned: the texts, each a vector of the answer */
    size_t n_inputs;
    bool truncate;           /* cut inputs longer than the model takes, instead of refusing */
    unsigned dimensions;     /* 0: the model's own; fewer: cut to these and renormalised */
};

/* What video and music requests carry besides the prompt (seed 000's
 * VideoRequest and MusicRequest). */
struct sy_media {
    double duration_s;       /* 0: the model's choice */
    char quality[16];        /* "" = the model's default */
    const char *duration_param; /* the length's field as the client named it ("seconds",
                                 * static), or NULL: options_at + "duration" */
};

/* A picture a request starts from (image-to-image). */
struct sy_picture {
    unsigned char *data;     /* owned: the encoded file */
    size_t size;
    const char *type;        /* "image/png", "image/jpeg" or "image/webp" (static) */
};

/* What image requests carry besides the prompt and the image settings
 * (width, height, seed, ...). */
struct sy_images {
    unsigned n;              /* pictures to make: 1..SY_IMAGES_MAX */
    struct sy_picture refs[SY_REFERENCE_IMAGES_MAX]; /* reference images, in order */
    size_t n_refs;
    const char *refs_param;  /* the field they came in, as the client named it (static);
                              * NULL: "files" where the options are */
};

struct sy_request {
    char model[SY_MODEL_ID_MAX + 1]; /* as the client wrote it */
    enum sy_task task;
    char *prompt;                    /* owned, or NULL when messages are used */
    struct sy_message *messages;     /* owned array of n_messages */
    size_t n_messages;
    bool has_images;                 /* a message carried image parts */
    struct sy_settings settings;
    json_t *provider_overrides;      /* owned reference, or NULL */
    bool stream;
    struct sy_residency residency;   /* waits for a load unless a surface says not */
    struct sy_speech speech;
    struct sy_embed embed;
    struct sy_images images;
    struct sy_media media;
    /* Where the client put the speech and embedding options, so a refusal
     * names them as written: "inputs." (task API), "parameters." (Hugging
     * Face), "" (top level: OpenAI, Ollama). */
    char options_at[16];
};

/* Initialises caller storage: text-generation, no input, default settings,
 * waiting for the model to load, the model's own keep-alive. */
void request_init(struct sy_request *req);

/* Frees everything req owns; req is then as after request_init. NULL is a no-op. */
void request_cleanup(struct sy_request *req);

/* Sets the model id from a JSON value found at `param`.
 * Returns: SY_OK; SY_EINVAL if it is not a non-empty string of at most
 *          SY_MODEL_ID_MAX bytes. */
sy_code request_set_model(struct sy_request *req, const json_t *v, const char *param,
                          struct sy_err *err);

/* Sets the raw prompt from a JSON value found at `param` (a string).
 * Returns: SY_OK; SY_EINVAL if v is not a string. */
sy_code request_set_prompt(struct sy_request *req, const json_t *v, const char *param,
                           struct sy_err *err);

/* Reads chat messages in the OpenAI shape: an array of {role, content}, where
 * content is a string or an array of parts ({"type":"text","text":...};
 * image parts set has_images). Roles: system, developer (read as system), user,
 * assistant. `param` is the array's name in the request ("messages").
 * Returns: SY_OK; SY_EINVAL naming the element at fault ("messages[2].role"). */
sy_code request_read_messages(struct sy_request *req, const json_t *v, const char *param,
                              struct sy_err *err);

/* Reads Ollama's keep_alive from v at `param`: a number of seconds or a
 * duration string ("5m", "1h30m", "90s", "500ms"); negative keeps the model
 * loaded, 0 unloads it after the request. null counts as absent.
 * Returns: SY_OK; SY_EINVAL naming param and the accepted forms. */
sy_code request_set_keep_alive(struct sy_request *req, const json_t *v, const char *param,
                               struct sy_err *err);

/* Takes a new reference to overrides (an object) unless it is NULL or null.
 * Returns: SY_OK; SY_EINVAL if it is present and not an object. */
sy_code request_set_overrides(struct sy_request *req, const json_t *v, const char *param,
                              struct sy_err *err);

/* Speech options, read from a JSON value at `param` (null counts as absent).
 * voice: a string of letters, digits and "-_+." (an OpenAI voice name or the
 * engine's own). speed: a number in [0.25, 4] (OpenAI's range; the engine may
 * allow less, checked when it runs). language: an ISO 639 code or a BCP 47
 * tag ("en", "en-US"). phrases: an array of 1..SY_PHRASES_MAX non-empty
 * strings of at most SY_PHRASE_LEN_MAX bytes.
 * Returns: SY_OK; SY_EINVAL naming param and what is accepted. */
sy_code request_set_voice(struct sy_request *req, const json_t *v, const char *param,
                          struct sy_err *err);
sy_code request_set_speed(struct sy_request *req, const json_t *v, const char *param,
                          struct sy_err *err);
sy_code request_set_language(struct sy_request *req, const json_t *v, const char *param,
                             struct sy_err *err);
sy_code request_set_phrases(struct sy_request *req, const json_t *v, const char *param,
                            struct sy_err *err);

/* Reads the texts to embed from v at `param`: a string or an array of
 * 1..SY_EMBED_INPUTS_MAX strings, each non-empty and without NUL. Token-id
 * arrays (which OpenAI also takes) are refused: ids from another tokenizer
 * would mean other words here.
 * Returns: SY_OK; SY_EINVAL naming the element at fault ("input[3]"). */
sy_code request_set_inputs(struct sy_request *req, const json_t *v, const char *param,
                           struct sy_err *err);

/* The name the option `name` ("language", "dimensions") had in the client's
 * request ("inputs.language"), written into buf. Returns: buf. */
const char *request_option_param(const struct sy_request *req, const char *name, char *buf,
                                 size_t size);

/* Reads reference images (seed 004's `files`) from v at `param`: an array of
 * 1..SY_REFERENCE_IMAGES_MAX items, each {"type": "file", "mediaType",
 * "data"} or a bare string, the data being base64 or a data: URL of a PNG,
 * JPEG or WebP file of at most SY_REFERENCE_IMAGE_BYTES_MAX bytes (a
 * mediaType given must be the file's). null or absent: none.
 * Returns: SY_OK; SY_EINVAL naming the item at fault ("inputs.files[1]"). */
sy_code request_set_reference_images(struct sy_request *req, const json_t *v, const char *param,
                                     struct sy_err *err);

/* Adds one reference image from its bytes (copied), named `where` in
 * refusals; declared is the media type the client gave (NULL, or a type
 * that is not an image type, is not checked).
 * Returns: SY_OK; SY_EINVAL (too many, too large, not a PNG, JPEG or WebP
 * picture, or not the type declared); SY_ENOMEM. */
sy_code request_add_reference_image(struct sy_request *req, const void *data, size_t len,
                                    const char *declared, const char *where, struct sy_err *err);

/* Hands decoded audio (malloc'd samples) to req, which frees it. */
void request_take_audio(struct sy_request *req, int16_t *samples, size_t n, unsigned rate);

/* The inputs the task needs are there: text for text-to-speech, audio for
 * speech recognition, texts for feature extraction.
 * Returns: SY_OK; SY_EINVAL naming what is missing. */
sy_code request_check_inputs(const struct sy_request *req, struct sy_err *err);

#endif

