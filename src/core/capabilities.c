/* capabilities.c -- the capability gate and its JSON form. */
#include "core/capabilities.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Whether name is an item of the comma-separated list. A voice may carry an
 * espeak-ng variant ("en-us+f3"): the part before '+' must be listed. */
static bool listed(const char *list, const char *name, size_t name_len)
{
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == name_len && strncasecmp(p, name, len) == 0)
            return true;
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

static sy_code check_speech(const struct sy_capabilities *caps, const char *model_id,
                            const struct sy_request *req, struct sy_err *err)
{
    const struct sy_speech *sp = &req->speech;
    char param[SY_ERR_PARAM_MAX];
    if (sp->voice[0]) {
        size_t base = strcspn(sp->voice, "+");
        request_option_param(req, "voice", param, sizeof param);
        if (!caps->voices[0])
            return sy_errp(err, SY_EUNSUPPORTED, param, "model '%s' has no voices to choose",
                           model_id);
        if (!listed(caps->voices, sp->voice, base))
            return sy_errp(err, SY_EUNSUPPORTED, param,
                           "model '%s' has no voice '%.*s'; its voices: %s", model_id, (int)base,
                           sp->voice, caps->voices);
    }
    if (sp->speed > 0 && !(sp->speed >= caps->speed_min && sp->speed <= caps->speed_max)) {
        request_option_param(req, "speed", param, sizeof param);
        if (caps->speed_max <= 0)
            return sy_errp(err, SY_EUNSUPPORTED, param, "model '%s' speaks at one pace only",
                           model_id);
        return sy_errp(err, SY_EUNSUPPORTED, param,
                       "model '%s' speaks at %.2f to %.2f times normal pace; speed %.2f is "
                       "outside that",
                       model_id, caps->speed_min, caps->speed_max, sp->speed);
    }
    if (sp->language[0] && caps->languages[0] &&
        !listed(caps->languages, sp->language, strcspn(sp->language, "-_")))
        return sy_errp(err, SY_EUNSUPPORTED,
                       request_option_param(req, "language", param, sizeof param),
                       "model '%s' does not recognise language '%s'; it knows: %s", model_id,
                       sp->language, caps->languages);
    if (req->task == SY_TASK_AUTOMATIC_SPEECH_RECOGNITION && req->prompt && !caps->speech_prompt)
        return sy_errp(err, SY_EUNSUPPORTED,
                       request_option_param(req, "prompt", param, sizeof param),
                       "model '%s' takes no prompt for recognition; remove 'prompt' (or use "
                       "'phrases' to say what to expect)",
                       model_id);
    if (sp->n_phrases && !caps->phrases)
        return sy_errp(err, SY_EUNSUPPORTED,
                       request_option_param(req, "phrases", param, sizeof param),
                       "model '%s' cannot limit recognition to phrases; remove 'phrases'",
                       model_id);
    return SY_OK;
}

/* Pictures a drawing starts from: as many as the model takes, and one when
 * it draws only from a picture. Refusals name the field as the client wrote it. */
static sy_code check_reference_images(const struct sy_capabilities *caps, const char *model_id,
                                      const struct sy_request *req, struct sy_err *err)
{
    bool missing = req->task == SY_TASK_TEXT_TO_IMAGE && caps->needs_reference_image &&
                   !req->images.n_refs;
    if (!missing && req->images.n_refs <= caps->reference_images)
        return SY_OK;
    char param[SY_ERR_PARAM_MAX];
    if (req->images.refs_param)
        snprintf(param, sizeof param, "%s", req->images.refs_param);
    else
        request_option_param(req, "files", param, sizeof param);
    if (missing)
        return sy_errp(err, SY_EUNSUPPORTED, param, "model '%s' draws from a picture: send one "
                       "in '%s'", model_id, param);
    if (!caps->reference_images)
        return sy_errp(err, SY_EUNSUPPORTED, param, "model '%s' draws from text only; remove "
                       "'%s' (or choose a model that takes reference images)",
                       model_id, param);
    return sy_errp(err, SY_EUNSUPPORTED, param, "model '%s' takes at most %u reference image%s; "
                   "%zu were sent", model_id, caps->reference_images,
                   caps->reference_images == 1 ? "" : "s", req->images.n_refs);
}

/* How long a video or song may be, and its quality, which no model here takes. */
static sy_code check_media(const struct sy_capabilities *caps, const char *model_id,
                           const struct sy_request *req, struct sy_err *err)
{
    char param[SY_ERR_PARAM_MAX];
    if (req->media.quality[0])
        return sy_errp(err, SY_EUNSUPPORTED,
                       request_option_param(req, "quality", param, sizeof param),
                       "model '%s' takes no quality setting; remove '%s' (a provider's own "
                       "quality field goes in provider_overrides)", model_id, param);
    double s = req->media.duration_s;
    if (s <= 0)
        return SY_OK;
    if (req->media.duration_param)
        snprintf(param, sizeof param, "%s", req->media.duration_param);
    else
        request_option_param(req, "duration", param, sizeof param);
    if (!caps->takes_duration)
        return sy_errp(err, SY_EUNSUPPORTED, param,
                       "model '%s' decides its own length; remove '%s'", model_id, param);
    for (const char *p = caps->durations; *p;) {
        char *end;
        double allowed = strtod(p, &end);
        if (end == p)
            break;
        if (allowed == s)
            return SY_OK;
        p = end + (*end == ',');
    }
    if (!caps->durations[0])
        return SY_OK;
    return sy_errp(err, SY_EUNSUPPORTED, param,
                   "model '%s' makes %s of %s seconds only; %g is not one of them", model_id,
                   req->task == SY_TASK_TEXT_TO_VIDEO ? "videos" : "pieces", caps->durations, s);
}

sy_code capabilities_check(const struct sy_capabilities *caps, const char *model_id,
                           const struct sy_request *req, struct sy_err *err)
{
    char tasks[256];
    task_list(caps->tasks, tasks, sizeof tasks);
    if (!(caps->tasks & SY_TASK_BIT(req->task)))
        return sy_errp(err, SY_EUNSUPPORTED, "task",
                       "model '%s' does not support task '%s'; it supports: %s", model_id,
                       task_name(req->task), tasks[0] ? tasks : "no task this server can run");
    if (req->messages && !caps->chat)
        return sy_errp(err, SY_EUNSUPPORTED, "messages",
                       "model '%s' has no chat template, so it cannot take chat messages; "
                       "send a plain prompt instead (POST /v1/completions)",
                       model_id);
    if (req->has_images && !caps->vision)
        return sy_errp(err, SY_EUNSUPPORTED, "messages",
                       "model '%s' does not take images; send text only or choose a vision model",
                       model_id);
    sy_code rc = check_speech(caps, model_id, req, err);
    if (rc != SY_OK)
        return rc;
    if ((rc = check_reference_images(caps, model_id, req, err)) != SY_OK)
        return rc;
    if ((req->task == SY_TASK_TEXT_TO_VIDEO || req->task == SY_TASK_TEXT_TO_AUDIO) &&
        (rc = check_media(caps, model_id, req, err)) != SY_OK)
        return rc;
    char param[SY_ERR_PARAM_MAX];
    if (req->task == SY_TASK_FEATURE_EXTRACTION && req->embed.dimensions &&
        caps->embedding_length && req->embed.dimensions > caps->embedding_length)
        return sy_errp(err, SY_EUNSUPPORTED,
                       request_option_param(req, "dimensions", param, sizeof param),
                       "model '%s' makes embeddings of %" PRIu64 " dimensions; ask for at most "
                       "that many (fewer are cut and renormalised)",
                       model_id, caps->embedding_length);
    uint32_t refused = req->settings.given & ~caps->settings;
    for (int s = 0; s < SY_SETTING_COUNT; s++) {
        if (!(refused & SY_SETTING_BIT(s)))
            continue;
        const char *setting = settings_param(&req->settings, (enum sy_setting)s);
        return sy_errp(err, SY_EUNSUPPORTED, setting,
                       "model '%s' does not support the setting '%s' for %s; remove it from the "
                       "request",
                       model_id, setting, task_name(req->task));
    }
    return SY_OK;
}

/* A comma-separated list as a JSON array. */
static json_t *list_json(const char *list)
{
    json_t *a = json_array();
    for (const char *p = list; a && *p;) {
        size_t len = strcspn(p, ",");
        json_array_append_new(a, json_stringn(p, len));
        p += len + (p[len] == ',');
    }
    return a;
}

/* "4,8,12" as [4, 8, 12]; [] when any length goes. */
static json_t *durations_json(const char *list)
{
    json_t *a = json_array();
    for (const char *p = list; a && *p;) {
        char *end;
        double s = strtod(p, &end);
        if (end == p)
            break;
        json_array_append_new(a, s == (double)(json_int_t)s ? json_integer((json_int_t)s)
                                                            : json_real(s));
        p = end + (*end == ',');
    }
    return a;
}

static json_t *speech_json(const struct sy_capabilities *caps)
{
    json_t *sp = json_pack("{s:o, s:o, s:b, s:b, s:b}", "voices", list_json(caps->voices),
                           "languages", list_json(caps->languages), "phrases", caps->phrases,
                           "prompt", caps->speech_prompt, "translate", caps->speech_translate);
    if (sp && caps->speed_max > 0)
        json_object_set_new(sp, "speed", json_pack("{s:f, s:f}", "min", caps->speed_min, "max",
                                                   caps->speed_max));
    return sp;
}

json_t *capabilities_to_json(const struct sy_capabilities *caps)
{
    json_t *tasks = json_array();
    json_t *settings = json_array();
    for (int t = 0; t < SY_TASK_COUNT; t++)
        if (caps->tasks & SY_TASK_BIT(t))
            json_array_append_new(tasks, json_string(task_name((enum sy_task)t)));
    for (int s = 0; s < SY_SETTING_COUNT; s++)
        if (caps->settings & SY_SETTING_BIT(s))
            json_array_append_new(settings, json_string(settings_name((enum sy_setting)s)));
    json_t *out = json_pack("{s:o, s:o, s:b, s:b, s:b, s:I}", "tasks", tasks, "settings",
                            settings, "chat", caps->chat, "vision", caps->vision, "gated",
                            caps->gated, "context_length", (json_int_t)caps->context_length);
    if (out && (caps->tasks & SY_TASK_BIT(SY_TASK_TEXT_TO_IMAGE)))
        json_object_set_new(out, "reference_images", json_integer(caps->reference_images));
    if (out && caps->needs_reference_image)
        json_object_set_new(out, "needs_reference_image", json_true());
    if (out && caps->takes_duration)
        json_object_set_new(out, "durations", durations_json(caps->durations));
    if (out && caps->embedding_length && (caps->tasks & SY_TASK_BIT(SY_TASK_FEATURE_EXTRACTION)))
        json_object_set_new(out, "embedding_length",
                            json_integer((json_int_t)caps->embedding_length));
    if (out && (caps->voices[0] || caps->languages[0] || caps->speed_max > 0 || caps->phrases ||
                caps->speech_prompt))
        json_object_set_new(out, "speech", speech_json(caps));
    return out;
}
