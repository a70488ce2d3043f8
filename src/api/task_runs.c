/* task_runs.c -- the run history of the task API: every /api/inference(/stream)
 * run is recorded when it ends (task_record_run), and GET /api/runs,
 * GET /api/runs/{id} and DELETE /api/runs/{id} read and prune it. API keys
 * and prompts are never part of a record beyond the input summary the user
 * typed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/call.h"
#include "api/task.h"
#include "store/runs.h"
#include "util/log.h"

/* What was asked, in a line: the prompt, the last message, or the audio. */
static void input_summary(const struct call *c, char *out, size_t size)
{
    const struct sy_request *req = &c->req;
    if (req->task == SY_TASK_FEATURE_EXTRACTION && req->embed.n_inputs > 1)
        snprintf(out, size, "%s (and %zu more)", req->embed.inputs[0], req->embed.n_inputs - 1);
    else if (req->task == SY_TASK_FEATURE_EXTRACTION && req->embed.n_inputs)
        snprintf(out, size, "%s", req->embed.inputs[0]);
    else if (req->task == SY_TASK_AUTOMATIC_SPEECH_RECOGNITION)
        snprintf(out, size, "%.1f s of audio",
                 req->speech.sample_rate ? (double)req->speech.n_samples / req->speech.sample_rate
                                         : 0.0);
    else if (req->messages && req->n_messages)
        snprintf(out, size, "%s", req->messages[req->n_messages - 1].content);
    else
        snprintf(out, size, "%s", req->prompt ? req->prompt : "");
}

/* The settings the client gave, by their task-API names, and how many
 * pictures a drawing started from (the pictures are not kept). */
static char *settings_text(const struct sy_request *req)
{
    const struct sy_settings *s = &req->settings;
    json_t *o = json_object();
    if (req->images.n_refs)
        json_object_set_new(o, "reference_images", json_integer((json_int_t)req->images.n_refs));
#define GIVEN(x) (s->given & SY_SETTING_BIT(x))
    if (GIVEN(SY_SETTING_TEMPERATURE))
        json_object_set_new(o, "temperature", json_real(s->temperature));
    if (GIVEN(SY_SETTING_TOP_P))
        json_object_set_new(o, "top_p", json_real(s->top_p));
    if (GIVEN(SY_SETTING_TOP_K))
        json_object_set_new(o, "top_k", json_integer(s->top_k));
    if (GIVEN(SY_SETTING_MAX_NEW_TOKENS))
        json_object_set_new(o, "max_new_tokens", json_integer(s->max_new_tokens));
    if (GIVEN(SY_SETTING_SEED))
        json_object_set_new(o, "seed", json_integer(s->seed));
    if (GIVEN(SY_SETTING_DO_SAMPLE))
        json_object_set_new(o, "do_sample", json_boolean(s->do_sample));
    if (GIVEN(SY_SETTING_REPETITION_PENALTY))
        json_object_set_new(o, "repetition_penalty", json_real(s->repetition_penalty));
    if (GIVEN(SY_SETTING_PRESENCE_PENALTY))
        json_object_set_new(o, "presence_penalty", json_real(s->presence_penalty));
    if (GIVEN(SY_SETTING_FREQUENCY_PENALTY))
        json_object_set_new(o, "frequency_penalty", json_real(s->frequency_penalty));
    if (GIVEN(SY_SETTING_STOP)) {
        json_t *stop = json_array();
        for (size_t i = 0; i < s->n_stop; i++)
            json_array_append_new(stop, json_string(s->stop[i]));
        json_object_set_new(o, "stop_sequences", stop);
    }
    if (GIVEN(SY_SETTING_WIDTH))
        json_object_set_new(o, "width", json_integer(s->width));
    if (GIVEN(SY_SETTING_HEIGHT))
        json_object_set_new(o, "height", json_integer(s->height));
    if (GIVEN(SY_SETTING_GUIDANCE_SCALE))
        json_object_set_new(o, "guidance_scale", json_real(s->guidance_scale));
    if (GIVEN(SY_SETTING_NUM_INFERENCE_STEPS))
        json_object_set_new(o, "num_inference_steps", json_integer(s->num_inference_steps));
    if (GIVEN(SY_SETTING_SCHEDULER))
        json_object_set_new(o, "scheduler", json_string(s->scheduler));
    if (GIVEN(SY_SETTING_NEGATIVE_PROMPT))
        json_object_set_new(o, "negative_prompt", json_string(s->negative_prompt));
#undef GIVEN
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

void task_record_run(struct call *c)
{
    struct runs *runs = c->api->runs;
    if (!runs)
        return;
    char input[RUNS_INPUT_MAX + 1];
    input_summary(c, input, sizeof input);
    char *settings = settings_text(&c->req);
    char output[64];
    bool audio_out = c->req.task == SY_TASK_TEXT_TO_SPEECH;
    bool vectors_out = c->req.task == SY_TASK_FEATURE_EXTRACTION;
    bool pictures_out = c->req.task == SY_TASK_TEXT_TO_IMAGE;
    if (audio_out)
        snprintf(output, sizeof output, "%.2f s of audio", c->usage.audio_seconds);
    if (vectors_out)
        snprintf(output, sizeof output, "%zu embeddings of %zu dimensions", c->n_vectors,
                 c->req.embed.dimensions && c->req.embed.dimensions < c->dim
                     ? (size_t)c->req.embed.dimensions
                     : c->dim);
    if (pictures_out)
        snprintf(output, sizeof output, "%zu picture%s", c->n_pictures,
                 c->n_pictures == 1 ? "" : "s");
    double decode_s = c->usage.decode_ms / 1e3;
    struct run_record rec = {
        .id = c->id,
        .task = task_name(c->req.task),
        .model = c->model.id[0] ? c->model.id : c->req.model,
        .input = input,
        .settings = settings,
        .output = audio_out || vectors_out || pictures_out ? output
                  : c->text.data                           ? c->text.data
                                                           : "",
        .error = c->err.code != SY_OK ? c->err.msg : NULL,
        .finish = c->err.code != SY_OK ? sy_code_name(c->err.code)
                  : c->finished         ? finish_name(c->finish)
                                        : "cancelled",
        .ttft_ms = call_ttft_ms(c),
        .tokens_per_second = decode_s > 0 ? (double)c->usage.completion_tokens / decode_s : 0,
        .duration_ms = c->finished ? call_total_ms(c) : 0,
    };
    struct sy_err err;
    if (runs_add(runs, &rec, &err) != SY_OK)
        log_warn("%s; the run itself was not affected", err.msg);
    free(settings);
}

void task_runs_list(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    const char *limit_text = http_query(ex, "limit");
    char *end = NULL;
    long limit = limit_text ? strtol(limit_text, &end, 10) : 50;
    if (limit < 1 || limit > RUNS_KEEP || (limit_text && (end == limit_text || *end))) {
        api_respond_errorf(ex, SY_EINVAL, "limit", "'limit' must be 1 to %d", RUNS_KEEP);
        return;
    }
    json_t *list = NULL;
    struct sy_err err;
    if (!api->runs)
        list = json_array();
    else if (runs_list(api->runs, (int)limit, &list, &err) != SY_OK) {
        api_respond_error(ex, &err);
        return;
    }
    http_respond_json(ex, 200, json_pack("{s:o}", "runs", list));
}

void task_runs_get(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    json_t *run = NULL;
    struct sy_err err;
    if (!api->runs)
        sy_errp(&err, SY_ENOTFOUND, "id", "no run history is kept");
    if (!api->runs || runs_get(api->runs, http_path_rest(ex), &run, &err) != SY_OK) {
        api_respond_error(ex, &err);
        return;
    }
    http_respond_json(ex, 200, run);
}

void task_runs_delete(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    struct sy_err err;
    if (!api->runs)
        sy_errp(&err, SY_ENOTFOUND, "id", "no run history is kept");
    if (!api->runs || runs_delete(api->runs, http_path_rest(ex), &err) != SY_OK) {
        api_respond_error(ex, &err);
        return;
    }
    http_respond_json(ex, 200, json_pack("{s:s, s:s}", "status", "deleted", "id",
                                         http_path_rest(ex)));
}
