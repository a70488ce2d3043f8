/* task_inference.c -- POST /api/inference and /api/inference/stream.
 *
 * Settings use the GenerationSettings names (settings.max_new_tokens,
 * settings.stop_sequences, ...). Inputs are checked per task: text-generation
 * takes exactly one of inputs.text and inputs.messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/call.h"
#include "api/embeddings.h"
#include "api/images.h"
#include "api/json_body.h"
#include "api/sse.h"
#include "api/task.h"
#include "api/task_media.h"
#include "api/task_speech.h"

static const struct setting_alias task_aliases[] = {
    {"settings.temperature", SY_SETTING_TEMPERATURE},
    {"settings.top_p", SY_SETTING_TOP_P},
    {"settings.top_k", SY_SETTING_TOP_K},
    {"settings.max_new_tokens", SY_SETTING_MAX_NEW_TOKENS},
    {"settings.do_sample", SY_SETTING_DO_SAMPLE},
    {"settings.repetition_penalty", SY_SETTING_REPETITION_PENALTY},
    {"settings.presence_penalty", SY_SETTING_PRESENCE_PENALTY},
    {"settings.frequency_penalty", SY_SETTING_FREQUENCY_PENALTY},
    {"settings.return_full_text", SY_SETTING_RETURN_FULL_TEXT},
    {"settings.stop_sequences", SY_SETTING_STOP},
    {"settings.seed", SY_SETTING_SEED},
    {"settings.guidance_scale", SY_SETTING_GUIDANCE_SCALE},
    {"settings.num_inference_steps", SY_SETTING_NUM_INFERENCE_STEPS},
    {"settings.width", SY_SETTING_WIDTH},
    {"settings.height", SY_SETTING_HEIGHT},
    {"settings.scheduler", SY_SETTING_SCHEDULER},
    {"settings.negative_prompt", SY_SETTING_NEGATIVE_PROMPT},
    {"settings.use_cache", SY_SETTING_USE_CACHE},
    {"settings.wait_for_model", SY_SETTING_WAIT_FOR_MODEL},
};

static const char *const task_keys[] = {"model_id", "model",      "task",
                                        "inputs",   "settings",   "provider_overrides",
                                        "providerOptions", "keep_alive", NULL};
static const char *const task_setting_keys[] = {
    "temperature", "top_p", "top_k", "max_new_tokens", "do_sample", "repetition_penalty",
    "presence_penalty", "frequency_penalty", "return_full_text", "stop_sequences", "seed",
    "guidance_scale", "num_inference_steps", "width", "height", "scheduler", "negative_prompt",
    "use_cache", "wait_for_model", NULL};
static const char *const text_input_keys[] = {"text", "messages", NULL};
static const char *const embed_input_keys[] = {"text", "truncate", "dimensions", NULL};

/* ---- encoding --------------------------------------------------------------------------- */

static json_t *usage_json(const struct call *c)
{
    return json_pack("{s:I, s:I, s:I}", "prompt_tokens", (json_int_t)c->usage.prompt_tokens,
                     "cached_tokens", (json_int_t)c->usage.cached_tokens, "completion_tokens",
                     (json_int_t)c->usage.completion_tokens);
}

static bool is_speech(const struct call *c)
{
    return c->req.task == SY_TASK_TEXT_TO_SPEECH ||
           c->req.task == SY_TASK_AUTOMATIC_SPEECH_RECOGNITION;
}

static json_t *timings_json(const struct call *c)
{
    double decode_s = c->usage.decode_ms / 1e3;
    json_t *t = json_pack("{s:f, s:f, s:f, s:f, s:f}", "ttft_ms", call_ttft_ms(c), "total_ms",
                          call_total_ms(c), "prompt_ms", c->usage.prompt_ms, "decode_ms",
                          c->usage.decode_ms, "tokens_per_second",
                          decode_s > 0 ? (double)c->usage.completion_tokens / decode_s : 0.0);
    if (t && is_speech(c))
        task_speech_timings(c, t);
    return t;
}

sy_code task_event_write(struct sy_buf *out, const char *type, json_t *data)
{
    if (!data)
        return SY_ENOMEM;
    json_object_set_new(data, "v", json_integer(TASK_EVENT_VERSION));
    json_object_set_new(data, "type", json_string(type));
    return sse_write(out, type, data, NULL);
}

static sy_code task_stream_start(struct call *c, struct sy_buf *out)
{
    sy_code rc = task_event_write(
        out, "start",
        json_pack("{s:s, s:s, s:s, s:I}", "id", c->id, "resolved_model_id", c->model.id, "backend",
                  c->model.backend, "prompt_tokens", (json_int_t)c->usage.prompt_tokens));
    /* return_full_text: the prompt comes first, as in the non-streamed answer. */
    if (rc == SY_OK && c->req.settings.return_full_text && c->req.prompt && c->req.prompt[0])
        rc = task_event_write(out, "token", json_pack("{s:s}", "text", c->req.prompt));
    return rc;
}

static sy_code task_stream_token(struct call *c, const char *text, size_t len, struct sy_buf *out)
{
    (void)c;
    return task_event_write(out, "token", json_pack("{s:s%}", "text", text, len));
}

static sy_code task_stream_done(struct call *c, struct sy_buf *out)
{
    sy_code rc = task_speech_stream_tail(c, out);
    if (rc != SY_OK)
        return rc;
    return task_event_write(out, "done",
                            json_pack("{s:s, s:o, s:o}", "finish_reason", finish_name(c->finish),
                                      "usage", usage_json(c), "timings", timings_json(c)));
}

static sy_code task_stream_error(struct call *c, const struct sy_err *e, struct sy_buf *out)
{
    (void)c;
    return task_event_write(
        out, "error",
        json_pack("{s:s, s:s, s:{s:I, s:o}}", "code", sy_code_name(e->code), "message", e->msg,
                  "details", "status", (json_int_t)api_status(e->code), "param",
                  e->param[0] ? json_string(e->param) : json_null()));
}

static json_t *task_complete(struct call *c)
{
    if (c->req.task == SY_TASK_TEXT_TO_IMAGE)
        return json_pack("{s:s, s:{s:{s:o}, s:s}, s:s, s:s, s:f, s:o}", "id", c->id, "result",
                         "task_output", "images", images_json(c, "b64", "content_type"),
                         "finish_reason", finish_name(c->finish), "resolved_model_id",
                         c->model.id, "backend", c->model.backend, "runtime_ms_model",
                         call_total_ms(c), "timings", timings_json(c));
    if (task_media_is(c))
        return json_pack("{s:s, s:{s:o, s:s}, s:s, s:s, s:f, s:o}", "id", c->id, "result",
                         "task_output", task_media_output(c), "finish_reason",
                         finish_name(c->finish), "resolved_model_id", c->model.id, "backend",
                         c->model.backend, "runtime_ms_model", call_total_ms(c), "timings",
                         timings_json(c));
    if (c->req.task == SY_TASK_FEATURE_EXTRACTION)
        return json_pack("{s:s, s:{s:{s:o}, s:s, s:{s:I}}, s:s, s:s, s:f, s:o}", "id", c->id,
                         "result", "task_output", "embeddings", embeddings_all(c),
                         "finish_reason", finish_name(c->finish), "usage", "prompt_tokens",
                         (json_int_t)c->usage.prompt_tokens, "resolved_model_id", c->model.id,
                         "backend", c->model.backend, "runtime_ms_model", call_total_ms(c),
                         "timings", timings_json(c));
    struct sy_buf text;
    buf_init(&text, SIZE_MAX / 2);
    json_t *body = NULL;
    if (is_speech(c)) {
        buf_cleanup(&text);
        return json_pack("{s:s, s:{s:o, s:s}, s:s, s:s, s:f, s:o}", "id", c->id, "result",
                         "task_output", task_speech_output(c), "finish_reason",
                         finish_name(c->finish), "resolved_model_id", c->model.id, "backend",
                         c->model.backend, "runtime_ms_model", call_total_ms(c), "timings",
                         timings_json(c));
    }
    if (call_output_text(c, &text, NULL) == SY_OK)
        body = json_pack("{s:s, s:{s:{s:s%}, s:s, s:o}, s:s, s:s, s:f, s:o}", "id", c->id,
                         "result", "task_output", "text", text.data ? text.data : "", text.len,
                         "finish_reason", finish_name(c->finish), "usage", usage_json(c),
                         "resolved_model_id", c->model.id, "backend", c->model.backend,
                         "runtime_ms_model", call_total_ms(c), "timings", timings_json(c));
    buf_cleanup(&text);
    return body;
}

const struct call_encoder task_encoder = {
    .heartbeat = SSE_HEARTBEAT,
    .stream_content_type = "text/event-stream",
    .stream_start = task_stream_start,
    .stream_token = task_stream_token,
    .stream_audio = task_speech_stream_audio,
    .stream_segment = task_speech_stream_segment,
    .stream_progress = task_media_stream_progress,
    .stream_media = task_media_stream_file,
    .stream_done = task_stream_done,
    .stream_error = task_stream_error,
    .complete = task_complete,
    .record = task_record_run,
};

/* ---- parsing ---------------------------------------------------------------------------- */

static sy_code read_text_inputs(const json_t *inputs, struct sy_request *req, struct sy_err *err)
{
    sy_code rc = json_body_known_keys(inputs, text_input_keys, "inputs", err);
    if (rc != SY_OK)
        return rc;
    const json_t *text = json_object_get(inputs, "text");
    const json_t *messages = json_object_get(inputs, "messages");
    if ((text != NULL) == (messages != NULL))
        return sy_errp(err, SY_EINVAL, "inputs",
                       "text-generation takes exactly one of 'inputs.text' and 'inputs.messages'");
    return text ? request_set_prompt(req, text, "inputs.text", err)
                : request_read_messages(req, messages, "inputs.messages", err);
}

/* feature-extraction: inputs.text is a string or a list of them; an input
 * longer than the model takes is refused unless inputs.truncate is true. */
static sy_code read_embed_inputs(const json_t *inputs, struct sy_request *req, struct sy_err *err)
{
    sy_code rc = json_body_known_keys(inputs, embed_input_keys, "inputs", err);
    snprintf(req->options_at, sizeof req->options_at, "inputs.");
    if (rc == SY_OK)
        rc = request_set_inputs(req, json_object_get(inputs, "text"), "inputs.text", err);
    const json_t *truncate = json_object_get(inputs, "truncate");
    if (rc == SY_OK && truncate && !json_is_null(truncate) && !json_is_boolean(truncate))
        rc = sy_errp(err, SY_EINVAL, "inputs.truncate", "'inputs.truncate' must be true or false");
    req->embed.truncate = json_is_true(truncate);
    if (rc == SY_OK)
        rc = embeddings_read_dimensions(json_object_get(inputs, "dimensions"), "inputs.dimensions",
                                        req, err);
    return rc;
}

/* text-to-image: inputs.text is the prompt; inputs.files, pictures to start
 * from (image-to-image, where the model takes them). */
static sy_code read_image_inputs(const json_t *inputs, struct sy_request *req, struct sy_err *err)
{
    static const char *const known[] = {"text", "files", NULL};
    sy_code rc = json_body_known_keys(inputs, known, "inputs", err);
    snprintf(req->options_at, sizeof req->options_at, "inputs.");
    const json_t *text = json_object_get(inputs, "text");
    if (rc == SY_OK && (!json_is_string(text) || json_string_length(text) == 0))
        rc = sy_errp(err, SY_EINVAL, "inputs.text", "'inputs.text' is required: what to draw");
    if (rc == SY_OK)
        rc = request_set_reference_images(req, json_object_get(inputs, "files"), "inputs.files",
                                          err);
    return rc == SY_OK ? request_set_prompt(req, text, "inputs.text", err) : rc;
}

/* Video and music (seed 000's VideoRequest and MusicRequest): a prompt, and
 * optionally how long and how good. */
static sy_code read_media_inputs(const json_t *inputs, struct sy_request *req, struct sy_err *err)
{
    static const char *const known[] = {"text", "duration", "quality", NULL};
    sy_code rc = json_body_known_keys(inputs, known, "inputs", err);
    snprintf(req->options_at, sizeof req->options_at, "inputs.");
    const json_t *text = json_object_get(inputs, "text");
    const json_t *duration = json_object_get(inputs, "duration");
    const json_t *quality = json_object_get(inputs, "quality");
    if (rc == SY_OK && (!json_is_string(text) || json_string_length(text) == 0))
        rc = sy_errp(err, SY_EINVAL, "inputs.text", "'inputs.text' is required: what to make");
    if (rc == SY_OK && duration && !json_is_null(duration)) {
        double s = json_number_value(duration);
        if (!json_is_number(duration) || !(s > 0 && s <= SY_MEDIA_SECONDS_MAX))
            return sy_errp(err, SY_EINVAL, "inputs.duration",
                           "'inputs.duration' must be seconds, above 0 and at most %d",
                           SY_MEDIA_SECONDS_MAX);
        req->media.duration_s = s;
    }
    if (rc == SY_OK && quality && !json_is_null(quality)) {
        const char *q = json_string_value(quality);
        if (!q || !q[0] || json_string_length(quality) >= sizeof req->media.quality)
            return sy_errp(err, SY_EINVAL, "inputs.quality",
                           "'inputs.quality' must be a name of 1 to %zu characters",
                           sizeof req->media.quality - 1);
        snprintf(req->media.quality, sizeof req->media.quality, "%s", q);
    }
    return rc == SY_OK ? request_set_prompt(req, text, "inputs.text", err) : rc;
}

/* Without "task", a model that does one thing other than text generation
 * (a speech model) does that. */
static void infer_task(struct api_ctx *api, struct sy_request *req)
{
    struct sy_model_info model;
    if (router_describe(api->router, req->model, &model, NULL) != SY_OK)
        return;
    uint32_t tasks = model.caps.tasks;
    if (tasks & SY_TASK_BIT(SY_TASK_TEXT_GENERATION) || !tasks || (tasks & (tasks - 1)))
        return;
    for (int t = 0; t < SY_TASK_COUNT; t++)
        if (tasks == SY_TASK_BIT(t))
            req->task = (enum sy_task)t;
}

static sy_code inference_parse(struct api_ctx *api, const json_t *body, struct sy_request *req,
                               enum audio_format *format, struct sy_err *err)
{
    sy_code rc = json_body_known_keys(body, task_keys, "", err);
    if (rc != SY_OK)
        return rc;
    const json_t *model = json_object_get(body, "model_id");
    const char *model_param = "model_id";
    if (!model) {
        model = json_object_get(body, "model");
        model_param = "model";
    }
    if ((rc = request_set_model(req, model, model_param, err)) != SY_OK)
        return rc;
    const json_t *task = json_object_get(body, "task");
    if (task && !json_is_null(task)) {
        if (!json_is_string(task))
            return sy_errp(err, SY_EINVAL, "task", "'task' must be a task name string");
        if ((rc = task_parse(json_string_value(task), &req->task, err)) != SY_OK)
            return rc;
    } else {
        infer_task(api, req);
    }
    const json_t *settings = json_object_get(body, "settings");
    if (settings && !json_is_null(settings)) {
        if (!json_is_object(settings))
            return sy_errp(err, SY_EINVAL, "settings", "'settings' must be an object");
        if ((rc = json_body_known_keys(settings, task_setting_keys, "settings", err)) != SY_OK)
            return rc;
    }
    rc = settings_read(body, task_aliases, sizeof task_aliases / sizeof task_aliases[0],
                       &req->settings, err);
    if (rc == SY_OK && (req->settings.given & SY_SETTING_BIT(SY_SETTING_WAIT_FOR_MODEL)))
        req->residency.wait_for_load = req->settings.wait_for_model;
    if (rc == SY_OK)
        rc = request_set_keep_alive(req, json_object_get(body, "keep_alive"), "keep_alive", err);
    if (rc != SY_OK)
        return rc;
    const json_t *inputs = json_object_get(body, "inputs");
    if (!json_is_object(inputs))
        return sy_errp(err, SY_EINVAL, "inputs", "'inputs' is required and must be an object");
    if (req->task == SY_TASK_TEXT_GENERATION || req->task == SY_TASK_IMAGE_TEXT_TO_TEXT)
        rc = read_text_inputs(inputs, req, err);
    else if (req->task == SY_TASK_TEXT_TO_SPEECH ||
             req->task == SY_TASK_AUTOMATIC_SPEECH_RECOGNITION)
        rc = task_speech_inputs(api, inputs, req, format, err);
    else if (req->task == SY_TASK_FEATURE_EXTRACTION)
        rc = read_embed_inputs(inputs, req, err);
    else if (req->task == SY_TASK_TEXT_TO_IMAGE)
        rc = read_image_inputs(inputs, req, err);
    else if (req->task == SY_TASK_TEXT_TO_VIDEO || req->task == SY_TASK_TEXT_TO_AUDIO)
        rc = read_media_inputs(inputs, req, err);
    if (rc != SY_OK)
        return rc;
    const json_t *ov = json_object_get(body, "provider_overrides");
    return request_set_overrides(req, ov ? ov : json_object_get(body, "providerOptions"),
                                 ov ? "provider_overrides" : "providerOptions", err);
}

static void serve(struct http_exchange *ex, struct api_ctx *api, bool stream)
{
    struct sy_request req;
    request_init(&req);
    json_t *body = NULL;
    struct sy_err err;
    enum audio_format format = AUDIO_WAV;
    sy_code rc = json_body_parse(ex, &body, &err);
    if (rc == SY_OK)
        rc = inference_parse(api, body, &req, &format, &err);
    json_decref(body);
    if (rc != SY_OK) {
        request_cleanup(&req);
        api_respond_error(ex, &err);
        return;
    }
    bool whole = req.task == SY_TASK_FEATURE_EXTRACTION || req.task == SY_TASK_TEXT_TO_IMAGE;
    if (stream && whole) {
        api_respond_errorf(ex, SY_EUNSUPPORTED, "task",
                           "%s answers all at once: POST /api/inference", task_name(req.task));
        request_cleanup(&req);
        return;
    }
    req.stream = stream;
    bool tts = req.task == SY_TASK_TEXT_TO_SPEECH;
    struct call *c = call_create(api, &task_encoder, "run-", &req);
    if (!c || (tts && task_speech_attach(c, format, &err) != SY_OK)) {
        if (c)
            call_discard(c);
        api_respond_errorf(ex, SY_ENOMEM, NULL, "out of memory starting the request");
        return;
    }
    call_run(c, ex);
}

void task_inference(struct http_exchange *ex, void *app)
{
    serve(ex, app, false);
}

void task_inference_stream(struct http_exchange *ex, void *app)
{
    serve(ex, app, true);
}
