/* ollama_chat.c -- Ollama's POST /api/chat and POST /api/generate.
 *
 * Both stream NDJSON by default: one line per piece of text, then a final
 * line with done_reason and the durations (nanoseconds) Ollama clients show.
 * /api/generate applies the model's chat template to the prompt (as a user
 * message after an optional system message), as Ollama does, unless "raw" is
 * true or the model has no template. Sampling starts from Ollama's defaults
 * (temperature 0.8, top_k 40, top_p 0.9, repeat_penalty 1.1); "options"
 * overrides them. Options that only say how to run a model (threads, GPU
 * layers, context size, ...) are accepted and left to the server's own
 * configuration: they do not change what is generated. Options and fields
 * that would change the output in ways not implemented here are refused with
 * 422 naming them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/api_error.h"
#include "api/call.h"
#include "api/json_body.h"
#include "api/ollama.h"
#include "api/residency.h"

struct ollama_opts {
    bool chat;
    char model[SY_MODEL_ID_MAX + 1]; /* as the client named it */
};

static const struct setting_alias option_aliases[] = {
    {"options.temperature", SY_SETTING_TEMPERATURE},
    {"options.top_p", SY_SETTING_TOP_P},
    {"options.top_k", SY_SETTING_TOP_K},
    {"options.num_predict", SY_SETTING_MAX_NEW_TOKENS},
    {"options.repeat_penalty", SY_SETTING_REPETITION_PENALTY},
    {"options.presence_penalty", SY_SETTING_PRESENCE_PENALTY},
    {"options.frequency_penalty", SY_SETTING_FREQUENCY_PENALTY},
    {"options.seed", SY_SETTING_SEED},
    {"options.stop", SY_SETTING_STOP},
};

/* How to run the model, not what to generate: the server's configuration
 * decides these (context_size, threads, memory), so they are accepted. */
static const char *const run_options[] = {
    "num_ctx", "num_batch", "num_gpu", "main_gpu", "low_vram", "f16_kv", "logits_all",
    "vocab_only", "use_mmap", "use_mlock", "num_thread", "numa", "num_keep", NULL};

bool ollama_run_option(const char *name)
{
    for (size_t i = 0; run_options[i]; i++)
        if (strcmp(run_options[i], name) == 0)
            return true;
    return false;
}

/* What a value of each refused option leaves the output unchanged. */
static const struct {
    const char *name;
    double neutral;
} neutral_options[] = {{"mirostat", 0},   {"tfs_z", 1},          {"typical_p", 1},
                       {"min_p", 0},      {"penalize_newline", 0}, {"repeat_last_n", 64},
                       {"mirostat_eta", -1}, {"mirostat_tau", -1}};

static const char *const chat_keys[] = {"model", "messages", "tools", "format", "options",
                                        "stream", "keep_alive", "think", NULL};
static const char *const generate_keys[] = {"model",  "prompt",  "suffix", "images", "format",
                                            "options", "system", "template", "stream", "raw",
                                            "keep_alive", "context", "think", NULL};

/* ---- encoding --------------------------------------------------------------------------- */

void ollama_now(char *out, size_t size)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char day[32];
    strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, size, "%s.%09ldZ", day, ts.tv_nsec);
}

static json_t *line_head(const struct call *c)
{
    const struct ollama_opts *o = c->surface;
    char now[48];
    ollama_now(now, sizeof now);
    return json_pack("{s:s, s:s}", "model", o->model, "created_at", now);
}

/* The text piece in the line's shape: "message" for chat, "response" else. */
static void set_text(const struct call *c, json_t *line, const char *text, size_t len)
{
    const struct ollama_opts *o = c->surface;
    if (o->chat)
        json_object_set_new(line, "message",
                            json_pack("{s:s, s:s%}", "role", "assistant", "content", text, len));
    else
        json_object_set_new(line, "response", json_stringn(text, len));
}

int64_t ollama_ns_between(const struct timespec *a, const struct timespec *b)
{
    if (!a->tv_sec && !a->tv_nsec)
        return 0;
    return (int64_t)(b->tv_sec - a->tv_sec) * 1000000000 + (b->tv_nsec - a->tv_nsec);
}

/* done_reason and the statistics of the final line. load_duration is the time
 * before the engine started on the prompt: loading the model and waiting for
 * a slot. */
static void set_totals(const struct call *c, json_t *line)
{
    json_object_set_new(line, "done", json_true());
    json_object_set_new(line, "done_reason",
                        json_string(c->finish == SY_FINISH_LENGTH ? "length" : "stop"));
    json_object_set_new(line, "total_duration",
                        json_integer(ollama_ns_between(&c->t_submit, &c->t_done)));
    json_object_set_new(line, "load_duration",
                        json_integer(ollama_ns_between(&c->t_submit, &c->t_start)));
    json_object_set_new(line, "prompt_eval_count", json_integer(c->usage.prompt_tokens));
    json_object_set_new(line, "prompt_eval_duration",
                        json_integer((json_int_t)(c->usage.prompt_ms * 1e6)));
    json_object_set_new(line, "eval_count", json_integer(c->usage.completion_tokens));
    json_object_set_new(line, "eval_duration",
                        json_integer((json_int_t)(c->usage.decode_ms * 1e6)));
}

static sy_code write_line(json_t *line, struct sy_buf *out)
{
    char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
    json_decref(line);
    sy_code rc = text ? buf_printf(out, NULL, "%s\n", text) : SY_ENOMEM;
    free(text);
    return rc;
}

static sy_code ollama_stream_token(struct call *c, const char *text, size_t len,
                                   struct sy_buf *out)
{
    json_t *line = line_head(c);
    if (!line)
        return SY_ENOMEM;
    set_text(c, line, text, len);
    json_object_set_new(line, "done", json_false());
    return write_line(line, out);
}

static sy_code ollama_stream_done(struct call *c, struct sy_buf *out)
{
    json_t *line = line_head(c);
    if (!line)
        return SY_ENOMEM;
    set_text(c, line, "", 0);
    set_totals(c, line);
    return write_line(line, out);
}

static sy_code ollama_stream_error(struct call *c, const struct sy_err *e, struct sy_buf *out)
{
    (void)c;
    return write_line(json_pack("{s:s}", "error", e->msg), out);
}

static json_t *ollama_complete(struct call *c)
{
    json_t *line = line_head(c);
    if (!line)
        return NULL;
    set_text(c, line, c->text.data ? c->text.data : "", c->text.len);
    set_totals(c, line);
    return line;
}

static const struct call_encoder ollama_encoder = {
    .stream_content_type = "application/x-ndjson",
    .stream_token = ollama_stream_token,
    .stream_done = ollama_stream_done,
    .stream_error = ollama_stream_error,
    .complete = ollama_complete,
    .respond_error = api_respond_error_ollama,
};

/* ---- parsing ---------------------------------------------------------------------------- */

/* Ollama's option defaults, so the same request samples the same way here. */
static void ollama_defaults(struct sy_settings *s)
{
    s->temperature = 0.8;
    s->top_k = 40;
    s->top_p = 0.9;
    s->repetition_penalty = 1.1;
}

static sy_code read_options(const json_t *body, struct sy_request *req, struct sy_err *err)
{
    const json_t *options = json_object_get(body, "options");
    if (!json_body_present(options))
        return SY_OK;
    if (!json_is_object(options))
        return sy_errp(err, SY_EINVAL, "options", "'options' must be an object");
    /* num_predict -1 (no limit) and -2 (fill the context) both mean: until the
     * model stops or the context is full, which is the default here. */
    const json_t *np = json_object_get(options, "num_predict");
    if (json_is_integer(np) && (json_integer_value(np) == -1 || json_integer_value(np) == -2))
        json_object_del((json_t *)options, "num_predict");
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)options, key, v) {
        bool known = false;
        for (size_t i = 0; i < sizeof option_aliases / sizeof option_aliases[0] && !known; i++)
            known = strcmp(option_aliases[i].key + strlen("options."), key) == 0;
        known = known || ollama_run_option(key);
        for (size_t i = 0; i < sizeof neutral_options / sizeof neutral_options[0] && !known;
             i++) {
            if (strcmp(neutral_options[i].name, key) != 0)
                continue;
            known = true;
            bool neutral = json_is_number(v) && json_number_value(v) == neutral_options[i].neutral;
            neutral = neutral || (json_is_boolean(v) && !json_is_true(v) &&
                                  neutral_options[i].neutral == 0);
            /* mirostat's eta and tau only matter when mirostat is on, which is refused. */
            neutral = neutral || neutral_options[i].neutral < 0;
            if (!neutral) {
                char param[64];
                snprintf(param, sizeof param, "options.%s", key);
                return sy_errp(err, SY_EUNSUPPORTED, param,
                               "option '%s' is not supported by this server's sampler; remove "
                               "it",
                               key);
            }
        }
        if (!known) {
            char param[64];
            snprintf(param, sizeof param, "options.%.50s", key);
            return sy_errp(err, SY_EINVAL, param, "unknown option '%s'", key);
        }
    }
    return settings_read(body, option_aliases, sizeof option_aliases / sizeof option_aliases[0],
                         &req->settings, err);
}

/* The fields both endpoints share. */
static sy_code read_common(const json_t *body, struct sy_request *req, struct ollama_opts *o,
                           struct sy_err *err)
{
    const json_t *model = json_object_get(body, "model");
    if (!json_is_string(model))
        return sy_errp(err, SY_EINVAL, "model", "model is required");
    if (ollama_model_name(json_string_value(model), o->model, sizeof o->model) != 0)
        return sy_errp(err, SY_EINVAL, "model", "model name is too long");
    json_t *id = json_string(o->model);
    sy_code rc = request_set_model(req, id, "model", err);
    json_decref(id);
    if (rc != SY_OK)
        return rc;
    snprintf(o->model, sizeof o->model, "%s", json_string_value(model));
    const json_t *stream = json_object_get(body, "stream");
    if (json_body_present(stream) && !json_is_boolean(stream))
        return sy_errp(err, SY_EINVAL, "stream", "stream must be true or false");
    req->stream = !json_is_false(stream);
    const json_t *v = json_object_get(body, "format");
    if (json_body_present(v) && !(json_is_string(v) && json_string_length(v) == 0))
        return sy_errp(err, SY_EUNSUPPORTED, "format",
                       "structured output ('format') is not supported yet; remove it");
    v = json_object_get(body, "think");
    if (json_body_present(v) && !json_is_false(v))
        return sy_errp(err, SY_EUNSUPPORTED, "think",
                       "separate thinking output ('think') is not supported yet");
    ollama_defaults(&req->settings);
    if ((rc = read_options(body, req, err)) != SY_OK)
        return rc;
    return request_set_keep_alive(req, json_object_get(body, "keep_alive"), "keep_alive", err);
}

/* Ollama messages: {role, content, images?, tool_calls?}. */
static sy_code read_chat(const json_t *body, struct sy_request *req, bool *empty,
                         struct sy_err *err)
{
    const json_t *tools = json_object_get(body, "tools");
    if (json_body_present(tools) && !(json_is_array(tools) && json_array_size(tools) == 0))
        return sy_errp(err, SY_EUNSUPPORTED, "tools", "tool calling is not supported yet");
    const json_t *messages = json_object_get(body, "messages");
    if (json_body_present(messages) && !json_is_array(messages))
        return sy_errp(err, SY_EINVAL, "messages", "messages must be an array");
    *empty = json_array_size(messages) == 0;
    if (*empty)
        return SY_OK;
    size_t i;
    const json_t *m;
    json_array_foreach(messages, i, m) {
        char param[64];
        const json_t *images = json_object_get(m, "images");
        if (json_body_present(images) && !(json_is_array(images) && json_array_size(images) == 0)) {
            snprintf(param, sizeof param, "messages[%zu].images", i);
            return sy_errp(err, SY_EUNSUPPORTED, param,
                           "images are not supported by local models yet");
        }
        const json_t *calls = json_object_get(m, "tool_calls");
        if (json_body_present(calls) && !(json_is_array(calls) && json_array_size(calls) == 0)) {
            snprintf(param, sizeof param, "messages[%zu].tool_calls", i);
            return sy_errp(err, SY_EUNSUPPORTED, param, "tool calling is not supported yet");
        }
    }
    return request_read_messages(req, messages, "messages", err);
}

/* /api/generate: the prompt as a user turn of the model's template, unless
 * raw or the model has none. */
static sy_code read_generate(struct api_ctx *api, const json_t *body, struct sy_request *req,
                             bool *empty, struct sy_err *err)
{
    static const char *const refused[] = {"suffix", "template", "context", "images"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        const json_t *v = json_object_get(body, refused[i]);
        bool neutral = !json_body_present(v) || (json_is_string(v) && json_string_length(v) == 0) ||
                       (json_is_array(v) && json_array_size(v) == 0);
        if (!neutral)
            return sy_errp(err, SY_EUNSUPPORTED, refused[i],
                           "'%s' is not supported by this server yet; remove it", refused[i]);
    }
    const json_t *prompt = json_object_get(body, "prompt");
    const json_t *system = json_object_get(body, "system");
    const json_t *raw = json_object_get(body, "raw");
    if (json_body_present(prompt) && !json_is_string(prompt))
        return sy_errp(err, SY_EINVAL, "prompt", "prompt must be a string");
    if (json_body_present(system) && !json_is_string(system))
        return sy_errp(err, SY_EINVAL, "system", "system must be a string");
    if (json_body_present(raw) && !json_is_boolean(raw))
        return sy_errp(err, SY_EINVAL, "raw", "raw must be true or false");
    *empty = json_string_length(prompt) == 0;
    if (*empty)
        return SY_OK;
    struct sy_model_info info;
    sy_code rc = router_describe(api->router, req->model, &info, err);
    if (rc != SY_OK)
        return rc;
    if (json_is_true(raw) || !info.caps.chat) {
        if (json_body_present(system) && json_string_length(system) > 0)
            return sy_errp(err, SY_EUNSUPPORTED, "system",
                           json_is_true(raw) ? "'system' has no place in a raw prompt"
                                             : "model '%s' has no chat template to put "
                                               "'system' in",
                           req->model);
        return request_set_prompt(req, prompt, "prompt", err);
    }
    json_t *messages = json_array();
    if (json_body_present(system) && json_string_length(system) > 0)
        json_array_append_new(messages, json_pack("{s:s, s:O}", "role", "system", "content",
                                                  system));
    json_array_append_new(messages, json_pack("{s:s, s:O}", "role", "user", "content", prompt));
    rc = request_read_messages(req, messages, "prompt", err);
    json_decref(messages);
    return rc;
}

/* ---- loading and unloading with an empty prompt ----------------------------------------- */

/* arg is non-NULL for /api/chat (the answer carries a message). */
static void answer_residency(struct http_exchange *ex, struct api_ctx *api,
                             enum residency_change change, const char *model,
                             const struct sy_err *err, void *arg)
{
    (void)api;
    if (err->code != SY_OK) {
        api_respond_error_ollama(ex, err);
    } else {
        char now[48];
        ollama_now(now, sizeof now);
        json_t *body = json_pack("{s:s, s:s, s:b, s:s}", "model", model, "created_at", now,
                                 "done", 1, "done_reason",
                                 change == CHANGE_UNLOAD ? "unload" : "load");
        if (arg)
            json_object_set_new(body, "message",
                                json_pack("{s:s, s:s}", "role", "assistant", "content", ""));
        else
            json_object_set_new(body, "response", json_string(""));
        http_respond_json(ex, 200, body);
    }
}

/* ---- the handlers ----------------------------------------------------------------------- */

static void serve(struct http_exchange *ex, struct api_ctx *api, bool chat)
{
    struct sy_request req;
    request_init(&req);
    struct ollama_opts *o = calloc(1, sizeof *o);
    json_t *body = NULL;
    struct sy_err err;
    bool empty = false;
    sy_code rc = o ? json_body_parse_any_type(ex, &body, &err)
                   : sy_errf(&err, SY_ENOMEM, "out of memory reading the request");
    if (rc == SY_OK)
        rc = json_body_known_keys(body, chat ? chat_keys : generate_keys, "", &err);
    if (rc == SY_OK) {
        o->chat = chat;
        rc = read_common(body, &req, o, &err);
    }
    if (rc == SY_OK)
        rc = chat ? read_chat(body, &req, &empty, &err)
                  : read_generate(api, body, &req, &empty, &err);
    json_decref(body);
    if (rc != SY_OK) {
        free(o);
        request_cleanup(&req);
        api_respond_error_ollama(ex, &err);
        return;
    }
    if (empty) {
        /* Ollama's way to load a model, or (keep_alive 0) to unload it. */
        static int chat_marker;
        bool unload = req.residency.has_keep_alive && req.residency.keep_alive_ms == 0;
        residency_await(ex, api, unload ? CHANGE_UNLOAD : CHANGE_LOAD, &req, answer_residency,
                        chat ? &chat_marker : NULL);
        request_cleanup(&req);
        free(o);
        return;
    }
    call_start(api, &ollama_encoder, "ollama-", &req, o, ex);
}

void ollama_chat(struct http_exchange *ex, void *app)
{
    serve(ex, app, true);
}

void ollama_generate(struct http_exchange *ex, void *app)
{
    serve(ex, app, false);
}
