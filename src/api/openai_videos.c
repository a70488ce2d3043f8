/* openai_videos.c -- OpenAI's videos API, served by Switchyard itself over
 * the models that make video (remote providers that declare text-to-video).
 *
 * POST /v1/videos (a multipart form, as OpenAI's SDKs send it, or JSON):
 * {"model", "prompt", "seconds"?, "size"?: "WxH", "provider_overrides"?}
 * starts a job and answers its video object; GET /v1/videos/{id} says how it
 * does (status queued, in_progress, completed or failed; progress);
 * GET /v1/videos/{id}/content is the file once completed; DELETE
 * /v1/videos/{id} cancels it if it runs and forgets it; GET /v1/videos lists
 * the kept jobs, newest first (?limit=1..100, default 20). Jobs live in
 * video_jobs.c. input_reference (a picture to start from) and remix are not
 * relayed, and say so. Another Switchyard's "openai" provider polls these
 * routes as it polls OpenAI's, so gateways chain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/json_body.h"
#include "api/openai.h"
#include "api/video_jobs.h"
#include "app/provider_config.h"
#include "http/form.h"

static const char *const keys[] = {"model", "prompt", "seconds", "size", "provider_overrides",
                                   "providerOptions", "user", NULL};

/* A form's fields into body, as the JSON body would carry them. */
static sy_code on_field(void *ctx, const struct http_form_field *f, struct sy_err *err)
{
    json_t *body = ctx;
    if (strcmp(f->name, "input_reference") == 0)
        return sy_errp(err, SY_EUNSUPPORTED, "input_reference", "videos from a picture are not "
                       "relayed yet; remove 'input_reference'");
    return json_body_put_form_field(body, f, NULL, NULL, err);
}

static bool is_form(struct http_exchange *ex)
{
    const char *type = http_header(ex, "Content-Type");
    return type && (strncmp(type, "multipart/form-data", 19) == 0 ||
                    strncmp(type, "application/x-www-form-urlencoded", 33) == 0);
}

/* "seconds": a whole number of seconds, as a string (OpenAI's) or a number. */
static sy_code read_seconds(const json_t *v, struct sy_request *req, char *out, size_t size,
                            struct sy_err *err)
{
    if (!json_body_present(v))
        return SY_OK;
    char *end = NULL;
    long long s = json_is_integer(v) ? json_integer_value(v)
                  : json_is_string(v) ? strtoll(json_string_value(v), &end, 10)
                                      : -1;
    if ((end && (end == json_string_value(v) || *end)) || s < 1 || s > SY_MEDIA_SECONDS_MAX)
        return sy_errp(err, SY_EINVAL, "seconds", "'seconds' must be whole seconds from 1 to %d "
                       "(e.g. \"8\")", SY_MEDIA_SECONDS_MAX);
    req->media.duration_s = (double)s;
    req->media.duration_param = "seconds";
    snprintf(out, size, "%lld", s);
    return SY_OK;
}

static sy_code read_size(const json_t *v, struct sy_settings *s, char *out, size_t size,
                         struct sy_err *err)
{
    if (!json_body_present(v))
        return SY_OK;
    unsigned w, h;
    if (!json_is_string(v) || provider_parse_size(json_string_value(v), &w, &h) != 0)
        return sy_errp(err, SY_EINVAL, "size", "'size' must be \"WxH\" (e.g. \"1280x720\") with "
                       "sides of 1 to 16384");
    s->width = w;
    s->height = h;
    s->given |= SY_SETTING_BIT(SY_SETTING_WIDTH) | SY_SETTING_BIT(SY_SETTING_HEIGHT);
    s->given_as[SY_SETTING_WIDTH] = s->given_as[SY_SETTING_HEIGHT] = "size";
    snprintf(out, size, "%ux%u", w, h);
    return SY_OK;
}

void openai_videos_create(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    struct sy_request req;
    request_init(&req);
    req.task = SY_TASK_TEXT_TO_VIDEO;
    struct sy_err err;
    json_t *body = NULL;
    sy_code rc;
    if (is_form(ex)) {
        body = json_object();
        rc = body ? http_form_parse(ex, on_field, body, &err)
                  : sy_errf(&err, SY_ENOMEM, "out of memory reading the form");
    } else {
        rc = json_body_parse(ex, &body, &err);
    }
    char seconds[16] = "", size[32] = "";
    if (rc == SY_OK)
        rc = json_body_known_keys(body, keys, "", &err);
    const json_t *prompt = json_object_get(body, "prompt");
    if (rc == SY_OK && json_is_string(prompt) && json_string_length(prompt) > SY_VIDEO_PROMPT_MAX)
        rc = sy_errp(&err, SY_ETOOLARGE, "prompt", "'prompt' is longer than %d bytes",
                     SY_VIDEO_PROMPT_MAX);
    if (rc == SY_OK)
        rc = request_set_model(&req, json_object_get(body, "model"), "model", &err);
    if (rc == SY_OK && json_body_present(prompt))
        rc = request_set_prompt(&req, prompt, "prompt", &err);
    if (rc == SY_OK)
        rc = read_seconds(json_object_get(body, "seconds"), &req, seconds, sizeof seconds, &err);
    if (rc == SY_OK)
        rc = read_size(json_object_get(body, "size"), &req.settings, size, sizeof size, &err);
    const json_t *ov = json_object_get(body, "provider_overrides");
    if (rc == SY_OK)
        rc = request_set_overrides(&req, ov ? ov : json_object_get(body, "providerOptions"),
                                   ov ? "provider_overrides" : "providerOptions", &err);
    json_decref(body);
    json_t *object = NULL;
    if (rc == SY_OK)
        rc = video_jobs_start(api->videos, &req, seconds[0] ? seconds : NULL,
                              size[0] ? size : NULL, &object, &err);
    request_cleanup(&req);
    if (rc != SY_OK) {
        api_respond_error(ex, &err);
        return;
    }
    http_respond_json(ex, 200, object);
}

void openai_videos_list(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    const char *limit_s = http_query(ex, "limit");
    long limit = 20;
    if (limit_s) {
        char *end;
        limit = strtol(limit_s, &end, 10);
        if (end == limit_s || *end || limit < 1 || limit > 100) {
            api_respond_errorf(ex, SY_EINVAL, "limit", "'limit' must be 1 to 100");
            return;
        }
    }
    bool more = false;
    json_t *data = video_jobs_list(api->videos, (size_t)limit, &more);
    json_t *first = json_array_get(data, 0), *last = json_array_get(data, json_array_size(data) - 1);
    json_t *page = data ? json_pack("{s:s, s:o, s:O, s:O, s:b}", "object", "list", "data", data,
                                    "first_id", first ? json_object_get(first, "id") : json_null(),
                                    "last_id", last ? json_object_get(last, "id") : json_null(),
                                    "has_more", more)
                        : NULL;
    if (!page) {
        api_respond_errorf(ex, SY_ENOMEM, NULL, "out of memory listing videos");
        return;
    }
    http_respond_json(ex, 200, page);
}

/* GET /v1/videos/{id} and /v1/videos/{id}/content. */
void openai_videos_get(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    char id[64];
    const char *rest = http_path_rest(ex);
    size_t id_len = strcspn(rest, "/");
    const char *tail = rest + id_len;
    if (id_len == 0 || id_len >= sizeof id || (tail[0] && strcmp(tail, "/content") != 0)) {
        api_respond_errorf(ex, SY_ENOTFOUND, NULL, "no such route: GET /v1/videos/%.64s "
                           "(there are /v1/videos/{id} and /v1/videos/{id}/content)", rest);
        return;
    }
    snprintf(id, sizeof id, "%.*s", (int)id_len, rest);
    struct sy_err err;
    if (!tail[0]) {
        json_t *object = NULL;
        if (video_jobs_get(api->videos, id, &object, &err) != SY_OK)
            api_respond_error(ex, &err);
        else
            http_respond_json(ex, 200, object);
        return;
    }
    const char *variant = http_query(ex, "variant");
    if (variant && strcmp(variant, "video") != 0) {
        api_respond_errorf(ex, SY_EUNSUPPORTED, "variant", "only the video itself is kept "
                           "(variant=video), not its '%.32s'", variant);
        return;
    }
    void *data = NULL;
    size_t len = 0;
    const char *type = NULL;
    if (video_jobs_content(api->videos, id, &data, &len, &type, &err) != SY_OK) {
        api_respond_error(ex, &err);
        return;
    }
    http_respond(ex, 200, type, data, len);
    free(data);
}

void openai_videos_delete(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    const char *id = http_path_rest(ex);
    struct sy_err err;
    if (strchr(id, '/') || video_jobs_delete(api->videos, id, &err) != SY_OK) {
        if (strchr(id, '/'))
            sy_errf(&err, SY_ENOTFOUND, "no such route: DELETE /v1/videos/%.64s", id);
        api_respond_error(ex, &err);
        return;
    }
    http_respond_json(ex, 200, json_pack("{s:s, s:s, s:b}", "id", id, "object", "video.deleted",
                                         "deleted", true));
}
