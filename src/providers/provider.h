/* provider.h -- the interface every model provider implements.
 *
 * A provider owns a family of models: the local engines, or one configured
 * upstream (issue-level work adds openai-compatible, ollama and hf). It lists
 * and describes its models and runs requests, emitting events into a sink; it
 * never knows which API surface asked. Slots are marked required or may-be-NULL;
 * `abi` must equal SY_PROVIDER_ABI so an out-of-date module fails loudly.
 * Thread-safety: every slot may be called from any thread at any time. */
#ifndef SY_PROVIDER_H
#define SY_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/event.h"
#include "core/model_info.h"
#include "core/model_status.h"
#include "core/request.h"
#include "util/err.h"

#define SY_PROVIDER_ABI 2

/* How a remote upstream is doing, from its last check. */
struct sy_provider_health {
    char base_url[512];          /* where it is (no credentials) */
    bool checked;                /* false until the first check */
    bool healthy;                /* the last check listed its models */
    double latency_ms;           /* of the last check */
    int64_t checked_at_ms;       /* Unix time of the last check */
    size_t n_models;             /* models the last good check listed */
    char last_error[SY_ERR_MSG_MAX]; /* the last failure, "" if none yet */
};

struct sy_provider_ops {
    unsigned abi;     /* SY_PROVIDER_ABI */
    const char *kind; /* "local", "openai", ... (for logs and listings) */

    /* required: describes `model` (id without the provider prefix; variant is
     * what followed '@', or ""). Returns SY_OK, or SY_ENOTFOUND listing what
     * the provider has. */
    sy_code (*describe)(void *self, const char *model, const char *variant,
                        struct sy_model_info *out, struct sy_err *err);

    /* required: every model the provider has. *out is owned by the caller (free()). */
    sy_code (*list)(void *self, struct sy_model_info **out, size_t *n, struct sy_err *err);

    /* required: runs req on the described model. Takes ownership of sink even
     * on failure (then sink.release is called and no event emitted). *job
     * identifies the work for cancel. */
    sy_code (*submit)(void *self, const struct sy_request *req, const struct sy_model_info *model,
                      struct sy_sink sink, uint64_t *job, struct sy_err *err);

    /* may be NULL: asks job to stop; its sink still gets a final event. */
    void (*cancel)(void *self, uint64_t job);

    /* may be NULL (nothing to load, e.g. a remote upstream): brings the
     * described model into memory. sink gets DONE when it is loaded or ERROR;
     * ownership as for submit. */
    sy_code (*load)(void *self, const struct sy_model_info *model, const struct sy_residency *r,
                    struct sy_sink sink, struct sy_err *err);

    /* may be NULL: takes the described model out of memory once its requests
     * finish; sink gets DONE when it is out. Ownership as for submit. */
    sy_code (*unload)(void *self, const struct sy_model_info *model, struct sy_sink sink,
                      struct sy_err *err);

    /* may be NULL (nothing is stored here): deletes the described model's files
     * once it is unloaded; sink gets DONE when they are gone or ERROR.
     * Ownership as for submit. */
    sy_code (*remove)(void *self, const struct sy_model_info *model, struct sy_sink sink,
                      struct sy_err *err);

    /* may be NULL: the residency of every model the provider has seen, and its
     * totals. *out is owned by the caller (free()). */
    sy_code (*status)(void *self, struct sy_model_status **out, size_t *n,
                      struct sy_residency_totals *totals, struct sy_err *err);

    /* may be NULL (nothing remote to check): its health; check_now asks the
     * upstream first, otherwise the last background check is reported. */
    sy_code (*health)(void *self, bool check_now, struct sy_provider_health *out,
                      struct sy_err *err);

    /* may be NULL (anything goes to the upstream): checks a request's
     * provider_overrides against what the provider understands. Returns
     * SY_OK, or SY_EUNSUPPORTED naming the field ("provider_overrides.x"). */
    sy_code (*check_options)(void *self, const json_t *overrides, struct sy_err *err);

    /* may be NULL (no schema): a new JSON Schema of the provider options it
     * understands (GET /api/providers/{name}/schema). */
    json_t *(*options_schema)(void *self);

    /* may be NULL: frees self. */
    void (*destroy)(void *self);
};

struct sy_provider {
    char name[64]; /* the model-id prefix; "" for the local provider */
    const struct sy_provider_ops *ops;
    void *self;
};

#endif
