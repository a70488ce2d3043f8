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

#include "core/model_status.h"
#include "core/settings.h"
#include "core/task.h"
#include "util/err.h"
#include "util/limits.h"

struct sy_message {
    char *role;    /* "system" | "user" | "assistant"; owned */
    char *content; /* text; owned */
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

#endif

