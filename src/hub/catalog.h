/* catalog.h -- what the Hub has and what each model can do here.
 *
 * Search and model info go through the Hub store (hub_store.h): an answer
 * younger than the TTL is served from it; an older one is revalidated with
 * its ETag (a 304 keeps it); a Hub failure is an error, never a stale or
 * partial answer. Search follows the Hub's Link rel="next" pages until it has
 * the number of models asked for.
 * Thread-safety: all functions may be called from any thread. */
#ifndef SY_CATALOG_H
#define SY_CATALOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "hub/hub_client.h"
#include "hub/hub_store.h"

#define SY_CATALOG_LIMIT_MAX 100

struct catalog;

/* hub and store are borrowed for the catalog's life. ttl_ms: how long an
 * answer is served without asking the Hub. */
struct catalog *catalog_create(struct hub_client *hub, struct hub_store *store, int64_t ttl_ms);
void catalog_destroy(struct catalog *cat); /* NULL is a no-op */

#define SY_CATALOG_EXPAND_MAX 16

struct catalog_query {
    const char *search, *author, *pipeline_tag, *filter; /* NULL or "" when not given */
    const char *sort;  /* "downloads" (default), "likes", "trendingScore", "createdAt", "lastModified" */
    int limit;         /* 1..SY_CATALOG_LIMIT_MAX */
    /* expand[]: the only fields the Hub then answers with (and the id);
     * catalog_expand_ok() says which the Hub knows */
    const char *expand[SY_CATALOG_EXPAND_MAX];
    size_t n_expand;
};

/* Returns: whether field is one the Hub's expand[] takes. */
bool catalog_expand_ok(const char *field);

/* Returns: SY_OK and *out, a JSON array of models as the Hub lists them (a new
 * reference), *cached true if no request reached the Hub; the Hub client's
 * errors. */
sy_code catalog_search(struct catalog *cat, const struct catalog_query *q, json_t **out,
                       bool *cached, struct sy_err *err);

/* A model's info (siblings with sizes, gated, pipeline_tag, gguf, ...), with
 * its inferenceProviderMapping and inference status (asked for separately:
 * the Hub sends them only when expanded) and, for a model without GGUF metadata, its config.json as
 * "config_json" (or why that could not be read as "config_json_error").
 * Returns: as catalog_search, *out an object. */
sy_code catalog_model(struct catalog *cat, const char *repo, json_t **out, bool *cached,
                      struct sy_err *err);

/* The Hub's inferenceProviderMapping -- a list of entries naming their
 * provider, or (older answers) an object keyed by provider -- as one list of
 * {provider, provider_id, task, status}. Entries without a provider or task
 * are left out. Returns: a new array; NULL if out of memory. */
json_t *catalog_inference_providers(const json_t *mapping);

/* What the catalog last heard of repo (any age: the Hub is not asked), as
 * catalog_model gives it. Returns: a new object; NULL if nothing is kept. */
json_t *catalog_model_stored(struct catalog *cat, const char *repo);

/* What a model can do here, from catalog_model's info: its tasks (pipeline_tag,
 * when it is one of ours), whether it runs locally and from which GGUF files,
 * the default file, context length (GGUF metadata, else config.json) and where
 * it came from, the settings the engine honours, gated and whether a token is
 * needed, the Inference Providers that serve it (provider, provider_id, task,
 * status) and the Hub's inference status, and notes explaining anything
 * unsupported.
 * Returns: a new JSON object; NULL if out of memory. */
json_t *catalog_capabilities(const json_t *info, bool has_token);

/* A request named repo, which is not in the Hub cache (rc, err: the lookup's
 * SY_ENOTFOUND). If the catalog knows repo (the Hub is not asked on a
 * request's path), says more: a model that cannot run here even when pulled
 * -> SY_EUNSUPPORTED with the reasons; a gated one -> how to get access
 * first; otherwise (no variant named) the task the Hub lists and the file a
 * pull would take. cat may be NULL. Returns: the code to answer with (err
 * rewritten). */
sy_code catalog_explain_missing(struct catalog *cat, const char *repo, const char *variant,
                                bool has_token, sy_code rc, struct sy_err *err);

#endif
