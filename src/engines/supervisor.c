/* supervisor.c -- one worker process per model, jobs multiplexed over its socket.
 *
 * Each started worker is a `run`: the process, its socket, an outbound queue
 * drained by the run's writer thread, and the jobs open on it. The run's reader
 * thread turns the worker's frames into events. Only two threads ever touch a
 * run's socket: the writer writes, the reader reads; nobody else blocks on the
 * worker. When the reader sees the socket close, it stops the writer, reaps
 * the process and fails every job still open, then frees the run.
 *
 * Ownership of a job's final event: whoever removes the job from run->jobs
 * (under sup->lock) emits its terminal event and releases its sink. The reader
 * emits non-terminal events outside the lock; that is safe because only the
 * reader removes jobs the worker has seen (the writer removes a job only when
 * its frame could not be sent at all, so the worker never saw it). */
#include "engines/supervisor.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engines/frame.h"
#include "engines/worker_proc.h"
#include "util/limits.h"
#include "util/log.h"

struct job {
    uint64_t id;
    struct sy_sink sink;
    bool cancelled;
    struct job *next;
};

struct outgoing {
    json_t *frame;
    uint64_t job_id; /* 0 for frames that belong to no job */
    struct outgoing *next;
};

struct engine;

struct run {
    struct supervisor *sup;
    struct engine *eng;
    struct worker_proc proc;
    struct outgoing *out_head, *out_tail;
    pthread_cond_t out_cond;
    bool stopping;   /* the reader is done; the writer must exit */
    pthread_t writer;
    struct job *jobs; /* open jobs, oldest first */
    bool ready;
    char fatal[SY_ERR_MSG_MAX]; /* the worker's `fatal` message, if it sent one */
};

struct engine {
    char path[PATH_MAX];
    char model_id[SY_MODEL_ID_MAX + 1];
    struct run *run; /* NULL when no worker runs */
    struct engine *next;
};

struct supervisor {
    pthread_mutex_t lock;
    pthread_cond_t readers_changed;
    unsigned n_readers;
    uint64_t next_id;
    bool closing;
    struct engine *engines;
    char worker[PATH_MAX];
    char log_level[16];
    unsigned threads, ctx_size, slots, batch;
};

/* ---- jobs ------------------------------------------------------------------------------- */

static struct job *job_find(struct run *run, uint64_t id)
{
    for (struct job *j = run->jobs; j; j = j->next)
        if (j->id == id)
            return j;
    return NULL;
}

/* Unlinks job id from run; caller holds sup->lock. Returns it or NULL. */
static struct job *job_take(struct run *run, uint64_t id)
{
    for (struct job **p = &run->jobs; *p; p = &(*p)->next) {
        if ((*p)->id == id) {
            struct job *j = *p;
            *p = j->next;
            j->next = NULL;
            return j;
        }
    }
    return NULL;
}

/* Emits a final event and frees the job. Called without sup->lock. */
static void job_finish(struct job *job, const struct sy_event *ev)
{
    job->sink.emit(job->sink.ctx, ev);
    job->sink.release(job->sink.ctx);
    free(job);
}

static void job_fail(struct job *job, sy_code code, const char *msg)
{
    struct sy_err err;
    sy_errf(&err, code, "%s", msg);
    struct sy_event ev = {.type = SY_EVENT_ERROR, .err = &err};
    job_finish(job, &ev);
}

/* ---- the writer thread ------------------------------------------------------------------ */

/* Queues frame (ownership taken) for the run's writer. Caller holds sup->lock. */
static void run_enqueue(struct run *run, json_t *frame, uint64_t job_id)
{
    struct outgoing *o = calloc(1, sizeof *o);
    if (!o) {
        json_decref(frame);
        log_error("out of memory queueing a frame for %s", run->eng->model_id);
        return;
    }
    o->frame = frame;
    o->job_id = job_id;
    if (run->out_tail)
        run->out_tail->next = o;
    else
        run->out_head = o;
    run->out_tail = o;
    pthread_cond_signal(&run->out_cond);
}

static void *writer_main(void *arg)
{
    struct run *run = arg;
    struct supervisor *sup = run->sup;
    for (;;) {
        pthread_mutex_lock(&sup->lock);
        while (!run->out_head && !run->stopping)
            pthread_cond_wait(&run->out_cond, &sup->lock);
        if (run->stopping) {
            pthread_mutex_unlock(&sup->lock);
            return NULL;
        }
        struct outgoing *o = run->out_head;
        run->out_head = o->next;
        if (!run->out_head)
            run->out_tail = NULL;
        pthread_mutex_unlock(&sup->lock);

        struct sy_err err;
        sy_code rc = frame_write_json(run->proc.fd, o->frame, &err);
        if (rc == SY_ETOOLARGE && o->job_id) {
            /* Nothing was written: the worker never saw this job. */
            pthread_mutex_lock(&sup->lock);
            struct job *job = job_take(run, o->job_id);
            pthread_mutex_unlock(&sup->lock);
            if (job)
                job_fail(job, SY_ETOOLARGE, "the request is too large to hand to the engine");
        } else if (rc != SY_OK) {
            /* The socket is broken: make sure the reader sees the end too. */
            log_warn("worker for %s: %s", run->eng->model_id, err.msg);
            worker_proc_signal(&run->proc, SIGKILL);
        }
        json_decref(o->frame);
        free(o);
    }
}

/* ---- the reader thread ------------------------------------------------------------------ */

static sy_code code_from_worker(const char *code)
{
    if (strcmp(code, "context_length_exceeded") == 0)
        return SY_ECONTEXT;
    if (strcmp(code, "invalid_request") == 0)
        return SY_EINVAL;
    return SY_EENGINE;
}

static enum sy_finish finish_from_worker(const char *reason)
{
    if (strcmp(reason, "length") == 0)
        return SY_FINISH_LENGTH;
    if (strcmp(reason, "cancelled") == 0)
        return SY_FINISH_CANCELLED;
    return SY_FINISH_STOP;
}

/* Turns one job-scoped frame into an event. Returns false on a malformed frame. */
static bool event_from_frame(const char *type, const json_t *msg, struct sy_event *ev,
                             struct sy_err *err)
{
    memset(ev, 0, sizeof *ev);
    if (strcmp(type, "started") == 0) {
        ev->type = SY_EVENT_START;
        ev->usage.prompt_tokens = (long)json_integer_value(json_object_get(msg, "prompt_tokens"));
        return true;
    }
    if (strcmp(type, "token") == 0) {
        const json_t *text = json_object_get(msg, "text");
        if (!json_is_string(text))
            return false;
        ev->type = SY_EVENT_TOKEN;
        ev->text = json_string_value(text);
        ev->len = json_string_length(text);
        return true;
    }
    if (strcmp(type, "done") == 0) {
        const char *reason = json_string_value(json_object_get(msg, "finish_reason"));
        if (!reason)
            return false;
        ev->type = SY_EVENT_DONE;
        ev->finish = finish_from_worker(reason);
        ev->usage.prompt_tokens = (long)json_integer_value(json_object_get(msg, "prompt_tokens"));
        ev->usage.completion_tokens =
            (long)json_integer_value(json_object_get(msg, "completion_tokens"));
        ev->usage.prompt_ms = json_number_value(json_object_get(msg, "prompt_ms"));
        ev->usage.decode_ms = json_number_value(json_object_get(msg, "decode_ms"));
        return true;
    }
    if (strcmp(type, "error") == 0) {
        const char *code = json_string_value(json_object_get(msg, "code"));
        const char *text = json_string_value(json_object_get(msg, "message"));
        if (!code || !text)
            return false;
        sy_errf(err, code_from_worker(code), "%s", text);
        ev->type = SY_EVENT_ERROR;
        ev->err = err;
        return true;
    }
    return false;
}

/* Handles one frame. Returns false if the worker broke the protocol. */
static bool reader_dispatch(struct run *run, const json_t *msg)
{
    struct supervisor *sup = run->sup;
    const char *type = frame_type(msg);
    if (strcmp(type, "ready") == 0) {
        pthread_mutex_lock(&sup->lock);
        run->ready = true;
        pthread_mutex_unlock(&sup->lock);
        log_info("model %s loaded in %lld ms (context %lld tokens per slot, %lld slots)",
                 run->eng->model_id, (long long)json_integer_value(json_object_get(msg, "load_ms")),
                 (long long)json_integer_value(json_object_get(msg, "n_ctx")),
                 (long long)json_integer_value(json_object_get(msg, "n_slots")));
        return true;
    }
    if (strcmp(type, "fatal") == 0) {
        const char *text = json_string_value(json_object_get(msg, "message"));
        pthread_mutex_lock(&sup->lock);
        snprintf(run->fatal, sizeof run->fatal, "%s", text ? text : "no reason given");
        pthread_mutex_unlock(&sup->lock);
        return true;
    }
    const json_t *idv = json_object_get(msg, "id");
    if (!json_is_integer(idv))
        return false;
    uint64_t id = (uint64_t)json_integer_value(idv);
    struct sy_err err;
    struct sy_event ev;
    if (!event_from_frame(type, msg, &ev, &err))
        return false;
    bool terminal = ev.type == SY_EVENT_DONE || ev.type == SY_EVENT_ERROR;
    pthread_mutex_lock(&sup->lock);
    struct job *job = terminal ? job_take(run, id) : job_find(run, id);
    pthread_mutex_unlock(&sup->lock);
    if (!job) {
        log_debug("worker for %s sent %s for unknown job %llu", run->eng->model_id, type,
                  (unsigned long long)id);
        return true;
    }
    if (terminal)
        job_finish(job, &ev);
    else
        job->sink.emit(job->sink.ctx, &ev);
    return true;
}

static void *reader_main(void *arg)
{
    struct run *run = arg;
    struct supervisor *sup = run->sup;
    struct engine *eng = run->eng;
    for (;;) {
        json_t *msg = NULL;
        struct sy_err err;
        sy_code rc = frame_read_json(run->proc.fd, &msg, &err);
        if (rc == SY_EINVAL || (rc == SY_OK && !reader_dispatch(run, msg))) {
            log_error("worker for %s broke the protocol (%s); stopping it", eng->model_id,
                      rc == SY_OK ? "malformed message" : err.msg);
            worker_proc_signal(&run->proc, SIGKILL);
        }
        json_decref(msg);
        if (rc != SY_OK && rc != SY_EINVAL)
            break;
    }

    pthread_mutex_lock(&sup->lock);
    run->stopping = true;
    pthread_cond_signal(&run->out_cond);
    pthread_mutex_unlock(&sup->lock);
    pthread_join(run->writer, NULL);
    worker_proc_close_socket(&run->proc);
    char how[128];
    worker_proc_reap(&run->proc, 2000, how, sizeof how);

    pthread_mutex_lock(&sup->lock);
    if (eng->run == run)
        eng->run = NULL;
    struct job *jobs = run->jobs;
    run->jobs = NULL;
    bool was_ready = run->ready, closing = sup->closing;
    pthread_mutex_unlock(&sup->lock);

    char msg[SY_ERR_MSG_MAX * 2]; /* sy_errf trims it to SY_ERR_MSG_MAX */
    if (run->fatal[0])
        snprintf(msg, sizeof msg, "model '%s' failed to load: %s", eng->model_id, run->fatal);
    else if (closing)
        snprintf(msg, sizeof msg, "the server is shutting down; model '%s' was stopped",
                 eng->model_id);
    else if (!was_ready)
        snprintf(msg, sizeof msg, "the engine for model '%s' %s while loading it", eng->model_id,
                 how);
    else
        snprintf(msg, sizeof msg,
                 "the engine for model '%s' %s during this request; the next request restarts it",
                 eng->model_id, how);
    if (jobs || !closing)
        log_warn("worker for %s %s%s", eng->model_id, how, jobs ? "; failing its open requests" : "");
    while (jobs) {
        struct job *next = jobs->next;
        job_fail(jobs, SY_EENGINE, msg);
        jobs = next;
    }
    while (run->out_head) {
        struct outgoing *o = run->out_head;
        run->out_head = o->next;
        json_decref(o->frame);
        free(o);
    }
    pthread_cond_destroy(&run->out_cond);
    free(run);

    pthread_mutex_lock(&sup->lock);
    sup->n_readers--;
    pthread_cond_broadcast(&sup->readers_changed);
    pthread_mutex_unlock(&sup->lock);
    return NULL;
}

/* ---- starting workers ------------------------------------------------------------------- */

/* Starts a worker for eng. Caller holds sup->lock. */
static sy_code run_start(struct supervisor *sup, struct engine *eng, struct sy_err *err)
{
    char threads[16], ctx[16], slots[16], batch[16];
    snprintf(threads, sizeof threads, "%u", sup->threads);
    snprintf(ctx, sizeof ctx, "%u", sup->ctx_size);
    snprintf(slots, sizeof slots, "%u", sup->slots);
    snprintf(batch, sizeof batch, "%u", sup->batch);
    char *argv[] = {sup->worker, "--fd", "3", "--model", eng->path, "--threads", threads,
                    "--ctx-size", ctx, "--slots", slots, "--batch", batch,
                    "--log-level", sup->log_level, NULL};

    struct run *run = calloc(1, sizeof *run);
    if (!run)
        return sy_errf(err, SY_ENOMEM, "out of memory starting a worker");
    run->sup = sup;
    run->eng = eng;
    pthread_cond_init(&run->out_cond, NULL);
    struct sy_err spawn_err;
    if (worker_proc_spawn(argv, &run->proc, &spawn_err) != SY_OK) {
        pthread_cond_destroy(&run->out_cond);
        free(run);
        return sy_errf(err, SY_EENGINE, "cannot start the engine for model '%s': %s",
                       eng->model_id, spawn_err.msg);
    }
    if (pthread_create(&run->writer, NULL, writer_main, run) != 0)
        goto fail_threads;
    pthread_t reader;
    if (pthread_create(&reader, NULL, reader_main, run) != 0) {
        run->stopping = true;
        pthread_cond_signal(&run->out_cond);
        pthread_mutex_unlock(&sup->lock);
        pthread_join(run->writer, NULL);
        pthread_mutex_lock(&sup->lock);
        goto fail_threads;
    }
    pthread_detach(reader);
    sup->n_readers++;
    eng->run = run;
    log_info("starting engine for %s (pid %d)", eng->model_id, (int)run->proc.pid);
    return SY_OK;

fail_threads:
    worker_proc_close_socket(&run->proc);
    worker_proc_reap(&run->proc, 0, NULL, 0);
    pthread_cond_destroy(&run->out_cond);
    free(run);
    return sy_errf(err, SY_EENGINE, "cannot start threads for model '%s'", eng->model_id);
}

static struct engine *engine_find(struct supervisor *sup, const char *path)
{
    for (struct engine *e = sup->engines; e; e = e->next)
        if (strcmp(e->path, path) == 0)
            return e;
    return NULL;
}

/* ---- public API ------------------------------------------------------------------------- */

sy_code supervisor_create(const struct supervisor_config *cfg, struct supervisor **out,
                          struct sy_err *err)
{
    struct supervisor *sup = calloc(1, sizeof *sup);
    if (!sup)
        return sy_errf(err, SY_ENOMEM, "out of memory creating the supervisor");
    pthread_mutex_init(&sup->lock, NULL);
    pthread_cond_init(&sup->readers_changed, NULL);
    snprintf(sup->worker, sizeof sup->worker, "%s", cfg->llama_worker);
    snprintf(sup->log_level, sizeof sup->log_level, "%s", cfg->log_level ? cfg->log_level : "warn");
    sup->threads = cfg->threads;
    sup->ctx_size = cfg->ctx_size;
    sup->slots = cfg->slots;
    sup->batch = cfg->batch;
    *out = sup;
    return SY_OK;
}

sy_code supervisor_submit(struct supervisor *sup, const char *model_id, const char *path,
                          const json_t *generate, struct sy_sink sink, uint64_t *job_id,
                          struct sy_err *err)
{
    sy_code rc = SY_OK;
    json_t *frame = json_deep_copy(generate);
    struct job *job = calloc(1, sizeof *job);
    if (!frame || !job) {
        rc = sy_errf(err, SY_ENOMEM, "out of memory submitting a request");
        goto fail;
    }
    pthread_mutex_lock(&sup->lock);
    if (sup->closing) {
        pthread_mutex_unlock(&sup->lock);
        rc = sy_errf(err, SY_EENGINE, "the server is shutting down");
        goto fail;
    }
    struct engine *eng = engine_find(sup, path);
    if (!eng) {
        eng = calloc(1, sizeof *eng);
        if (!eng) {
            pthread_mutex_unlock(&sup->lock);
            rc = sy_errf(err, SY_ENOMEM, "out of memory submitting a request");
            goto fail;
        }
        snprintf(eng->path, sizeof eng->path, "%s", path);
        snprintf(eng->model_id, sizeof eng->model_id, "%s", model_id);
        eng->next = sup->engines;
        sup->engines = eng;
    }
    if (!eng->run && (rc = run_start(sup, eng, err)) != SY_OK) {
        pthread_mutex_unlock(&sup->lock);
        goto fail;
    }
    job->id = ++sup->next_id;
    job->sink = sink;
    struct job **tail = &eng->run->jobs;
    while (*tail)
        tail = &(*tail)->next;
    *tail = job;
    json_object_set_new(frame, "type", json_string("generate"));
    json_object_set_new(frame, "id", json_integer((json_int_t)job->id));
    run_enqueue(eng->run, frame, job->id);
    *job_id = job->id;
    pthread_mutex_unlock(&sup->lock);
    return SY_OK;

fail:
    json_decref(frame);
    free(job);
    sink.release(sink.ctx);
    return rc;
}

void supervisor_cancel(struct supervisor *sup, uint64_t job_id)
{
    pthread_mutex_lock(&sup->lock);
    for (struct engine *e = sup->engines; e; e = e->next) {
        struct job *job = e->run ? job_find(e->run, job_id) : NULL;
        if (!job)
            continue;
        if (!job->cancelled) {
            job->cancelled = true;
            run_enqueue(e->run, json_pack("{s:s, s:I}", "type", "cancel", "id", (json_int_t)job_id),
                        0);
        }
        break;
    }
    pthread_mutex_unlock(&sup->lock);
}

enum engine_state supervisor_state(struct supervisor *sup, const char *path)
{
    pthread_mutex_lock(&sup->lock);
    struct engine *eng = engine_find(sup, path);
    enum engine_state state = !eng || !eng->run ? ENGINE_STOPPED
                              : eng->run->ready ? ENGINE_READY
                                                : ENGINE_LOADING;
    pthread_mutex_unlock(&sup->lock);
    return state;
}

pid_t supervisor_worker_pid(struct supervisor *sup, const char *path)
{
    pthread_mutex_lock(&sup->lock);
    struct engine *eng = engine_find(sup, path);
    pid_t pid = eng && eng->run ? eng->run->proc.pid : 0;
    pthread_mutex_unlock(&sup->lock);
    return pid;
}

/* Waits until no reader runs or deadline passes. Caller holds sup->lock. */
static bool wait_readers(struct supervisor *sup, int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    while (sup->n_readers > 0)
        if (pthread_cond_timedwait(&sup->readers_changed, &sup->lock, &deadline) == ETIMEDOUT)
            return sup->n_readers == 0;
    return true;
}

void supervisor_destroy(struct supervisor *sup)
{
    if (!sup)
        return;
    pthread_mutex_lock(&sup->lock);
    sup->closing = true;
    for (struct engine *e = sup->engines; e; e = e->next)
        if (e->run)
            run_enqueue(e->run, json_pack("{s:s}", "type", "shutdown"), 0);
    if (!wait_readers(sup, 2000)) {
        for (struct engine *e = sup->engines; e; e = e->next)
            if (e->run)
                worker_proc_signal(&e->run->proc, SIGKILL);
        wait_readers(sup, 60000);
    }
    pthread_mutex_unlock(&sup->lock);
    while (sup->engines) {
        struct engine *next = sup->engines->next;
        free(sup->engines);
        sup->engines = next;
    }
    pthread_cond_destroy(&sup->readers_changed);
    pthread_mutex_destroy(&sup->lock);
    free(sup);
}
