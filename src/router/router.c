/* router.c -- provider lookup by model-id prefix and the capability gate. */
#include "router/router.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model_id.h"

struct router {
    struct sy_provider providers[ROUTER_PROVIDERS_MAX];
    size_t n;
};

sy_code router_create(struct router **out, struct sy_err *err)
{
    struct router *r = calloc(1, sizeof *r);
    if (!r)
        return sy_errf(err, SY_ENOMEM, "out of memory creating the router");
    *out = r;
    return SY_OK;
}

void router_destroy(struct router *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        if (r->providers[i].ops->destroy)
            r->providers[i].ops->destroy(r->providers[i].self);
    free(r);
}

static struct sy_provider *find(struct router *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->providers[i].name, name) == 0)
            return &r->providers[i];
    return NULL;
}

sy_code router_add(struct router *r, const struct sy_provider *provider, struct sy_err *err)
{
    sy_code rc = SY_OK;
    if (provider->ops->abi != SY_PROVIDER_ABI)
        rc = sy_errf(err, SY_EINVAL, "provider '%s' was built for ABI %u, not %d", provider->name,
                     provider->ops->abi, SY_PROVIDER_ABI);
    else if (find(r, provider->name))
        rc = sy_errf(err, SY_EINVAL, "provider '%s' is configured twice", provider->name);
    else if (r->n == ROUTER_PROVIDERS_MAX)
        rc = sy_errf(err, SY_EINVAL, "more than %d providers", ROUTER_PROVIDERS_MAX);
    if (rc != SY_OK) {
        if (provider->ops->destroy)
            provider->ops->destroy(provider->self);
        return rc;
    }
    r->providers[r->n++] = *provider;
    return SY_OK;
}

static void provider_names(const struct router *r, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < r->n; i++) {
        const char *name = r->providers[i].name;
        int w = snprintf(out + used, size - used, "%s%s", i ? ", " : "",
                         name[0] ? name : "local (no prefix)");
        if (w < 0 || (size_t)w >= size - used)
            return;
        used += (size_t)w;
    }
}

/* Rewrites id (in place, size bytes) as "<provider>:<id>", as clients name
 * remote models. Returns false if that would not fit. */
static bool prefix_id(const char *provider, char *id, size_t size)
{
    size_t p = strlen(provider), n = strlen(id);
    if (p + 1 + n + 1 > size)
        return false;
    memmove(id + p + 1, id, n + 1);
    memcpy(id, provider, p);
    id[p] = ':';
    return true;
}

/* Finds the provider for model and describes it. */
static sy_code resolve(struct router *r, const char *model, struct sy_provider **provider,
                       struct sy_model_info *info, struct sy_err *err)
{
    struct model_id id;
    sy_code rc = model_id_parse(model, &id, err);
    if (rc != SY_OK)
        return rc;
    struct sy_provider *p = find(r, id.provider);
    if (!p) {
        char names[256];
        provider_names(r, names, sizeof names);
        return sy_errp(err, SY_ENOTFOUND, "model",
                       "model '%s' names the provider '%s', which is not configured; providers: %s",
                       model, id.provider, names);
    }
    rc = p->ops->describe(p->self, id.name, id.variant, info, err);
    if (rc != SY_OK)
        return rc;
    if (p->name[0] && !prefix_id(p->name, info->id, sizeof info->id))
        return sy_errp(err, SY_EINVAL, "model", "model id '%s:%s' is too long", p->name, info->id);
    *provider = p;
    return SY_OK;
}

sy_code router_describe(struct router *r, const char *model, struct sy_model_info *out,
                        struct sy_err *err)
{
    struct sy_provider *p;
    return resolve(r, model, &p, out, err);
}

sy_code router_list(struct router *r, struct sy_model_info **out, size_t *n,
                    struct router_problem *problems, size_t *n_problems, struct sy_err *err)
{
    struct sy_model_info *all = NULL;
    size_t total = 0;
    if (n_problems)
        *n_problems = 0;
    for (size_t i = 0; i < r->n; i++) {
        struct sy_provider *p = &r->providers[i];
        struct sy_model_info *some = NULL;
        size_t count = 0;
        struct sy_err perr;
        sy_code rc = p->ops->list(p->self, &some, &count, &perr);
        if (rc != SY_OK && problems && p->name[0] && rc != SY_ENOMEM) {
            struct router_problem *pr = &problems[(*n_problems)++];
            snprintf(pr->provider, sizeof pr->provider, "%s", p->name);
            pr->err = perr;
            continue;
        }
        if (rc != SY_OK) {
            if (err)
                *err = perr;
            free(all);
            return rc;
        }
        struct sy_model_info *grown = count ? realloc(all, (total + count) * sizeof *all) : all;
        if (count && !grown) {
            free(some);
            free(all);
            return sy_errf(err, SY_ENOMEM, "out of memory listing models");
        }
        all = grown;
        size_t kept = 0;
        for (size_t k = 0; k < count; k++) {
            all[total + kept] = some[k];
            if (p->name[0] && !prefix_id(p->name, all[total + kept].id, sizeof all->id))
                continue; /* an id too long to name cannot be used either */
            kept++;
        }
        total += kept;
        free(some);
    }
    *out = all;
    *n = total;
    return SY_OK;
}

sy_code router_submit(struct router *r, const struct sy_request *req, struct sy_sink sink,
                      struct router_job *job, struct sy_model_info *info, struct sy_err *err)
{
    struct sy_provider *p;
    struct sy_model_info local_info;
    struct sy_model_info *mi = info ? info : &local_info;
    sy_code rc = resolve(r, req->model, &p, mi, err);
    if (rc == SY_OK && mi->problem[0])
        rc = sy_errp(err, SY_EUNSUPPORTED, "model", "model '%s' cannot run: %s", req->model,
                     mi->problem);
    if (rc == SY_OK)
        rc = capabilities_check(&mi->caps, req->model, req, err);
    if (rc == SY_OK)
        rc = request_check_inputs(req, err);
    if (rc == SY_OK && req->provider_overrides && p->ops->check_options)
        rc = p->ops->check_options(p->self, req->provider_overrides, err);
    if (rc != SY_OK) {
        sink.release(sink.ctx);
        return rc;
    }
    job->provider = p;
    return p->ops->submit(p->self, req, mi, sink, &job->id, err);
}

void router_cancel(struct router *r, const struct router_job *job)
{
    (void)r;
    if (job->provider && job->provider->ops->cancel)
        job->provider->ops->cancel(job->provider->self, job->id);
}

/* Resolves model for load/unload: the provider must have the operation. */
static sy_code resolve_resident(struct router *r, const char *model, bool unload,
                                struct sy_provider **p, struct sy_model_info *info,
                                struct sy_err *err)
{
    sy_code rc = resolve(r, model, p, info, err);
    if (rc != SY_OK)
        return rc;
    if (info->problem[0])
        return sy_errp(err, SY_EUNSUPPORTED, "model", "model '%s' cannot run: %s", model,
                       info->problem);
    if (unload ? !(*p)->ops->unload : !(*p)->ops->load)
        return sy_errp(err, SY_EUNSUPPORTED, "model",
                       "model '%s' is served by the %s provider '%s', which keeps nothing in "
                       "memory here: there is nothing to %s",
                       model, (*p)->ops->kind, (*p)->name, unload ? "unload" : "load");
    return SY_OK;
}

sy_code router_load(struct router *r, const char *model, const struct sy_residency *res,
                    struct sy_sink sink, struct sy_err *err)
{
    struct sy_provider *p;
    struct sy_model_info info;
    sy_code rc = resolve_resident(r, model, false, &p, &info, err);
    if (rc != SY_OK) {
        sink.release(sink.ctx);
        return rc;
    }
    return p->ops->load(p->self, &info, res, sink, err);
}

sy_code router_unload(struct router *r, const char *model, struct sy_sink sink,
                      struct sy_err *err)
{
    struct sy_provider *p;
    struct sy_model_info info;
    sy_code rc = resolve_resident(r, model, true, &p, &info, err);
    if (rc != SY_OK) {
        sink.release(sink.ctx);
        return rc;
    }
    return p->ops->unload(p->self, &info, sink, err);
}

sy_code router_remove(struct router *r, const char *model, struct sy_sink sink,
                      struct sy_err *err)
{
    struct sy_provider *p;
    struct sy_model_info info;
    sy_code rc = resolve(r, model, &p, &info, err);
    if (rc == SY_OK && !p->ops->remove)
        rc = sy_errp(err, SY_EUNSUPPORTED, "model",
                     "model '%s' is served by the %s provider '%s', which stores nothing here: "
                     "there is nothing to delete",
                     model, p->ops->kind, p->name);
    if (rc != SY_OK) {
        sink.release(sink.ctx);
        return rc;
    }
    return p->ops->remove(p->self, &info, sink, err);
}

static void totals_add(struct sy_residency_totals *sum, const struct sy_residency_totals *t)
{
    sum->memory_budget += t->memory_budget;
    sum->memory_used += t->memory_used;
    sum->loads += t->loads;
    sum->load_failures += t->load_failures;
    sum->evictions += t->evictions;
    sum->expirations += t->expirations;
    sum->restarts += t->restarts;
    sum->crashes += t->crashes;
    if (t->threads > sum->threads)
        sum->threads = t->threads;
}

sy_code router_status(struct router *r, struct sy_model_status **out, size_t *n,
                      struct sy_residency_totals *totals, struct sy_err *err)
{
    struct sy_model_status *all = NULL;
    size_t total = 0;
    memset(totals, 0, sizeof *totals);
    for (size_t i = 0; i < r->n; i++) {
        struct sy_provider *p = &r->providers[i];
        if (!p->ops->status)
            continue;
        struct sy_model_status *some = NULL;
        size_t count = 0;
        struct sy_residency_totals t;
        sy_code rc = p->ops->status(p->self, &some, &count, &t, err);
        if (rc != SY_OK) {
            free(all);
            return rc;
        }
        totals_add(totals, &t);
        struct sy_model_status *grown = count ? realloc(all, (total + count) * sizeof *all) : all;
        if (count && !grown) {
            free(some);
            free(all);
            return sy_errf(err, SY_ENOMEM, "out of memory reading model status");
        }
        all = grown;
        size_t kept = 0;
        for (size_t k = 0; k < count; k++) {
            all[total + kept] = some[k];
            if (p->name[0] && !prefix_id(p->name, all[total + kept].id, sizeof all->id))
                continue;
            kept++;
        }
        total += kept;
        free(some);
    }
    *out = all;
    *n = total;
    return SY_OK;
}

sy_code router_providers(struct router *r, bool check_now, struct router_provider_view **out,
                         size_t *n, struct sy_err *err)
{
    struct router_provider_view *v = calloc(r->n ? r->n : 1, sizeof *v);
    if (!v)
        return sy_errf(err, SY_ENOMEM, "out of memory listing providers");
    for (size_t i = 0; i < r->n; i++) {
        const struct sy_provider *p = &r->providers[i];
        snprintf(v[i].name, sizeof v[i].name, "%s", p->name);
        snprintf(v[i].kind, sizeof v[i].kind, "%s", p->ops->kind);
        v[i].has_health = p->ops->health &&
                          p->ops->health(p->self, check_now, &v[i].health, NULL) == SY_OK;
    }
    *out = v;
    *n = r->n;
    return SY_OK;
}

sy_code router_provider_schema(struct router *r, const char *name, json_t **out,
                               struct sy_err *err)
{
    struct sy_provider *p = find(r, strcmp(name, "local") == 0 ? "" : name);
    if (!p) {
        char names[256];
        provider_names(r, names, sizeof names);
        return sy_errp(err, SY_ENOTFOUND, "name", "no provider '%s'; providers: %s", name, names);
    }
    if (!p->ops->options_schema || !(*out = p->ops->options_schema(p->self)))
        return sy_errp(err, SY_ENOTFOUND, "name",
                       "provider '%s' publishes no schema: it passes provider options on as "
                       "they are", name);
    return SY_OK;
}
