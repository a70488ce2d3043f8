/* local.c -- the local provider: registry lookups, supervisor jobs. */
#include "providers/local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct local {
    struct registry *reg;
    struct supervisor *sup;
};

static void set_status(struct local *lp, const char *path, struct sy_model_info *info)
{
    if (info->problem[0])
        return; /* stays "unusable" */
    static const char *const names[] = {
        [ENGINE_STOPPED] = "unloaded", [ENGINE_LOADING] = "loading", [ENGINE_READY] = "loaded"};
    snprintf(info->status, sizeof info->status, "%s", names[supervisor_state(lp->sup, path)]);
}

static sy_code local_describe(void *self, const char *model, const char *variant,
                              struct sy_model_info *out, struct sy_err *err)
{
    struct local *lp = self;
    struct registry_entry e;
    sy_code rc = registry_lookup(lp->reg, model, &e, err);
    if (rc != SY_OK)
        return rc;
    /* For a local file, '@' may only restate the file's own quantisation. */
    if (variant[0] && strcasecmp(variant, e.info.quantization) != 0)
        return sy_errp(err, SY_ENOTFOUND, "model",
                       "model '%s' is a local %s file; there is no '%s' variant of it", model,
                       e.info.quantization[0] ? e.info.quantization : "GGUF", variant);
    set_status(lp, e.path, &e.info);
    *out = e.info;
    return SY_OK;
}

static sy_code local_list(void *self, struct sy_model_info **out, size_t *n, struct sy_err *err)
{
    struct local *lp = self;
    struct registry_entry *entries;
    size_t count;
    sy_code rc = registry_list(lp->reg, &entries, &count, err);
    if (rc != SY_OK)
        return rc;
    struct sy_model_info *infos = count ? calloc(count, sizeof *infos) : NULL;
    if (count && !infos) {
        free(entries);
        return sy_errf(err, SY_ENOMEM, "out of memory listing models");
    }
    for (size_t i = 0; i < count; i++) {
        set_status(lp, entries[i].path, &entries[i].info);
        infos[i] = entries[i].info;
    }
    free(entries);
    *out = infos;
    *n = count;
    return SY_OK;
}

/* The `generate` frame for req (docs/PROTOCOL.md). */
static json_t *generate_frame(const struct sy_request *req)
{
    const struct sy_settings *s = &req->settings;
    json_t *f = json_object();
    if (!f)
        return NULL;
    if (req->messages) {
        json_t *msgs = json_array();
        for (size_t i = 0; i < req->n_messages; i++)
            json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", req->messages[i].role,
                                                  "content", req->messages[i].content));
        json_object_set_new(f, "messages", msgs);
    } else {
        json_object_set_new(f, "prompt", json_string(req->prompt ? req->prompt : ""));
    }
    if (s->max_new_tokens > 0)
        json_object_set_new(f, "max_tokens", json_integer(s->max_new_tokens));
    json_object_set_new(f, "greedy", json_boolean(settings_greedy(s)));
    json_object_set_new(f, "temperature", json_real(s->temperature));
    json_object_set_new(f, "top_p", json_real(s->top_p));
    json_object_set_new(f, "top_k", json_integer(s->top_k));
    json_object_set_new(f, "repetition_penalty", json_real(s->repetition_penalty));
    json_object_set_new(f, "presence_penalty", json_real(s->presence_penalty));
    json_object_set_new(f, "frequency_penalty", json_real(s->frequency_penalty));
    if (s->given & SY_SETTING_BIT(SY_SETTING_SEED))
        json_object_set_new(f, "seed", json_integer(s->seed));
    json_t *stop = json_array();
    for (size_t i = 0; i < s->n_stop; i++)
        json_array_append_new(stop, json_string(s->stop[i]));
    json_object_set_new(f, "stop", stop);
    return f;
}

static sy_code local_submit(void *self, const struct sy_request *req,
                            const struct sy_model_info *model, struct sy_sink sink, uint64_t *job,
                            struct sy_err *err)
{
    struct local *lp = self;
    struct registry_entry e;
    sy_code rc = registry_lookup(lp->reg, model->id, &e, err);
    if (rc != SY_OK) {
        sink.release(sink.ctx);
        return rc;
    }
    json_t *frame = generate_frame(req);
    if (!frame) {
        sink.release(sink.ctx);
        return sy_errf(err, SY_ENOMEM, "out of memory building the request");
    }
    rc = supervisor_submit(lp->sup, model->id, e.path, frame, sink, job, err);
    json_decref(frame);
    return rc;
}

static void local_cancel(void *self, uint64_t job)
{
    struct local *lp = self;
    supervisor_cancel(lp->sup, job);
}

static void local_destroy(void *self)
{
    free(self);
}

static const struct sy_provider_ops local_ops = {
    .abi = SY_PROVIDER_ABI,
    .kind = "local",
    .describe = local_describe,
    .list = local_list,
    .submit = local_submit,
    .cancel = local_cancel,
    .destroy = local_destroy,
};

sy_code local_provider_init(struct registry *reg, struct supervisor *sup, struct sy_provider *out,
                            struct sy_err *err)
{
    struct local *lp = calloc(1, sizeof *lp);
    if (!lp)
        return sy_errf(err, SY_ENOMEM, "out of memory creating the local provider");
    lp->reg = reg;
    lp->sup = sup;
    memset(out, 0, sizeof *out);
    out->ops = &local_ops;
    out->self = lp;
    return SY_OK;
}
