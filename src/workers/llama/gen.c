/* gen.c -- from a `generate` frame to prompt tokens and sampling parameters. */
#include "workers/llama/gen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/limits.h"

static struct gen *fail(struct gen *g, struct gen_error *e, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static struct gen *fail(struct gen *g, struct gen_error *e, const char *code, const char *fmt, ...)
{
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    gen_free(g);
    return NULL;
}

void gen_free(struct gen *g)
{
    if (!g)
        return;
    free(g->tokens);
    for (size_t i = 0; i < g->n_stop; i++)
        free(g->stop[i]);
    free(g->stop);
    free(g);
}

/* Applies the model's chat template to messages. Returns a new string or NULL. */
static char *apply_template(const struct gen_env *env, const json_t *messages, struct gen_error *e)
{
    const char *tmpl = llama_model_chat_template(env->model, NULL);
    if (!tmpl) {
        fail(NULL, e, "invalid_request", "this model has no chat template; send a prompt instead");
        return NULL;
    }
    size_t n = json_array_size(messages);
    if (n == 0 || n > SY_MESSAGES_MAX) {
        fail(NULL, e, "invalid_request", "messages must hold 1 to %d entries", SY_MESSAGES_MAX);
        return NULL;
    }
    struct llama_chat_message *chat = calloc(n, sizeof *chat);
    size_t total = 0;
    for (size_t i = 0; chat && i < n; i++) {
        const json_t *m = json_array_get(messages, i);
        chat[i].role = json_string_value(json_object_get(m, "role"));
        chat[i].content = json_string_value(json_object_get(m, "content"));
        if (!chat[i].role || !chat[i].content) {
            free(chat);
            fail(NULL, e, "invalid_request", "messages[%zu] needs string role and content", i);
            return NULL;
        }
        total += strlen(chat[i].content) + strlen(chat[i].role);
    }
    if (!chat) {
        fail(NULL, e, "engine_failed", "out of memory applying the chat template");
        return NULL;
    }
    int32_t size = (int32_t)(2 * total + 256);
    char *buf = malloc((size_t)size);
    int32_t len = buf ? llama_chat_apply_template(tmpl, chat, n, true, buf, size) : -1;
    if (buf && len > size) { /* the result is longer than the guess: once more, exactly */
        char *bigger = realloc(buf, (size_t)len + 1);
        buf = bigger;
        len = bigger ? llama_chat_apply_template(tmpl, chat, n, true, buf, len + 1) : -1;
    }
    free(chat);
    if (!buf || len < 0) {
        free(buf);
        fail(NULL, e, "invalid_request",
             "this model's chat template is not one llama.cpp's built-in formatter knows; send a "
             "formatted prompt to /v1/completions instead");
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

static bool tokenize(struct gen *g, const struct gen_env *env, const char *text, struct gen_error *e)
{
    int32_t len = (int32_t)strlen(text);
    bool add_special = llama_vocab_get_add_bos(env->vocab);
    int32_t cap = len + 8;
    g->tokens = malloc((size_t)cap * sizeof *g->tokens);
    int32_t n = g->tokens ? llama_tokenize(env->vocab, text, len, g->tokens, cap, add_special, true)
                          : INT32_MIN;
    if (n == INT32_MIN || n < 0) {
        fail(NULL, e, "engine_failed", "tokenizing the prompt failed");
        return false;
    }
    if (n == 0) { /* nothing to condition on: start from BOS if the model has one */
        llama_token bos = llama_vocab_bos(env->vocab);
        if (bos == LLAMA_TOKEN_NULL) {
            fail(NULL, e, "invalid_request", "the prompt is empty and this model has no BOS token");
            return false;
        }
        g->tokens[0] = bos;
        n = 1;
    }
    g->n_tokens = n;
    return true;
}

static bool read_stop(struct gen *g, const json_t *stop, struct gen_error *e)
{
    if (!stop || json_is_null(stop))
        return true;
    if (!json_is_array(stop) || json_array_size(stop) > SY_STOP_MAX) {
        fail(NULL, e, "invalid_request", "stop must be an array of at most %d strings", SY_STOP_MAX);
        return false;
    }
    g->stop = calloc(json_array_size(stop) + 1, sizeof *g->stop);
    for (size_t i = 0; g->stop && i < json_array_size(stop); i++) {
        const json_t *s = json_array_get(stop, i);
        if (!json_is_string(s) || json_string_length(s) == 0) {
            fail(NULL, e, "invalid_request", "stop[%zu] must be a non-empty string", i);
            return false;
        }
        char *copy = strndup(json_string_value(s), json_string_length(s));
        if (!copy) {
            fail(NULL, e, "engine_failed", "out of memory");
            return false;
        }
        g->stop[g->n_stop++] = copy;
    }
    return g->stop != NULL;
}

static float number(const json_t *frame, const char *key, float def)
{
    const json_t *v = json_object_get(frame, key);
    return json_is_number(v) ? (float)json_number_value(v) : def;
}

struct gen *gen_from_frame(const json_t *frame, const struct gen_env *env, struct gen_error *e)
{
    memset(e, 0, sizeof *e);
    const json_t *idv = json_object_get(frame, "id");
    if (!json_is_integer(idv) || json_integer_value(idv) < 0)
        return fail(NULL, e, "invalid_request", "generate needs a non-negative integer id");
    e->has_id = true;
    e->id = (uint64_t)json_integer_value(idv);
    struct gen *g = calloc(1, sizeof *g);
    if (!g)
        return fail(NULL, e, "engine_failed", "out of memory");
    g->id = e->id;

    const json_t *prompt = json_object_get(frame, "prompt");
    const json_t *messages = json_object_get(frame, "messages");
    if ((prompt != NULL) == (messages != NULL) || (prompt && !json_is_string(prompt)) ||
        (messages && !json_is_array(messages)))
        return fail(g, e, "invalid_request", "generate needs a string prompt or a messages array");
    const json_t *mt = json_object_get(frame, "max_tokens");
    if (mt && (!json_is_integer(mt) || json_integer_value(mt) < 1 ||
               json_integer_value(mt) > 1 << 24))
        return fail(g, e, "invalid_request", "max_tokens must be an integer >= 1");
    g->max_tokens = mt ? (int)json_integer_value(mt) : 0;
    g->greedy = json_is_true(json_object_get(frame, "greedy"));
    g->temperature = number(frame, "temperature", 1.0f);
    g->top_p = number(frame, "top_p", 1.0f);
    g->top_k = (int)number(frame, "top_k", 0.0f);
    g->repetition_penalty = number(frame, "repetition_penalty", 1.0f);
    g->presence_penalty = number(frame, "presence_penalty", 0.0f);
    g->frequency_penalty = number(frame, "frequency_penalty", 0.0f);
    const json_t *seed = json_object_get(frame, "seed");
    if (json_is_integer(seed)) {
        g->has_seed = true;
        g->seed = (uint32_t)json_integer_value(seed);
    }
    if (!read_stop(g, json_object_get(frame, "stop"), e)) {
        gen_free(g);
        return NULL;
    }

    char *text = messages ? apply_template(env, messages, e) : strdup(json_string_value(prompt));
    if (!text) {
        gen_free(g);
        return e->code ? NULL : fail(NULL, e, "engine_failed", "out of memory");
    }
    bool ok = tokenize(g, env, text, e);
    free(text);
    if (!ok) {
        gen_free(g);
        return NULL;
    }
    if (g->n_tokens >= env->n_ctx)
        return fail(g, e, "context_length_exceeded",
                    "the prompt is %d tokens, but the context is %d tokens per request; shorten "
                    "the prompt or raise context_size",
                    g->n_tokens, env->n_ctx);
    if (g->max_tokens && g->n_tokens + g->max_tokens > env->n_ctx)
        return fail(g, e, "context_length_exceeded",
                    "the prompt is %d tokens and max_tokens asks for %d more, but the context is "
                    "%d tokens per request; ask for at most %d tokens",
                    g->n_tokens, g->max_tokens, env->n_ctx, env->n_ctx - g->n_tokens);
    return g;
}

struct llama_sampler *gen_sampler(const struct gen *g)
{
    struct llama_sampler_chain_params cp = llama_sampler_chain_default_params();
    cp.no_perf = true;
    struct llama_sampler *chain = llama_sampler_chain_init(cp);
    if (!chain)
        return NULL;
    if (g->repetition_penalty != 1.0f || g->presence_penalty != 0.0f || g->frequency_penalty != 0.0f)
        llama_sampler_chain_add(chain, llama_sampler_init_penalties(64, g->repetition_penalty,
                                                                    g->frequency_penalty,
                                                                    g->presence_penalty));
    if (g->greedy || g->temperature <= 0.0f) {
        llama_sampler_chain_add(chain, llama_sampler_init_greedy());
        return chain;
    }
    if (g->top_k > 0)
        llama_sampler_chain_add(chain, llama_sampler_init_top_k(g->top_k));
    if (g->top_p < 1.0f)
        llama_sampler_chain_add(chain, llama_sampler_init_top_p(g->top_p, 1));
    llama_sampler_chain_add(chain, llama_sampler_init_temp(g->temperature));
    llama_sampler_chain_add(chain, llama_sampler_init_dist(g->has_seed ? g->seed : LLAMA_DEFAULT_SEED));
    return chain;
}
