/* supervisor_run.c -- one running worker: its process, writer and reader.
 *
 * Only two threads ever touch a run's socket: the writer writes frames queued
 * by run_enqueue(), the reader turns the worker's frames into job events.
 * When the reader sees the socket close, it stops the writer, reaps the
 * process, hands the run's end to engine_run_ended() (supervisor.c) and fails
 * or completes what that returns, then frees the run. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engines/frame.h"
#include "engines/supervisor_impl.h"
#include "util/base64.h"
#include "util/fault.h"
#include "util/log.h"

/* Speech workers send samples as little-endian int16 and the llama worker
 * vectors as little-endian float32 (docs/PROTOCOL.md), which this reader
 * hands on as they are. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "frames carry little-endian numbers");

int64_t sup_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

void job_finish(struct job *job, const struct sy_event *ev)
{
    job->sink.emit(job->sink.ctx, ev);
    job->sink.release(job->sink.ctx);
    free(job);
}

void job_fail(struct job *job, sy_code code, const char *msg)
{
    struct sy_err err;
    sy_errf(&err, code, "%s", msg);
    struct sy_event ev = {.type = SY_EVENT_ERROR, .err = &err};
    job_finish(job, &ev);
}

void jobs_finish_all(struct job *list, sy_code code, const char *msg)
{
    while (list) {
        struct job *next = list->next;
        if (msg) {
            job_fail(list, code, msg);
        } else {
            struct sy_event ev = {.type = SY_EVENT_DONE};
            job_finish(list, &ev);
        }
        list = next;
    }
}

/* ---- the writer thread ------------------------------------------------------------------ */

void run_enqueue(struct run *run, json_t *frame, uint64_t job_id)
{
    struct outgoing *o = frame ? calloc(1, sizeof *o) : NULL;
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

void run_request_stop(struct run *run)
{
    if (run->stop_sent)
        return;
    run->stop_sent = true;
    run_enqueue(run, json_pack("{s:s}", "type", "shutdown"), 0);
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
        sy_code rc = fault_hit("worker.write")
                         ? sy_errf(&err, SY_EIO, "cannot write to the worker: %s (injected)",
                                   strerror(EPIPE))
                         : frame_write_json(run->proc.fd, o->frame, &err);
        if (rc == SY_ETOOLARGE && o->job_id) {
            /* Nothing was written: the worker never saw this job. */
            pthread_mutex_lock(&sup->lock);
            struct job *job = job_take(run, o->job_id);
            if (job)
                engine_job_done(sup, run, false);
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

/* Turns one job-scoped frame into an event; audio samples and embedding
 * vectors are decoded into pcm, which must outlive the event. Returns false
 * on a malformed frame. */
static bool event_from_frame(const struct run *run, const char *type, const json_t *msg,
                             struct sy_event *ev, struct sy_buf *pcm, struct sy_err *err)
{
    memset(ev, 0, sizeof *ev);
    if (strcmp(type, "audio") == 0) {
        const json_t *b64 = json_object_get(msg, "pcm");
        if (!json_is_string(b64) ||
            base64_decode(json_string_value(b64), json_string_length(b64), pcm, err) != SY_OK ||
            pcm->len % 2 != 0 || run->sample_rate == 0)
            return false;
        ev->type = SY_EVENT_AUDIO;
        ev->pcm = (const int16_t *)(const void *)pcm->data;
        ev->n_samples = pcm->len / 2;
        ev->sample_rate = run->sample_rate;
        return true;
    }
    if (strcmp(type, "embedding") == 0) {
        const json_t *b64 = json_object_get(msg, "vector");
        const json_t *index = json_object_get(msg, "index");
        if (!json_is_string(b64) || !json_is_integer(index) || json_integer_value(index) < 0 ||
            base64_decode(json_string_value(b64), json_string_length(b64), pcm, err) != SY_OK ||
            pcm->len == 0 || pcm->len % sizeof(float) != 0)
            return false;
        ev->type = SY_EVENT_EMBEDDING;
        ev->vector = (const float *)(const void *)pcm->data;
        ev->dim = pcm->len / sizeof(float);
        ev->index = (size_t)json_integer_value(index);
        return true;
    }
    if (strcmp(type, "segment") == 0) {
        const json_t *text = json_object_get(msg, "text");
        const json_t *start = json_object_get(msg, "start");
        const json_t *end = json_object_get(msg, "end");
        if (!json_is_string(text) || !json_is_number(start) || !json_is_number(end))
            return false;
        ev->type = SY_EVENT_SEGMENT;
        ev->text = json_string_value(text);
        ev->len = json_string_length(text);
        ev->start_s = json_number_value(start);
        ev->end_s = json_number_value(end);
        return true;
    }
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
        ev->usage.cached_tokens = (long)json_integer_value(json_object_get(msg, "cached_tokens"));
        ev->usage.completion_tokens =
            (long)json_integer_value(json_object_get(msg, "completion_tokens"));
        ev->usage.prompt_ms = json_number_value(json_object_get(msg, "prompt_ms"));
        ev->usage.decode_ms = json_number_value(json_object_get(msg, "decode_ms"));
        ev->usage.audio_seconds = json_number_value(json_object_get(msg, "audio_seconds"));
        ev->language = json_string_value(json_object_get(msg, "language"));
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
        double load_ms = json_number_value(json_object_get(msg, "load_ms"));
        pthread_mutex_lock(&sup->lock);
        run->slots = (unsigned)json_integer_value(json_object_get(msg, "n_slots"));
        run->sample_rate = (unsigned)json_integer_value(json_object_get(msg, "sample_rate"));
        struct job *waiters = engine_ready(sup, run, load_ms);
        pthread_mutex_unlock(&sup->lock);
        if (run->eng->kind == ENGINE_LLAMA)
            log_info("model %s loaded in %.0f ms (context %lld tokens per slot, %u slots)",
                     run->eng->model_id, load_ms,
                     (long long)json_integer_value(json_object_get(msg, "n_ctx")), run->slots);
        else
            log_info("model %s loaded in %.0f ms (%s, %u Hz)", run->eng->model_id, load_ms,
                     engine_kind_name(run->eng->kind), run->sample_rate);
        jobs_finish_all(waiters, SY_OK, NULL);
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
    struct sy_buf pcm;
    buf_init(&pcm, SY_FRAME_MAX);
    if (!event_from_frame(run, type, msg, &ev, &pcm, &err)) {
        buf_cleanup(&pcm);
        return false;
    }
    bool terminal = ev.type == SY_EVENT_DONE || ev.type == SY_EVENT_ERROR;
    pthread_mutex_lock(&sup->lock);
    struct job *job = terminal ? job_take(run, id) : job_find(run, id);
    if (job && terminal)
        engine_job_done(sup, run, ev.type == SY_EVENT_DONE && ev.finish != SY_FINISH_CANCELLED);
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
    buf_cleanup(&pcm);
    return true;
}

static void *reader_main(void *arg)
{
    struct run *run = arg;
    struct supervisor *sup = run->sup;
    for (;;) {
        json_t *msg = NULL;
        struct sy_err err;
        sy_code rc = fault_hit("worker.read")
                         ? sy_errf(&err, SY_EIO, "cannot read from the worker: %s (injected)",
                                   strerror(ECONNRESET))
                         : frame_read_json(run->proc.fd, &msg, &err);
        if (rc == SY_OK)
            atomic_store(&run->last_output_ms, sup_now_ms());
        if (rc != SY_OK && rc != SY_EINVAL && rc != SY_EEOF)
            log_warn("worker for %s: %s", run->eng->model_id, err.msg);
        if (rc == SY_EINVAL || (rc == SY_OK && !reader_dispatch(run, msg))) {
            log_error("worker for %s broke the protocol (%s); stopping it", run->eng->model_id,
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

    struct job *fail = NULL, *complete = NULL;
    char msg[SY_ERR_MSG_MAX];
    pthread_mutex_lock(&sup->lock);
    engine_run_ended(sup, run, how, &fail, &complete, msg, sizeof msg);
    pthread_mutex_unlock(&sup->lock);

    jobs_finish_all(fail, SY_EENGINE, msg);
    jobs_finish_all(complete, SY_OK, NULL);
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

/* ---- starting a worker ------------------------------------------------------------------ */

sy_code run_start(struct supervisor *sup, struct engine *eng, unsigned n_threads,
                  struct sy_err *err)
{
    char threads[16], ctx[16], slots[16], batch[16];
    snprintf(threads, sizeof threads, "%u", n_threads);
    snprintf(ctx, sizeof ctx, "%u", sup->ctx_size);
    snprintf(slots, sizeof slots, "%u", eng->memory.slots ? eng->memory.slots : 1);
    snprintf(batch, sizeof batch, "%u", sup->batch);
    char *llama_argv[] = {sup->worker, "--fd", "3", "--model", eng->path, "--threads", threads,
                          "--ctx-size", ctx, "--slots", slots, "--batch", batch,
                          "--log-level", sup->log_level, NULL};
    char *speech_argv[] = {sup->speech_worker, "--fd", "3", "--engine",
                           (char *)engine_kind_name(eng->kind), "--model", eng->path,
                           "--log-level", sup->log_level, NULL};
    char *whisper_argv[] = {sup->whisper_worker, "--fd", "3", "--model", eng->path,
                            "--threads", threads, "--log-level", sup->log_level, NULL};
    char **argv = eng->kind == ENGINE_LLAMA     ? llama_argv
                  : eng->kind == ENGINE_WHISPER ? whisper_argv
                                                : speech_argv;

    struct run *run = calloc(1, sizeof *run);
    if (!run)
        return sy_errf(err, SY_ENOMEM, "out of memory starting a worker");
    run->sup = sup;
    run->eng = eng;
    run->memory = eng->memory.total_bytes;
    run->slots = eng->memory.slots ? eng->memory.slots : 1;
    run->threads = n_threads;
    atomic_store(&run->last_output_ms, sup_now_ms());
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
    log_info("starting engine for %s (pid %d, %.0f MiB estimated, %u slots, %u threads)",
             eng->model_id, (int)run->proc.pid, (double)run->memory / (1024.0 * 1024.0),
             run->slots, n_threads);
    return SY_OK;

fail_threads:
    worker_proc_close_socket(&run->proc);
    worker_proc_reap(&run->proc, 0, NULL, 0);
    pthread_cond_destroy(&run->out_cond);
    free(run);
    return sy_errf(err, SY_EENGINE, "cannot start threads for model '%s'", eng->model_id);
}
