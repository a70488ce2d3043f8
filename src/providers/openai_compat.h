/* openai_compat.h -- a provider for any upstream that speaks the OpenAI API
 * (vLLM, llama-server, OpenAI, another Switchyard), an Ollama server's own
 * API, or Hugging Face Inference Providers (kind "hf": chat through the
 * router's OpenAI-compatible /v1, other tasks through hf-inference's task
 * endpoints, for the Hub models whose inferenceProviderMapping says so; see
 * upstream_request.h and hf_mapping.h).
 *
 * Models are the upstream's GET /models (cached for a minute) plus the
 * configured aliases. Text generation goes to /chat/completions (messages) or
 * /completions (a prompt), always streamed from the upstream and relayed as
 * events while it arrives, whatever the client asked for; a cancelled job
 * aborts its transfer. All transfers share one libcurl multi handle on one
 * thread; a second thread checks the upstream's health every minute.
 *
 * Safety: the URL comes from configuration only; http and https only;
 * redirects are not followed (the key could leak to another host); every
 * answer is capped in decoded bytes; the key is read from the environment once
 * and never logged. Upstream errors keep their meaning: 4xx stays 4xx with the
 * upstream's message, 5xx and failed connections are 502, deadlines 504, each
 * naming the provider. */
#ifndef SY_OPENAI_COMPAT_H
#define SY_OPENAI_COMPAT_H

#include "app/provider_config.h"
#include "providers/provider.h"

#define SY_UPSTREAM_LIST_TTL_MS 60000        /* how long a model list is trusted */
#define SY_UPSTREAM_HEALTH_PERIOD_MS 60000   /* background health checks */
#define SY_UPSTREAM_RETRY_MS 5000            /* a failed upstream is not asked again sooner */
#define SY_UPSTREAM_ANSWER_MAX (64u << 20)   /* decoded bytes of one answer */
#define SY_UPSTREAM_MEDIA_MAX SY_CALL_MEDIA_MAX /* decoded bytes of a video or song */
#define SY_UPSTREAM_LIST_MAX (8u << 20)      /* decoded bytes of a model list */
#define SY_UPSTREAM_EVENT_MAX (1u << 20)     /* bytes of one streamed event */
#define SY_UPSTREAM_URL_MAX 1024             /* base URL, path and model id */

struct catalog;

/* Fills *out as the provider cfg describes (copied). Reads the key from the
 * variable cfg->api_key_env names. catalog (borrowed, may be NULL) is where
 * kind "hf" learns what the Hub's models do; the key is never sent to the Hub.
 * Returns: SY_OK; SY_EINVAL when that variable is not set; SY_ENOMEM; SY_EIO
 * if its threads cannot start. */
sy_code openai_provider_create(const struct sy_provider_config *cfg, struct catalog *catalog,
                               struct sy_provider *out, struct sy_err *err);

#endif
