/* router.h -- model id → provider, and the capability gate before any work.
 *
 * Parses `[provider:]model[@variant]`, finds the provider by prefix (none:
 * local), asks it to describe the model, and checks the request against the
 * model's capabilities. Only then is the provider asked to run it.
 * Thread-safety: providers are added before serving starts; everything else
 * may be called from any thread. */
#ifndef SY_ROUTER_H
#define SY_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "providers/provider.h"

#define ROUTER_PROVIDERS_MAX 32

struct router;

struct router_job {
    const struct sy_provider *provider; /* borrowed from the router */
    uint64_t id;
};

/* Returns: SY_OK and *out (router_destroy()). */
sy_code router_create(struct router **out, struct sy_err *err);

/* Destroys every provider, then the router. NULL is a no-op. */
void router_destroy(struct router *r);

/* Adds a provider (copied; the router owns provider->self from now on, even
 * on failure). Returns: SY_OK; SY_EINVAL for a duplicate name or a bad ABI. */
sy_code router_add(struct router *r, const struct sy_provider *provider, struct sy_err *err);

/* Describes the model a client named. Returns: SY_OK and *out;
 * SY_ENOTFOUND for an unknown provider prefix (listing the providers) or model;
 * SY_EINVAL for a malformed id. */
sy_code router_describe(struct router *r, const char *model, struct sy_model_info *out,
                        struct sy_err *err);

/* A remote provider that could not list its models. */
struct router_problem {
    char provider[64];
    struct sy_err err;
};

/* Lists every provider's models. *out is owned by the caller (free()). A
 * remote provider that fails to list is reported in problems (room for
 * ROUTER_PROVIDERS_MAX; *n_problems of them) while the others are listed; with
 * problems NULL, or when the local provider fails, the whole call fails. */
sy_code router_list(struct router *r, struct sy_model_info **out, size_t *n,
                    struct router_problem *problems, size_t *n_problems, struct sy_err *err);

/* One provider as /api/providers shows it. */
struct router_provider_view {
    char name[64]; /* "" for the local provider */
    char kind[16];
    bool has_health; /* remote: health below is filled */
    struct sy_provider_health health;
};

/* Every provider, with the health of the remote ones (asking each upstream
 * now when check_now). *out is owned by the caller (free()). */
sy_code router_providers(struct router *r, bool check_now, struct router_provider_view **out,
                         size_t *n, struct sy_err *err);

/* Resolves req->model, checks capabilities and submits. Takes ownership of
 * sink even on failure (released without events). On success *job can cancel
 * it and *info (may be NULL) describes the model.
 * Returns: SY_OK; the errors of router_describe; SY_EUNSUPPORTED from the
 *          capability check or for an unusable model; the provider's errors. */
sy_code router_submit(struct router *r, const struct sy_request *req, struct sy_sink sink,
                      struct router_job *job, struct sy_model_info *info, struct sy_err *err);

/* Loads the model a client named (router_describe's errors; SY_EUNSUPPORTED
 * if its provider keeps nothing in memory or it is unusable). sink gets DONE
 * once it is loaded, or ERROR; it is released in every case. */
sy_code router_load(struct router *r, const char *model, const struct sy_residency *res,
                    struct sy_sink sink, struct sy_err *err);

/* Unloads the model a client named once its requests finish; as router_load. */
sy_code router_unload(struct router *r, const char *model, struct sy_sink sink,
                      struct sy_err *err);

/* Deletes the model a client named from disk (unloading it first); as
 * router_load. SY_EUNSUPPORTED for providers that store nothing here. */
sy_code router_remove(struct router *r, const char *model, struct sy_sink sink,
                      struct sy_err *err);

/* The residency of every model of every provider that keeps models in memory,
 * ids as clients name them, and the sum of their totals. *out is owned by the
 * caller (free()). */
sy_code router_status(struct router *r, struct sy_model_status **out, size_t *n,
                      struct sy_residency_totals *totals, struct sy_err *err);

/* The JSON Schema of the provider options provider `name` ("local" for the
 * local engines) understands. Returns: SY_OK and *out (new); SY_ENOTFOUND for
 * an unknown provider or one without a schema. */
sy_code router_provider_schema(struct router *r, const char *name, json_t **out,
                               struct sy_err *err);

/* Asks a submitted job to stop. */
void router_cancel(struct router *r, const struct router_job *job);

#endif
