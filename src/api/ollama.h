/* ollama.h -- the Ollama API surface, served by Switchyard itself, so Ollama
 * clients (the ollama CLI with OLLAMA_HOST, ollama-python, ollama-js, Open
 * WebUI) work unchanged against local models.
 *
 * POST /api/chat, /api/generate   NDJSON streams (or one object with
 *                                 "stream": false), Ollama's fields and
 *                                 nanosecond durations; an empty prompt loads
 *                                 the model, keep_alive 0 unloads it
 * POST /api/embed (and the older /api/embeddings) over models that embed;
 * GET /api/tags, /api/ps, /api/version; POST /api/show, /api/pull;
 * DELETE /api/delete; GET / and HEAD / ("Ollama is running").
 * Errors are {"error": "message"}; after a stream began, a final
 * {"error": ...} line. */
#ifndef SY_OLLAMA_H
#define SY_OLLAMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http/exchange.h"

void ollama_chat(struct http_exchange *ex, void *app);     /* POST /api/chat */
void ollama_generate(struct http_exchange *ex, void *app); /* POST /api/generate */
void ollama_embed(struct http_exchange *ex, void *app);    /* POST /api/embed */
void ollama_embeddings(struct http_exchange *ex, void *app); /* POST /api/embeddings (legacy) */
void ollama_tags(struct http_exchange *ex, void *app);     /* GET /api/tags */
void ollama_show(struct http_exchange *ex, void *app);     /* POST /api/show */
void ollama_ps(struct http_exchange *ex, void *app);       /* GET /api/ps */
void ollama_pull(struct http_exchange *ex, void *app);     /* POST /api/pull */
void ollama_delete(struct http_exchange *ex, void *app);   /* DELETE /api/delete */
void ollama_version(struct http_exchange *ex, void *app);  /* GET /api/version */
void ollama_root(struct http_exchange *ex, void *app);     /* GET / and HEAD / */

/* Returns: whether name is an option about how to run the model (num_ctx,
 * num_thread, ...), which this server's configuration decides: accepted and
 * not applied. */
bool ollama_run_option(const char *name);

/* Returns: nanoseconds from a to b, Ollama's unit for durations; 0 if a
 * never happened (all zero). */
int64_t ollama_ns_between(const struct timespec *a, const struct timespec *b);

/* Writes Ollama's timestamp for now (RFC 3339, UTC, nanoseconds) into out. */
void ollama_now(char *out, size_t size);

/* Copies the model name a client sent into out, without a ":latest" tag
 * (Ollama's default tag; our ids have none). Returns 0, or -1 if too long. */
int ollama_model_name(const char *name, char *out, size_t size);

#endif
