/* upstream_options.h -- the provider options (provider_overrides) each kind of
 * remote upstream understands, as a JSON Schema and as a check.
 *
 * An Ollama server's request fields and `options` are a closed set, so
 * anything else is refused with the field named (a typo would otherwise be
 * ignored by Ollama). OpenAI-compatible upstreams each add extensions of
 * their own (vLLM's top_k, min_p, ...), so their schema documents OpenAI's
 * fields and lets others through. */
#ifndef SY_UPSTREAM_OPTIONS_H
#define SY_UPSTREAM_OPTIONS_H

#include <jansson.h>
#include <stdbool.h>

#include "util/err.h"

/* A new JSON Schema for the options of an Ollama (ollama) or OpenAI-compatible
 * upstream named provider. */
json_t *upstream_options_schema(bool ollama, const char *provider);

/* Returns: SY_OK; SY_EUNSUPPORTED naming "provider_overrides.<field>" (or
 * ".options.<field>") for an Ollama upstream given a field it does not know. */
sy_code upstream_options_check(bool ollama, const char *provider, const json_t *overrides,
                               struct sy_err *err);

#endif
