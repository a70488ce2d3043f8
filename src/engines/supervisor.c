/* supervisor.c -- residency, recovery and the public API of the supervisor.
 *
 * Starting a model goes through ensure_running(): refuse a failed model or one
 * backing off after a crash, then make_room() within the memory budget
 * (stopping least-recently-used idle models and waiting for them to exit, so
 * a load never overlaps the memory it displaces), then run_start()
 * (supervisor_run.c). A keeper thread unloads models whose keep-alive ran out. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engines/supervisor_impl.h"
#include "util/log.h"

#define EVICTION_WAIT_MS 10000  /* longest a load waits for evicted workers to exit */
#define BACKOFF_CAP_MS 30000

static const char *mib(uint64_t bytes, char *buf, size_t size)
{
    snprintf(buf, size, "%.0f MiB", (double)bytes / (1024.0 * 1024.0));
    return buf;
}

/* ---- engines ---------------------------------------------------------------------------- */

static struct engine *engine_find(struct supervisor *sup, const char *path)
{
    for (struct engine *e = sup->engines; e; e = e->next)
        if (strcmp(e->path, path) == 0)
            return e;
    return NULL;
}

/* The engine for model, added if new; its id and estimate refreshed (the file
 * may have changed). Caller holds sup->lock. Returns NULL if out of memory. */
static struct engine *engine_get(struct supervisor *sup, const struct engine_model *model)
{
    struct engine *eng = engine_find(sup, model->path);
    if (!eng) {
        eng = calloc(1, sizeof *eng);
        if (!eng)
            return NULL;
        snprintf(eng->path, sizeof eng->path, "%s", model->path);
        eng->keep_alive_ms = sup->keep_alive_ms;
        eng->next = sup->engines;
        sup->engines = eng;
    }
    snprintf(eng->model_id, sizeof eng->model_id, "%s", model->id);
    eng->kind = model->kind;
    eng->memory = model->memory;
    return eng;
}

/* Open jobs on run; *active gets how many of them hold a slot. The worker
 * admits jobs to free slots in arrival order, so the oldest `slots` decode
 * and the rest wait (docs/PROTOCOL.md). */
static unsigned count_jobs(const struct run *run, unsigned *active)
{
    unsigned slots = run->slots;
    unsigned n = 0;
    for (const struct job *j = run->jobs; j; j = j->next)
        n++;
    if (active)
        *active = n < slots ? n : slots;
    return n;
}

/* ---- the thread budget ------------------------------------------------------------------ */

/* Whether run decodes now, or soon: it holds jobs and is not going away. */
static bool run_busy(const struct run *run)
{
    return run->jobs && !run->stop_sent;
}

static unsigned count_busy(const struct supervisor *sup)
{
    unsigned busy = 0;
    for (const struct engine *e = sup->engines; e; e = e->next)
        if (e->run && run_busy(e->run))
            busy++;
    return busy;
}

/* The threads a worker gets among `busy` busy ones: an equal share of the
 * budget (the first `budget % busy` one more), at least one. */
static unsigned thread_share(unsigned budget, unsigned busy, unsigned index)
{
    if (busy == 0)
        return budget;
    unsigned share = budget / busy + (index < budget % busy ? 1 : 0);
    return share ? share : 1;
}

/* Splits the thread budget among the busy workers, so two models decoding at
 * once never run a full pool each and fight over the cores. Idle workers keep
 * their share until they are busy again (they use no threads meanwhile).
 * Caller holds sup->lock; called whenever a run gains its first job or loses
 * its last. */
static void share_threads(struct supervisor *sup)
{
    unsigned busy = count_busy(sup), index = 0;
    for (struct engine *e = sup->engines; e; e = e->next) {
        struct run *run = e->run;
        if (!run || !run_busy(run))
            continue;
        unsigned want = thread_share(sup->threads, busy, index++);
        if (run->threads == want)
            continue;
        run->threads = want;
        run_enqueue(run, json_pack("{s:s, s:i}", "type", "threads", "n", (int)want), 0);
    }
}

/* What a new worker starts with: its share as if it were busy already. */
static unsigned threads_for_new_run(const struct supervisor *sup)
{
    unsigned busy = count_busy(sup);
    return thread_share(sup->threads, busy + 1, busy);
}

static bool run_idle(const struct run *run)
{
    return run->ready && !run->jobs && !run->stop_sent && !run->eng->load_waiters;
}

/* Monotonic ms at which eng unloads if it stays idle; 0 if it will not. */
static int64_t engine_expiry(const struct engine *eng)
{
    if (!eng->run || !run_idle(eng->run) || eng->keep_alive_ms < 0)
        return 0;
    return eng->last_used + eng->keep_alive_ms;
}

static enum sy_model_state engine_state_of(const struct engine *eng)
{
    if (eng->run)
        return eng->run->stop_sent ? SY_MODEL_UNLOADING
               : eng->run->ready   ? SY_MODEL_LOADED
                                   : SY_MODEL_LOADING;
    return eng->failed ? SY_MODEL_FAILED : SY_MODEL_UNLOADED;
}

/* ---- callbacks from the run threads (sup->lock held) ------------------------------------ */

struct job *engine_ready(struct supervisor *sup, struct run *run, double load_ms)
{
    struct engine *eng = run->eng;
    run->ready = true;
    eng->load_ms = load_ms;
    eng->last_used = sup_now_ms();
    sup->totals.loads++;
    struct job *waiters = eng->load_waiters;
    eng->load_waiters = NULL;
    pthread_cond_signal(&sup->keeper_wake);
    return waiters;
}

void engine_job_done(struct supervisor *sup, struct run *run, bool completed)
{
    struct engine *eng = run->eng;
    eng->last_used = sup_now_ms();
    if (completed)
        eng->crashes = 0; /* it works again: the next crash restarts at once */
    if (!run->jobs && run->drain)
        run_request_stop(run);
    if (!run->jobs)
        share_threads(sup);
    pthread_cond_signal(&sup->keeper_wake);
}

static int64_t backoff_ms(unsigned crashes)
{
    if (crashes <= 1)
        return 0;
    int64_t ms = 1000LL << (crashes - 2 < 5 ? crashes - 2 : 5);
    return ms < BACKOFF_CAP_MS ? ms : BACKOFF_CAP_MS;
}

static void append_list(struct job **list, struct job *more)
{
    while (*list)
        list = &(*list)->next;
    *list = more;
}

void engine_run_ended(struct supervisor *sup, struct run *run, const char *how,
                      struct job **fail, struct job **complete, char *msg, size_t msg_size)
{
    struct engine *eng = run->eng;
    if (eng->run == run)
        eng->run = NULL;
    *fail = eng->load_waiters;
    eng->load_waiters = NULL;
    append_list(fail, run->jobs);
    run->jobs = NULL;
    *complete = eng->unload_waiters;
    eng->unload_waiters = NULL;
    eng->last_used = sup_now_ms();
    share_threads(sup); /* its threads go to the models still busy */

    if (run->fatal[0]) {
        snprintf(msg, msg_size, "model '%s' failed to load: %s", eng->model_id, run->fatal);
        eng->failed = true;
        snprintf(eng->reason, sizeof eng->reason, "%s", msg);
        sup->totals.load_failures++;
        log_warn("%s", msg);
    } else if (sup->closing) {
        snprintf(msg, msg_size, "the server is shutting down; model '%s' was stopped",
                 eng->model_id);
    } else if (run->stop_sent) {
        snprintf(msg, msg_size, "model '%s' was unloaded before it finished loading",
                 eng->model_id);
        snprintf(eng->reason, sizeof eng->reason, "unloaded");
        log_info("model %s unloaded", eng->model_id);
    } else {
        if (run->stalled)
            how = run->stall_how;
        eng->crashes++;
        sup->totals.crashes++;
        if (!run->ready)
            snprintf(msg, msg_size, "the engine for model '%s' %s while loading it",
                     eng->model_id, how);
        else
            snprintf(msg, msg_size,
                     "the engine for model '%s' %s during this request; the next request "
                     "restarts it",
                     eng->model_id, how);
        if (eng->crashes >= sup->restart_limit) {
            eng->failed = true;
            snprintf(eng->reason, sizeof eng->reason,
                     "the engine crashed %u times in a row (last: %s); it is not restarted "
                     "until it is loaded again (POST /api/models/load)",
                     eng->crashes, how);
        } else {
            eng->restart_not_before = sup_now_ms() + backoff_ms(eng->crashes);
            snprintf(eng->reason, sizeof eng->reason, "the engine %s", how);
        }
        log_warn("worker for %s %s (crash %u in a row)%s", eng->model_id, how, eng->crashes,
                 eng->failed ? "; marking the model failed" : "");
    }
}

/* ---- residency -------------------------------------------------------------------------- */

/* Makes room in the budget for eng. Returns SY_OK with *wait false when it fits
 * now, with *wait true when idle models were asked to stop and the caller must
 * wait for them to exit; SY_ENOSPACE / SY_EUNAVAILABLE otherwise. */
static sy_code make_room(struct supervisor *sup, struct engine *eng, bool *wait,
                         struct sy_err *err)
{
    char a[32], b[32], c[32], d[32], e[32];
    const struct sy_memory_estimate *m = &eng->memory;
    *wait = false;
    if (m->total_bytes > sup->memory_budget)
        return sy_errp(err, SY_ENOSPACE, "model",
                       "model '%s' needs about %s (weights %s + KV cache %s for %u slots of "
                       "%u tokens + compute %s) but the memory budget is %s; lower "
                       "context_size or slots, or raise memory_budget",
                       eng->model_id, mib(m->total_bytes, a, sizeof a),
                       mib(m->weights_bytes, b, sizeof b), mib(m->kv_cache_bytes, c, sizeof c),
                       m->slots, m->ctx_per_slot, mib(m->compute_bytes, d, sizeof d),
                       mib(sup->memory_budget, e, sizeof e));
    uint64_t used = 0, stopping = 0, idle = 0;
    for (struct engine *x = sup->engines; x; x = x->next) {
        if (!x->run)
            continue;
        used += x->run->memory;
        if (x->run->stop_sent)
            stopping += x->run->memory;
        else if (run_idle(x->run))
            idle += x->run->memory;
    }
    if (used + m->total_bytes <= sup->memory_budget)
        return SY_OK;
    if (used - stopping - idle + m->total_bytes > sup->memory_budget) {
        sy_errp(err, SY_EUNAVAILABLE, "model",
                "model '%s' needs about %s but models that are busy hold %s of the %s memory "
                "budget; retry when their requests finish",
                eng->model_id, mib(m->total_bytes, a, sizeof a),
                mib(used - stopping - idle, b, sizeof b), mib(sup->memory_budget, c, sizeof c));
        err->retry_after_s = 2;
        return SY_EUNAVAILABLE;
    }
    *wait = true;
    uint64_t after = used - stopping;
    while (after + m->total_bytes > sup->memory_budget) {
        struct engine *lru = NULL;
        for (struct engine *x = sup->engines; x; x = x->next)
            if (x->run && run_idle(x->run) && (!lru || x->last_used < lru->last_used))
                lru = x;
        if (!lru)
            break; /* cannot happen: idle covered the shortfall */
        log_info("evicting %s (idle, %s) to make room for %s (%s)", lru->model_id,
                 mib(lru->run->memory, a, sizeof a), eng->model_id,
                 mib(m->total_bytes, b, sizeof b));
        run_request_stop(lru->run);
        sup->totals.evictions++;
        after -= lru->run->memory;
    }
    return SY_OK;
}

/* Waits on cond (a CLOCK_MONOTONIC condition) until deadline, monotonic ms. */
static void cond_wait_until(pthread_cond_t *cond, pthread_mutex_t *lock, int64_t deadline)
{
    struct timespec ts = {.tv_sec = deadline / 1000, .tv_nsec = (long)(deadline % 1000) * 1000000L};
    pthread_cond_timedwait(cond, lock, &ts);
}

/* Waits on readers_changed until deadline (monotonic ms). Caller holds sup->lock.
 * Returns false once the deadline has passed. */
static bool wait_run_end(struct supervisor *sup, int64_t deadline)
{
    if (deadline <= sup_now_ms())
        return false;
    cond_wait_until(&sup->readers_changed, &sup->lock, deadline);
    return true;
}

/* Makes sure a worker that is not stopping runs for eng. Caller holds
 * sup->lock, which may be released while waiting for other workers to exit. */
static sy_code ensure_running(struct supervisor *sup, struct engine *eng, struct sy_err *err)
{
    int64_t deadline = sup_now_ms() + EVICTION_WAIT_MS;
    for (;;) {
        if (sup->closing)
            return sy_errf(err, SY_EENGINE, "the server is shutting down");
        if (eng->run && !eng->run->stop_sent)
            return SY_OK;
        bool wait = eng->run != NULL; /* unloading: start afresh once it has exited */
        if (!wait) {
            if (eng->failed)
                return sy_errp(err, SY_EENGINE, "model",
                               "model '%s' failed: %s. Fix the cause, then load it again "
                               "(POST /api/models/load)",
                               eng->model_id, eng->reason);
            int64_t now = sup_now_ms();
            if (now < eng->restart_not_before) {
                sy_errp(err, SY_EUNAVAILABLE, "model",
                        "the engine for model '%s' crashed %u times in a row (%s); it restarts "
                        "in %.1f s",
                        eng->model_id, eng->crashes, eng->reason,
                        (double)(eng->restart_not_before - now) / 1000.0);
                err->retry_after_s = (double)(eng->restart_not_before - now) / 1000.0;
                return SY_EUNAVAILABLE;
            }
            sy_code rc = make_room(sup, eng, &wait, err);
            if (rc != SY_OK)
                return rc;
            if (!wait) {
                bool restart = eng->crashes > 0;
                rc = run_start(sup, eng, threads_for_new_run(sup), err);
                if (rc == SY_OK && restart) {
                    eng->restarts++;
                    sup->totals.restarts++;
                }
                return rc;
            }
        }
        if (!wait_run_end(sup, deadline)) {
            sy_errp(err, SY_EUNAVAILABLE, "model",
                    "model '%s' is waiting for other models to unload; retry shortly",
                    eng->model_id);
            err->retry_after_s = 1;
            return SY_EUNAVAILABLE;
        }
    }
}

static double estimated_load_s(const struct engine *eng)
{
    if (eng->load_ms > 0)
        return eng->load_ms / 1000.0;
    return 0.5 + (double)eng->memory.weights_bytes / 1e9; /* ~1 GB/s from the page cache */
}

/* ---- the keeper: keep-alive expiry ------------------------------------------------------ */

/* Kills workers that have said nothing for stall_ms while requests were open
 * on them (a hung engine); the crash path then fails those requests and the
 * next one restarts the model. Returns when the next check is due, 0 none.
 * Caller holds sup->lock. */
static int64_t check_stalls(struct supervisor *sup, int64_t now)
{
    int64_t next = 0;
    for (struct engine *e = sup->engines; sup->stall_ms > 0 && e; e = e->next) {
        struct run *run = e->run;
        /* Speech recognition may rightly say nothing for long (minutes of
         * silence make no segment); text generation always makes tokens. */
        if (e->kind != ENGINE_LLAMA || !run || !run->ready || !run->jobs || run->stalled ||
            run->stop_sent)
            continue;
        int64_t at = atomic_load(&run->last_output_ms) + sup->stall_ms;
        if (at > now) {
            if (!next || at < next)
                next = at;
            continue;
        }
        run->stalled = true;
        snprintf(run->stall_how, sizeof run->stall_how,
                 "said nothing for %.0f s with requests open (worker_stall_timeout) and was "
                 "killed", (double)sup->stall_ms / 1000.0);
        log_error("worker for %s (pid %d) %s", e->model_id, (int)run->proc.pid, run->stall_how);
        worker_proc_signal(&run->proc, SIGKILL);
    }
    return next;
}

static void *keeper_main(void *arg)
{
    struct supervisor *sup = arg;
    pthread_mutex_lock(&sup->lock);
    while (!sup->closing) {
        int64_t now = sup_now_ms(), next = 0;
        for (struct engine *e = sup->engines; e; e = e->next) {
            int64_t at = engine_expiry(e);
            if (!at)
                continue;
            if (at <= now) {
                log_info("unloading %s: idle for %.1f s (keep_alive)", e->model_id,
                         (double)(now - e->last_used) / 1000.0);
                run_request_stop(e->run);
                sup->totals.expirations++;
            } else if (!next || at < next) {
                next = at;
            }
        }
        int64_t stall_at = check_stalls(sup, now);
        if (stall_at && (!next || stall_at < next))
            next = stall_at;
        if (!next) {
            pthread_cond_wait(&sup->keeper_wake, &sup->lock);
            continue;
        }
        cond_wait_until(&sup->keeper_wake, &sup->lock, next);
    }
    pthread_mutex_unlock(&sup->lock);
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
    pthread_condattr_t mono;
    pthread_condattr_init(&mono);
    pthread_condattr_setclock(&mono, CLOCK_MONOTONIC);
    pthread_cond_init(&sup->readers_changed, &mono);
    pthread_cond_init(&sup->keeper_wake, &mono);
    pthread_condattr_destroy(&mono);
    snprintf(sup->worker, sizeof sup->worker, "%s", cfg->llama_worker);
    snprintf(sup->speech_worker, sizeof sup->speech_worker, "%s",
             cfg->speech_worker ? cfg->speech_worker : "");
    snprintf(sup->whisper_worker, sizeof sup->whisper_worker, "%s",
             cfg->whisper_worker ? cfg->whisper_worker : "");
    snprintf(sup->log_level, sizeof sup->log_level, "%s", cfg->log_level ? cfg->log_level : "warn");
    sup->threads = cfg->threads;
    sup->ctx_size = cfg->ctx_size;
    sup->slots = cfg->slots;
    sup->batch = cfg->batch;
    sup->memory_budget = cfg->memory_budget;
    sup->keep_alive_ms = cfg->keep_alive_ms;
    sup->queue_max = cfg->queue_max;
    sup->restart_limit = cfg->restart_limit ? cfg->restart_limit : 1;
    sup->stall_ms = cfg->stall_timeout_ms;
    sup->totals.memory_budget = cfg->memory_budget;
    sup->totals.threads = cfg->threads;
    if (pthread_create(&sup->keeper, NULL, keeper_main, sup) != 0) {
        supervisor_destroy(sup);
        return sy_errf(err, SY_EIO, "cannot start the supervisor's keeper thread");
    }
    sup->keeper_started = true;
    *out = sup;
    return SY_OK;
}

struct engine_sizing supervisor_sizing(const struct supervisor *sup)
{
    return (struct engine_sizing){.ctx_size = sup->ctx_size, .slots = sup->slots,
                                  .batch = sup->batch, .budget = sup->memory_budget};
}

int64_t supervisor_keep_alive_ms(const struct supervisor *sup)
{
    return sup->keep_alive_ms;
}

sy_code supervisor_submit(struct supervisor *sup, const struct engine_model *model,
                          const struct sy_residency *opts, const json_t *request,
                          json_t *follow, struct sy_sink sink, uint64_t *job_id,
                          struct sy_err *err)
{
    sy_code rc = SY_OK;
    json_t *frame = json_deep_copy(request);
    struct job *job = calloc(1, sizeof *job);
    if (!frame || !job || (follow && !json_is_array(follow))) {
        rc = sy_errf(err, SY_ENOMEM, "out of memory submitting a request");
        goto fail;
    }
    pthread_mutex_lock(&sup->lock);
    struct engine *eng = engine_get(sup, model);
    if (!eng) {
        rc = sy_errf(err, SY_ENOMEM, "out of memory submitting a request");
        goto fail_locked;
    }
    if (opts->has_keep_alive)
        eng->keep_alive_ms = opts->keep_alive_ms;
    bool loaded = eng->run && eng->run->ready && !eng->run->stop_sent;
    if ((rc = ensure_running(sup, eng, err)) != SY_OK)
        goto fail_locked;
    if (!loaded && !opts->wait_for_load) {
        double s = estimated_load_s(eng);
        rc = sy_errp(err, SY_ELOADING, "model",
                     "model '%s' is loading (about %.1f s); retry then, or ask to wait for it "
                     "(options.wait_for_model: true)",
                     eng->model_id, s);
        err->retry_after_s = s;
        goto fail_locked;
    }
    unsigned busy;
    unsigned open = count_jobs(eng->run, &busy);
    if (open >= eng->run->slots + sup->queue_max) {
        rc = sy_errp(err, SY_EBUSY, "model",
                     "model '%s' is busy: %u requests running and %u waiting, the most it "
                     "queues (queue_size); retry shortly",
                     eng->model_id, busy, open - busy);
        err->retry_after_s = 1;
        goto fail_locked;
    }
    job->id = ++sup->next_id;
    job->sink = sink;
    append_list(&eng->run->jobs, job);
    if (open == 0) {
        share_threads(sup); /* before the generate frame: it decodes with its share */
        /* Idle time is not silence: the stall clock starts with the work. */
        atomic_store(&eng->run->last_output_ms, sup_now_ms());
        pthread_cond_signal(&sup->keeper_wake);
    }
    if (!json_is_string(json_object_get(frame, "type")))
        json_object_set_new(frame, "type", json_string("generate"));
    json_object_set_new(frame, "id", json_integer((json_int_t)job->id));
    run_enqueue(eng->run, frame, job->id);
    size_t i;
    json_t *more;
    json_array_foreach(follow, i, more) {
        json_object_set_new(more, "id", json_integer((json_int_t)job->id));
        run_enqueue(eng->run, json_incref(more), job->id);
    }
    eng->last_used = sup_now_ms();
    *job_id = job->id;
    pthread_mutex_unlock(&sup->lock);
    return SY_OK;

fail_locked:
    pthread_mutex_unlock(&sup->lock);
fail:
    json_decref(frame);
    free(job);
    sink.release(sink.ctx);
    return rc;
}

sy_code supervisor_load(struct supervisor *sup, const struct engine_model *model,
                        const struct sy_residency *opts, struct sy_sink sink, struct sy_err *err)
{
    struct job *job = calloc(1, sizeof *job);
    if (!job) {
        sink.release(sink.ctx);
        return sy_errf(err, SY_ENOMEM, "out of memory loading a model");
    }
    job->sink = sink;
    pthread_mutex_lock(&sup->lock);
    struct engine *eng = engine_get(sup, model);
    sy_code rc = eng ? SY_OK : sy_errf(err, SY_ENOMEM, "out of memory loading a model");
    if (rc == SY_OK) {
        if (opts->has_keep_alive)
            eng->keep_alive_ms = opts->keep_alive_ms;
        if (eng->failed && !eng->run) {
            eng->failed = false; /* an explicit load is the way out of `failed` */
            eng->crashes = 0;
            eng->restart_not_before = 0;
        }
        rc = ensure_running(sup, eng, err);
    }
    if (rc != SY_OK) {
        pthread_mutex_unlock(&sup->lock);
        free(job);
        sink.release(sink.ctx);
        return rc;
    }
    eng->last_used = sup_now_ms();
    if (!eng->run->ready) {
        append_list(&eng->load_waiters, job);
        pthread_mutex_unlock(&sup->lock);
        return SY_OK;
    }
    pthread_cond_signal(&sup->keeper_wake); /* last use moved: so did the expiry */
    pthread_mutex_unlock(&sup->lock);
    jobs_finish_all(job, SY_OK, NULL);
    return SY_OK;
}

void supervisor_unload(struct supervisor *sup, const char *path, struct sy_sink sink)
{
    struct job *job = calloc(1, sizeof *job);
    pthread_mutex_lock(&sup->lock);
    struct engine *eng = engine_find(sup, path);
    if (!job || !eng || !eng->run) {
        pthread_mutex_unlock(&sup->lock);
        if (job) {
            job->sink = sink;
            jobs_finish_all(job, SY_OK, NULL);
        } else {
            struct sy_err e;
            sy_errf(&e, SY_ENOMEM, "out of memory unloading a model");
            struct sy_event ev = {.type = SY_EVENT_ERROR, .err = &e};
            sink.emit(sink.ctx, &ev);
            sink.release(sink.ctx);
        }
        return;
    }
    job->sink = sink;
    append_list(&eng->unload_waiters, job);
    if (eng->run->jobs)
        eng->run->drain = true;
    else
        run_request_stop(eng->run);
    pthread_mutex_unlock(&sup->lock);
}

void supervisor_cancel(struct supervisor *sup, uint64_t job_id)
{
    pthread_mutex_lock(&sup->lock);
    for (struct engine *e = sup->engines; e; e = e->next) {
        struct job *job = NULL;
        for (struct job *j = e->run ? e->run->jobs : NULL; j && !job; j = j->next)
            if (j->id == job_id)
                job = j;
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

/* Fills out from eng. Caller holds sup->lock; RSS is read later, unlocked. */
static void fill_status(const struct engine *eng, int64_t mono_now, int64_t wall_now,
                        struct sy_model_status *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", eng->model_id);
    out->state = engine_state_of(eng);
    snprintf(out->reason, sizeof out->reason, "%s", eng->reason);
    out->memory_estimate = eng->memory.total_bytes;
    out->keep_alive_ms = eng->keep_alive_ms;
    out->crashes = eng->crashes;
    out->restarts = eng->restarts;
    out->load_ms = eng->load_ms;
    if (eng->last_used)
        out->last_used_ms = wall_now - (mono_now - eng->last_used);
    int64_t expiry = engine_expiry(eng);
    if (expiry)
        out->expires_at_ms = wall_now + (expiry - mono_now);
    if (eng->run) {
        out->pid = eng->run->proc.pid;
        out->slots = eng->run->slots;
        out->threads = eng->run->threads;
        unsigned open = count_jobs(eng->run, &out->active);
        out->queued = open - out->active;
    }
}

static int64_t wall_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The resident set of a process from /proc, 0 if it cannot be read. */
static uint64_t process_rss(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
    FILE *f = fopen(path, "r");
    unsigned long long size = 0, resident = 0;
    bool ok = f && fscanf(f, "%llu %llu", &size, &resident) == 2;
    if (f)
        fclose(f);
    return ok ? resident * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

void supervisor_status(struct supervisor *sup, const char *path, struct sy_model_status *out)
{
    pthread_mutex_lock(&sup->lock);
    const struct engine *eng = engine_find(sup, path);
    if (eng)
        fill_status(eng, sup_now_ms(), wall_now_ms(), out);
    else
        memset(out, 0, sizeof *out);
    pthread_mutex_unlock(&sup->lock);
    if (out->pid)
        out->memory_rss = process_rss(out->pid);
}

void supervisor_totals(struct supervisor *sup, struct sy_residency_totals *out)
{
    pthread_mutex_lock(&sup->lock);
    *out = sup->totals;
    out->memory_used = 0;
    for (const struct engine *e = sup->engines; e; e = e->next)
        if (e->run)
            out->memory_used += e->run->memory;
    pthread_mutex_unlock(&sup->lock);
}

void supervisor_destroy(struct supervisor *sup)
{
    if (!sup)
        return;
    pthread_mutex_lock(&sup->lock);
    sup->closing = true;
    pthread_cond_signal(&sup->keeper_wake);
    pthread_mutex_unlock(&sup->lock);
    if (sup->keeper_started)
        pthread_join(sup->keeper, NULL);

    pthread_mutex_lock(&sup->lock);
    for (struct engine *e = sup->engines; e; e = e->next)
        if (e->run)
            run_request_stop(e->run);
    int64_t deadline = sup_now_ms() + 2000;
    while (sup->n_readers > 0 && wait_run_end(sup, deadline))
        ;
    if (sup->n_readers > 0) {
        for (struct engine *e = sup->engines; e; e = e->next)
            if (e->run)
                worker_proc_signal(&e->run->proc, SIGKILL);
        deadline = sup_now_ms() + 60000;
        while (sup->n_readers > 0 && wait_run_end(sup, deadline))
            ;
    }
    pthread_mutex_unlock(&sup->lock);
    while (sup->engines) {
        struct engine *next = sup->engines->next;
        free(sup->engines);
        sup->engines = next;
    }
    pthread_cond_destroy(&sup->keeper_wake);
    pthread_cond_destroy(&sup->readers_changed);
    pthread_mutex_destroy(&sup->lock);
    free(sup);
}
