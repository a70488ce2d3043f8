/* remote.h -- (internal to src/providers) the parts of the remote provider
 * (openai_compat.c) that its files share: the provider, its cached model
 * list, and one relayed transfer.
 *
 * openai_compat.c: the provider's life, submitting and cancelling, and the
 * libcurl multi loop every transfer runs on. remote_models.c: the upstream's
 * model list, health, and what each model is (describe, list).
 * remote_answer.c: reading an upstream's answer in its dialect into events.
 * remote_job.c: the steps of a long job (a video): create, poll, download.
 * Thread-safety: `lock` guards the provider's models, health and transfer
 * lists; a transfer's own fields belong to the loop thread once submitted. */
#ifndef SY_REMOTE_H
#define SY_REMOTE_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "app/provider_config.h"
#include "providers/openai_compat.h"
#include "providers/provider.h"
#include "providers/sse_reader.h"
#include "providers/upstream_request.h"
#include "util/buf.h"

struct upstream_model {
    char id[SY_MODEL_ID_MAX + 1];
    uint64_t context_length; /* 0 if the upstream does not say */
    int64_t created;
    bool text;               /* generates text (unless the upstream says otherwise) */
    bool embeds;             /* makes embeddings (unless the upstream says otherwise) */
    uint64_t embedding_length; /* its vectors' floats, if the upstream says; else 0 */
    char problem[SY_ERR_MSG_MAX / 2]; /* the upstream's own word that it cannot run, or "" */
};

struct transfer;

/* Where a long job (OpenAI's /videos) is: each step is one request. */
enum job_step {
    JOB_NONE,    /* not a job: one request answers */
    JOB_CREATE,  /* POST /videos */
    JOB_POLL,    /* GET /videos/{id} */
    JOB_CONTENT, /* GET /videos/{id}/content */
};

struct openai_provider {
    struct sy_provider_config cfg;
    enum upstream_dialect dialect;
    struct catalog *catalog; /* the Hub's model info (the hf dialect's task models); may be NULL */
    struct curl_slist *auth; /* the Authorization header, or NULL; never logged */

    pthread_mutex_t lock;        /* models, health, transfers, stopping */
    pthread_mutex_t list_lock;   /* one model-list request at a time */
    struct upstream_model *models;
    size_t n_models;
    int64_t listed_at_ms;        /* 0: never listed successfully */
    sy_code last_code;           /* of the last failed list */
    struct sy_provider_health health;

    CURLM *multi;
    pthread_t loop, checker;
    bool loop_started, checker_started;
    bool stopping;
    pthread_cond_t stop_cond;    /* wakes the health checker to stop */
    struct transfer *pending;    /* submitted, not yet on the multi handle */
    struct transfer *active;     /* on the multi handle */
    struct transfer *waiting;    /* a job's, between its requests (until t->due) */
    uint64_t next_job;
};

struct transfer {
    struct openai_provider *p;
    struct transfer *next;
    uint64_t job;
    atomic_bool cancel;
    CURL *easy;
    struct curl_slist *headers;
    char *body;
    struct sy_sink sink;
    long status;                 /* HTTP status, once the headers are in */
    bool sse;                    /* the answer is an event stream */
    bool started;                /* START was emitted */
    bool finished;               /* a finish reason or [DONE] was seen */
    bool failed;                 /* an ERROR was emitted */
    bool embed;                  /* an embeddings request: one JSON answer */
    size_t n_inputs;             /* its inputs: as many vectors are due */
    bool image;                  /* an image request: one JSON answer with pictures */
    unsigned n_images;           /* pictures asked for */
    bool speech;                 /* text-to-speech: raw PCM, relayed as it arrives */
    bool has_odd_byte;           /* half a sample waits for its other byte */
    unsigned char odd_byte;
    bool transcribe;             /* speech recognition: one verbose_json answer */
    bool music;                  /* text-to-audio: the file's bytes */
    enum job_step step;          /* a video job's next answer; JOB_NONE otherwise */
    char job_id[128];            /* the upstream's id for the job */
    char job_state[16];          /* its last state and progress, as last told to the sink */
    double job_progress;
    struct timespec due;         /* CLOCK_MONOTONIC: a waiting job's next request */
    struct timespec deadline;    /* CLOCK_MONOTONIC: the whole job's (job_timeout) */
    size_t answer_max;           /* decoded bytes one answer may have */
    curl_mime *form;             /* its upload */
    double heard_s;              /* the audio it was sent, in seconds */
    char language[32];           /* the language the upstream heard, or "" */
    enum sy_finish finish;
    struct sy_usage usage;
    struct sse_reader reader;
    struct sy_buf whole;         /* a non-stream answer or an error body */
    size_t received;             /* decoded bytes of this answer so far */
    struct timespec t0, first;   /* submitted; first token */
    char errbuf[CURL_ERROR_SIZE];
};

/* Wall-clock milliseconds (for health timestamps). */
int64_t remote_now_ms(void);

/* Milliseconds since t (CLOCK_MONOTONIC). */
double remote_since_ms(const struct timespec *t);

/* ---- remote_models.c ---- */

/* Asks the upstream for its models and records the outcome as its health.
 * The caller holds p->list_lock. */
sy_code remote_refresh_list(struct openai_provider *p, struct sy_err *err);

/* The upstream's id for what a client wrote after the prefix (an alias's target). */
const char *remote_upstream_id(const struct openai_provider *p, const char *name);

/* The provider's describe, list and health (provider.h). */
sy_code remote_describe(void *self, const char *model, const char *variant,
                        struct sy_model_info *out, struct sy_err *err);
sy_code remote_list(void *self, struct sy_model_info **out, size_t *n, struct sy_err *err);
sy_code remote_health(void *self, bool check_now, struct sy_provider_health *out,
                      struct sy_err *err);

/* ---- remote_answer.c ---- */

/* START once (the job is under way), and an ERROR (at most one) to t's sink. */
void remote_emit_start(struct transfer *t);
void remote_emit_error(struct transfer *t, const struct sy_err *e);

/* libcurl's write callback for a transfer (ctx): the answer's bytes as they
 * arrive, read in the upstream's dialect and emitted as events. */
size_t remote_on_answer(char *ptr, size_t size, size_t n, void *ctx);

/* The transfer ended with curl's result cc: the final event (DONE or ERROR),
 * then the sink's release. */
void remote_transfer_finish(struct transfer *t, CURLcode cc);

/* ---- remote_job.c ---- */

/* Starts t as a video job: its first request (already set up on t->easy) is
 * the create; the whole job must end within the provider's job_timeout. */
void remote_job_begin(struct transfer *t);

/* A job's request ended (curl's result cc). Reads the answer; when the job
 * goes on, sets up its next request on t->easy (off the multi handle) and
 * t->due, and returns true: the caller puts t on p->waiting. Returns false
 * when the job is over, for remote_transfer_finish to end (an ERROR may
 * already have been emitted). */
bool remote_job_next(struct transfer *t, CURLcode cc);

/* Milliseconds until ts (CLOCK_MONOTONIC); 0 if it has passed. */
long remote_ms_until(const struct timespec *ts);

#endif
