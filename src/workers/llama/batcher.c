/* batcher.c -- slots, the waiting queue and the shared decode step. */
#include "workers/llama/batcher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/text_stream.h"
#include "workers/llama/wire.h"

struct slot {
    int seq;                    /* sequence id in the context */
    struct gen *gen;            /* NULL when the slot is free */
    struct llama_sampler *smpl;
    struct text_stream text;
    int n_fed;                  /* prompt tokens decoded so far */
    int n_past;                 /* tokens in this sequence's cache */
    int n_cached;               /* prompt tokens reused from the previous request's cache */
    llama_token *cache;         /* the tokens in this sequence's cache, n_past of them;
                                 * kept after the request ends for the next to reuse */
    double t_released;          /* ms: when the slot last became free (LRU choice) */
    int n_gen;                  /* tokens sampled */
    llama_token next;           /* sampled and not yet decoded */
    bool has_next;
    int batch_i;                /* where this slot's logits are in the batch, or -1 */
    bool cancelled;
    double t_start, t_first;    /* ms: admitted, first token sampled */
};

struct batcher {
    struct batcher_config cfg;
    struct slot *slots;
    struct gen *queue_head, *queue_tail;
    struct embed *embeds_head, *embeds_tail; /* embedding requests waiting for a slot */
    struct llama_batch batch;
    struct sy_buf out;          /* text released by one token */
    char *piece;                /* token text scratch */
    int piece_cap;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct batcher *batcher_create(const struct batcher_config *cfg)
{
    struct batcher *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->cfg = *cfg;
    b->slots = calloc((size_t)cfg->n_slots, sizeof *b->slots);
    b->piece_cap = 256;
    b->piece = malloc((size_t)b->piece_cap);
    bool ok = b->slots && b->piece;
    for (int i = 0; ok && i < cfg->n_slots; i++) {
        b->slots[i].seq = i;
        b->slots[i].cache = malloc((size_t)cfg->n_ctx * sizeof *b->slots[i].cache);
        ok = b->slots[i].cache != NULL;
    }
    if (!ok) {
        for (int i = 0; b->slots && i < cfg->n_slots; i++)
            free(b->slots[i].cache);
        free(b->slots);
        free(b->piece);
        free(b);
        return NULL;
    }
    b->batch = llama_batch_init(cfg->n_batch + cfg->n_slots, 0, 1);
    buf_init(&b->out, SY_CALL_TEXT_MAX);
    return b;
}

/* Empties the slot's sequence: its cache can no longer be trusted or reused. */
static void slot_forget(struct batcher *b, struct slot *s)
{
    llama_memory_t mem = llama_get_memory(b->cfg.ctx); /* NULL for encoders: no cache */
    if (mem)
        llama_memory_seq_rm(mem, s->seq, -1, -1);
    s->n_past = 0;
}

/* Ends the slot's request. Its sequence stays in the cache (n_past tokens of
 * s->cache) for a later request with the same prefix. */
static void slot_release(struct slot *s)
{
    llama_sampler_free(s->smpl);
    text_stream_cleanup(&s->text);
    gen_free(s->gen);
    struct slot kept = {.seq = s->seq, .cache = s->cache, .n_past = s->n_past,
                        .t_released = now_ms()};
    *s = kept;
}

void batcher_destroy(struct batcher *b)
{
    if (!b)
        return;
    for (int i = 0; i < b->cfg.n_slots; i++) {
        if (b->slots[i].gen)
            slot_release(&b->slots[i]);
        free(b->slots[i].cache);
    }
    while (b->queue_head) {
        struct gen *next = b->queue_head->next;
        gen_free(b->queue_head);
        b->queue_head = next;
    }
    while (b->embeds_head) {
        struct embed *next = b->embeds_head->next;
        embed_free(b->embeds_head);
        b->embeds_head = next;
    }
    llama_batch_free(b->batch);
    buf_cleanup(&b->out);
    free(b->piece);
    free(b->slots);
    free(b);
}

void batcher_submit(struct batcher *b, struct gen *g)
{
    g->next = NULL;
    if (b->queue_tail)
        b->queue_tail->next = g;
    else
        b->queue_head = g;
    b->queue_tail = g;
}

void batcher_submit_embed(struct batcher *b, struct embed *job)
{
    job->next = NULL;
    if (b->embeds_tail)
        b->embeds_tail->next = job;
    else
        b->embeds_head = job;
    b->embeds_tail = job;
}

void batcher_cancel(struct batcher *b, uint64_t id)
{
    for (struct embed *job = b->embeds_head; job; job = job->next)
        if (job->id == id)
            job->cancelled = true;
    for (int i = 0; i < b->cfg.n_slots; i++)
        if (b->slots[i].gen && b->slots[i].gen->id == id)
            b->slots[i].cancelled = true;
    for (struct gen *g = b->queue_head; g; g = g->next)
        if (g->id == id)
            g->max_tokens = -1; /* marks a queued request as cancelled */
}

void batcher_cancel_all(struct batcher *b)
{
    for (int i = 0; i < b->cfg.n_slots; i++)
        if (b->slots[i].gen)
            b->slots[i].cancelled = true;
    for (struct gen *g = b->queue_head; g; g = g->next)
        g->max_tokens = -1;
    for (struct embed *job = b->embeds_head; job; job = job->next)
        job->cancelled = true;
}

bool batcher_idle(const struct batcher *b)
{
    if (b->queue_head || b->embeds_head)
        return false;
    for (int i = 0; i < b->cfg.n_slots; i++)
        if (b->slots[i].gen)
            return false;
    return true;
}

/* ---- finishing -------------------------------------------------------------------------- */

/* Sends what the slot still holds, then `done`, and frees the slot. */
static sy_code slot_finish(struct batcher *b, struct slot *s, const char *reason)
{
    sy_code rc = SY_OK;
    buf_reset(&b->out);
    if (strcmp(reason, "cancelled") != 0 && text_stream_finish(&s->text, &b->out, NULL) == SY_OK &&
        b->out.len)
        rc = wire_token(b->cfg.fd, s->gen->id, b->out.data, b->out.len);
    double end = now_ms();
    double first = s->t_first > 0 ? s->t_first : end;
    struct wire_done d = {
        .finish_reason = reason,
        .prompt_tokens = s->gen->n_tokens,
        .cached_tokens = s->n_cached,
        .completion_tokens = s->n_gen,
        .prompt_ms = first - s->t_start,
        .decode_ms = end - first,
    };
    if (rc == SY_OK)
        rc = wire_done(b->cfg.fd, s->gen->id, &d);
    slot_release(s);
    return rc;
}

static sy_code slot_fail(struct batcher *b, struct slot *s, const char *message)
{
    sy_code rc = wire_error(b->cfg.fd, s->gen->id, "engine_failed", message);
    slot_release(s);
    slot_forget(b, s);
    return rc;
}

/* ---- admission -------------------------------------------------------------------------- */

static int common_prefix(const llama_token *a, int na, const llama_token *b, int nb)
{
    int n = 0;
    while (n < na && n < nb && a[n] == b[n])
        n++;
    return n;
}

/* The free slot for g: the one whose cache shares the longest prefix with g's
 * prompt, if that prefix is a real part of it (a tenth, as llama-server
 * judges); otherwise the one free the longest, so recent caches survive.
 * Returns -1 if every slot is busy. */
static int pick_slot(const struct batcher *b, const struct gen *g, int *prefix)
{
    int best = -1, best_prefix = 0, oldest = -1;
    for (int i = 0; i < b->cfg.n_slots; i++) {
        const struct slot *s = &b->slots[i];
        if (s->gen)
            continue;
        int n = common_prefix(s->cache, s->n_past, g->tokens, g->n_tokens);
        if (n > best_prefix) {
            best = i;
            best_prefix = n;
        }
        if (oldest < 0 || s->t_released < b->slots[oldest].t_released)
            oldest = i;
    }
    if (best >= 0 && best_prefix * 10 >= g->n_tokens) {
        *prefix = best_prefix;
        return best;
    }
    *prefix = 0;
    return oldest;
}

/* Keeps the first `prefix` tokens of the slot's sequence and drops the rest.
 * At least the prompt's last token is always decoded again: its logits are
 * where the first sampled token comes from. Returns the tokens kept. */
static int reuse_prefix(struct batcher *b, struct slot *s, int prefix)
{
    if (prefix >= s->gen->n_tokens)
        prefix = s->gen->n_tokens - 1;
    if (prefix <= 0 || !llama_memory_seq_rm(llama_get_memory(b->cfg.ctx), s->seq, prefix, -1)) {
        /* Some caches (recurrent, sliding-window) cannot drop a tail. */
        slot_forget(b, s);
        return 0;
    }
    s->n_past = prefix;
    return prefix;
}

/* Ends every waiting request that was cancelled, wherever it is in the queue:
 * its client should not wait for the ones ahead of it. */
static sy_code drop_cancelled(struct batcher *b)
{
    sy_code rc = SY_OK;
    struct gen **p = &b->queue_head;
    while (*p && rc == SY_OK) {
        struct gen *g = *p;
        if (g->max_tokens >= 0) {
            p = &g->next;
            continue;
        }
        *p = g->next;
        struct wire_done d = {.finish_reason = "cancelled", .prompt_tokens = g->n_tokens};
        rc = wire_done(b->cfg.fd, g->id, &d);
        gen_free(g);
    }
    b->queue_tail = NULL;
    for (struct gen *g = b->queue_head; g; g = g->next)
        b->queue_tail = g;
    return rc;
}

static sy_code admit(struct batcher *b)
{
    sy_code rc = drop_cancelled(b);
    while (rc == SY_OK && b->queue_head) {
        struct gen *g = b->queue_head;
        int prefix;
        int i = pick_slot(b, g, &prefix);
        if (i < 0)
            break;
        b->queue_head = g->next;
        if (!b->queue_head)
            b->queue_tail = NULL;
        struct slot *s = &b->slots[i];
        s->gen = g;
        s->n_cached = s->n_fed = reuse_prefix(b, s, prefix);
        s->smpl = gen_sampler(g);
        text_stream_init(&s->text, (const char *const *)g->stop, g->n_stop);
        s->batch_i = -1;
        s->t_start = now_ms();
        if (!s->smpl)
            rc = slot_fail(b, s, "cannot create the sampler");
    }
    return rc;
}

/* Ends every waiting embedding request that was cancelled, wherever it is
 * in the queue. */
static sy_code drop_cancelled_embeds(struct batcher *b)
{
    sy_code rc = SY_OK;
    struct embed **p = &b->embeds_head;
    b->embeds_tail = NULL;
    while (*p && rc == SY_OK) {
        struct embed *job = *p;
        if (!job->cancelled) {
            b->embeds_tail = job;
            p = &job->next;
            continue;
        }
        *p = job->next;
        struct wire_done d = {.finish_reason = "cancelled", .prompt_tokens = job->total_tokens};
        rc = wire_done(b->cfg.fd, job->id, &d);
        embed_free(job);
    }
    return rc;
}

/* Runs the first waiting embedding request in the free slot freed longest
 * ago (recent caches survive), whole: one at a time between decode steps, so
 * generation goes on between them. Its sequence is emptied before and after. */
static sy_code run_embed(struct batcher *b)
{
    sy_code rc = drop_cancelled_embeds(b);
    struct embed *job = b->embeds_head;
    if (rc != SY_OK || !job)
        return rc;
    struct slot *free_slot = NULL;
    for (int i = 0; i < b->cfg.n_slots; i++) {
        struct slot *s = &b->slots[i];
        if (!s->gen && (!free_slot || s->t_released < free_slot->t_released))
            free_slot = s;
    }
    if (!free_slot)
        return SY_OK; /* every slot generates: wait for one */
    b->embeds_head = job->next;
    if (!b->embeds_head)
        b->embeds_tail = NULL;
    slot_forget(b, free_slot);
    rc = embed_run(job, b->cfg.ctx, free_slot->seq, b->cfg.n_batch, b->cfg.fd);
    embed_free(job);
    return rc;
}

/* ---- one step --------------------------------------------------------------------------- */

/* Adds token t at the end of the slot's sequence. */
static void batch_add(struct llama_batch *batch, struct slot *s, llama_token t, bool logits)
{
    int n = batch->n_tokens++;
    batch->token[n] = t;
    batch->pos[n] = s->n_past;
    batch->n_seq_id[n] = 1;
    batch->seq_id[n][0] = s->seq;
    batch->logits[n] = logits;
    s->cache[s->n_past++] = t;
}

static void build_batch(struct batcher *b)
{
    struct llama_batch *batch = &b->batch;
    batch->n_tokens = 0;
    for (int i = 0; i < b->cfg.n_slots; i++) {
        struct slot *s = &b->slots[i];
        s->batch_i = -1;
        if (s->gen && s->has_next) {
            s->batch_i = batch->n_tokens;
            batch_add(batch, s, s->next, true);
            s->has_next = false;
        }
    }
    for (int i = 0; i < b->cfg.n_slots; i++) {
        struct slot *s = &b->slots[i];
        int budget = b->cfg.n_batch - batch->n_tokens;
        if (!s->gen || s->n_fed == s->gen->n_tokens || budget <= 0)
            continue;
        int take = s->gen->n_tokens - s->n_fed;
        if (take > budget)
            take = budget;
        for (int k = 0; k < take; k++) {
            bool last = s->n_fed + 1 == s->gen->n_tokens;
            if (last)
                s->batch_i = batch->n_tokens;
            batch_add(batch, s, s->gen->tokens[s->n_fed++], last);
        }
    }
}

/* The text of token t, in b->piece. Returns its length. */
static int token_text(struct batcher *b, llama_token t)
{
    int n = llama_token_to_piece(b->cfg.vocab, t, b->piece, b->piece_cap, 0, false);
    if (n < 0) {
        char *bigger = realloc(b->piece, (size_t)-n);
        if (!bigger)
            return 0;
        b->piece = bigger;
        b->piece_cap = -n;
        n = llama_token_to_piece(b->cfg.vocab, t, b->piece, b->piece_cap, 0, false);
    }
    return n > 0 ? n : 0;
}

/* Samples the slot's next token and sends what it adds. */
static sy_code sample(struct batcher *b, struct slot *s)
{
    llama_token t = llama_sampler_sample(s->smpl, b->cfg.ctx, s->batch_i);
    s->n_gen++;
    if (s->n_gen == 1)
        s->t_first = now_ms();
    if (llama_vocab_is_eog(b->cfg.vocab, t))
        return slot_finish(b, s, "stop");
    int n = token_text(b, t);
    bool stopped = false;
    buf_reset(&b->out);
    if (text_stream_push(&s->text, b->piece, (size_t)n, &b->out, &stopped, NULL) != SY_OK)
        return slot_fail(b, s, "the generated text outgrew its limit");
    if (b->out.len) {
        sy_code rc = wire_token(b->cfg.fd, s->gen->id, b->out.data, b->out.len);
        if (rc != SY_OK)
            return rc;
    }
    if (stopped)
        return slot_finish(b, s, "stop");
    if (s->gen->max_tokens && s->n_gen >= s->gen->max_tokens)
        return slot_finish(b, s, "length");
    if (s->n_past >= b->cfg.n_ctx)
        return slot_finish(b, s, "length"); /* no room to feed the token back */
    s->next = t;
    s->has_next = true;
    return SY_OK;
}

sy_code batcher_step(struct batcher *b)
{
    sy_code rc = SY_OK;
    for (int i = 0; i < b->cfg.n_slots && rc == SY_OK; i++)
        if (b->slots[i].gen && b->slots[i].cancelled)
            rc = slot_finish(b, &b->slots[i], "cancelled");
    if (rc == SY_OK)
        rc = run_embed(b);
    if (rc == SY_OK)
        rc = admit(b);
    if (rc != SY_OK)
        return rc;
    build_batch(b);
    if (b->batch.n_tokens == 0)
        return SY_OK;
    int32_t status = llama_decode(b->cfg.ctx, b->batch);
    if (status != 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "llama_decode failed with status %d", (int)status);
        log_error("%s", msg);
        for (int i = 0; i < b->cfg.n_slots && rc == SY_OK; i++) {
            struct slot *s = &b->slots[i];
            if (s->gen && (s->batch_i >= 0 || s->n_fed > s->n_cached))
                rc = slot_fail(b, s, msg);
            else if (!s->gen)
                slot_forget(b, s); /* a failed decode leaves no cache worth reusing */
        }
        return rc;
    }
    for (int i = 0; i < b->cfg.n_slots && rc == SY_OK; i++) {
        struct slot *s = &b->slots[i];
        if (s->gen && s->batch_i >= 0)
            rc = sample(b, s);
    }
    return rc;
}
