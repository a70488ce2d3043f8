/* registry.c -- scanning the models directory and describing what is there. */
#include "models/registry.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "hub/gguf_choice.h"
#include "models/gguf_reader.h"
#include "models/whisper_file.h"
#include "util/log.h"
#include "util/units.h"

#define SCAN_DEPTH_MAX 4 /* org/name/sub/file.gguf is as deep as layouts go */

struct cached {
    struct registry_entry entry;
    char full_id[SY_MODEL_ID_MAX + 1]; /* as made from the path; a Hub entry's may be shortened */
    off_t size;
    struct timespec mtime;
    bool seen;
};

struct registry {
    pthread_mutex_t lock;
    char dir[PATH_MAX];
    char hub[PATH_MAX]; /* the Hub cache, "" if none */
    struct cached *items;
    size_t n, cap;
};

/* ---- describing one file ---------------------------------------------------------------- */

static bool arch_is_encoder(const char *arch)
{
    static const char *const encoders[] = {"bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2",
                                           "jina-bert-v3", "t5encoder", "modern-bert", "neo-bert",
                                           "eurobert"};
    for (size_t i = 0; i < sizeof encoders / sizeof encoders[0]; i++)
        if (strcmp(arch, encoders[i]) == 0)
            return true;
    return false;
}

/* Fills info from a parsed header. */
static void describe(const struct gguf_info *g, struct sy_model_info *info)
{
    snprintf(info->architecture, sizeof info->architecture, "%s", g->architecture);
    snprintf(info->quantization, sizeof info->quantization, "%s", g->quantization);
    info->parameter_count = g->parameter_count;
    if (g->name[0])
        snprintf(info->name, sizeof info->name, "%s", g->name);
    struct sy_capabilities *caps = &info->caps;
    caps->context_length = g->context_length;
    caps->embedding_length = g->embedding_length;
    if (strcmp(g->architecture, "clip") == 0) {
        snprintf(info->status, sizeof info->status, "unusable");
        snprintf(info->problem, sizeof info->problem,
                 "this is a multimodal projector (mmproj) file, not a model on its own");
        return;
    }
    if (arch_is_encoder(g->architecture)) {
        caps->tasks = SY_TASK_BIT(SY_TASK_FEATURE_EXTRACTION);
    } else {
        /* A generative model embeds too: its last hidden states, mean-pooled
         * (as llama-server's --pooling mean). */
        caps->tasks = SY_TASK_BIT(SY_TASK_TEXT_GENERATION) |
                      SY_TASK_BIT(SY_TASK_FEATURE_EXTRACTION);
        caps->settings = SY_LLAMA_SETTINGS;
        caps->chat = g->chat_template != NULL;
    }
    char params[16];
    units_format_count(g->parameter_count, params, sizeof params);
    snprintf(info->description, sizeof info->description,
             "%s model, %s parameters, %s, %" PRIu64 "-token context, local GGUF file%s",
             g->architecture[0] ? g->architecture : "unknown", params,
             g->quantization[0] ? g->quantization : "unknown type", g->context_length,
             caps->chat ? " with a chat template" : "");
}

/* Whether a file's name says it may be a whisper.cpp model (its magic decides). */
static bool is_whisper_name(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".bin") == 0;
}

/* Fills info for a whisper.cpp model file. */
static void describe_whisper(const struct whisper_file_info *w, struct sy_model_info *info)
{
    snprintf(info->architecture, sizeof info->architecture, "whisper");
    snprintf(info->quantization, sizeof info->quantization, "%s", w->quantization);
    snprintf(info->backend, sizeof info->backend, "whisper.cpp");
    struct sy_capabilities *caps = &info->caps;
    caps->tasks = SY_TASK_BIT(SY_TASK_AUTOMATIC_SPEECH_RECOGNITION);
    caps->settings = SY_SPEECH_SETTINGS | SY_SETTING_BIT(SY_SETTING_TEMPERATURE);
    caps->sample_rate = 16000;
    caps->speech_prompt = true;
    caps->speech_translate = w->multilingual;
    whisper_file_languages(w, caps->languages, sizeof caps->languages);
    char heard[96];
    if (w->multilingual)
        snprintf(heard, sizeof heard,
                 "in %d languages (detected when not given) and translation into English",
                 w->n_languages);
    else
        snprintf(heard, sizeof heard, "in English only");
    snprintf(info->description, sizeof info->description,
             "whisper%s%s model, %s, local ggml file for whisper.cpp: speech to text %s, with "
             "segments and timestamps",
             w->size_name[0] ? " " : "", w->size_name, w->quantization, heard);
}

/* Model id from a path relative to the models dir: strip ".gguf" and a
 * "-00001-of-0000N" shard suffix. Returns false for files that are not
 * models (later shards). */
static bool id_from_relpath(const char *rel, char *id, size_t size)
{
    size_t n = strlen(rel);
    if (is_whisper_name(rel)) { /* whisper files are never split */
        n -= strlen(".bin");
        if (n + 1 > size)
            return false;
        memcpy(id, rel, n);
        id[n] = '\0';
        return true;
    }
    n -= strlen(".gguf");
    const char *shard = n >= 15 ? rel + n - 15 : NULL; /* "-00001-of-00003" */
    if (shard && shard[0] == '-' && strncmp(shard + 6, "-of-", 4) == 0) {
        if (strncmp(shard + 1, "00001", 5) != 0)
            return false;
        n -= 15;
    }
    if (n + 1 > size)
        return false;
    memcpy(id, rel, n);
    id[n] = '\0';
    return true;
}

static void entry_load(struct cached *c, const char *path, const char *id, const struct stat *st)
{
    memset(c, 0, sizeof *c);
    struct sy_model_info *info = &c->entry.info;
    snprintf(c->entry.path, sizeof c->entry.path, "%s", path);
    snprintf(info->id, sizeof info->id, "%s", id);
    snprintf(info->name, sizeof info->name, "%s", id);
    snprintf(info->owned_by, sizeof info->owned_by, "local");
    snprintf(info->backend, sizeof info->backend, "llama.cpp");
    snprintf(info->status, sizeof info->status, "unloaded");
    info->size_bytes = (uint64_t)st->st_size;
    info->created = (int64_t)st->st_mtim.tv_sec;
    c->size = st->st_size;
    c->mtime = st->st_mtim;

    struct sy_err err;
    if (is_whisper_name(path)) {
        struct whisper_file_info w;
        c->entry.engine = ENGINE_WHISPER;
        snprintf(info->backend, sizeof info->backend, "whisper.cpp");
        if (whisper_file_read(path, &w, &err) != SY_OK) {
            snprintf(info->status, sizeof info->status, "unusable");
            snprintf(info->problem, sizeof info->problem, "%s", err.msg);
            log_warn("model %s is unusable: %s", id, err.msg);
            return;
        }
        describe_whisper(&w, info);
        c->entry.shape = (struct model_shape){.weights_bytes = w.file_size,
                                              .state_bytes = whisper_file_state_bytes(&w)};
        return;
    }
    struct gguf_info g;
    if (gguf_info_read_file(path, &g, &err) != SY_OK) {
        snprintf(info->status, sizeof info->status, "unusable");
        snprintf(info->problem, sizeof info->problem, "%s", err.msg);
        log_warn("model %s is unusable: %s", id, err.msg);
        return;
    }
    describe(&g, info);
    c->entry.shape = (struct model_shape){
        .weights_bytes = g.tensor_data_bytes,
        .n_layer = g.block_count,
        .n_embd = g.embedding_length,
        .n_head = g.head_count,
        .n_head_kv = g.head_count_kv,
        .n_vocab = g.vocab_size,
        .n_ctx_train = g.context_length,
    };
    gguf_info_cleanup(&g);
}

/* ---- scanning --------------------------------------------------------------------------- */

static struct cached *find_by_path(struct registry *reg, const char *path)
{
    for (size_t i = 0; i < reg->n; i++)
        if (strcmp(reg->items[i].entry.path, path) == 0)
            return &reg->items[i];
    return NULL;
}

static bool has_whisper_magic(const char *path)
{
    unsigned char head[4];
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return whisper_file_magic(head, n);
}

/* Adds or refreshes the entry for the file at path. repo and variant are ""
 * for the models directory. */
static sy_code consider(struct registry *reg, const char *path, const char *id, const char *repo,
                        const char *variant, const struct stat *st, struct sy_err *err)
{
    struct cached *c = find_by_path(reg, path);
    if (c && c->size == st->st_size && c->mtime.tv_sec == st->st_mtim.tv_sec &&
        c->mtime.tv_nsec == st->st_mtim.tv_nsec) {
        c->seen = true;
        return SY_OK;
    }
    if (!c && is_whisper_name(path) && !has_whisper_magic(path))
        return SY_OK; /* a .bin that is not a whisper model (PyTorch weights, say) */
    if (!c) {
        if (reg->n >= SY_MODELS_MAX) {
            log_warn("more than %d models; ignoring %s", SY_MODELS_MAX, path);
            return SY_OK;
        }
        if (reg->n == reg->cap) {
            size_t cap = reg->cap ? reg->cap * 2 : 16;
            struct cached *items = realloc(reg->items, cap * sizeof *items);
            if (!items)
                return sy_errf(err, SY_ENOMEM, "out of memory listing models");
            reg->items = items;
            reg->cap = cap;
        }
        c = &reg->items[reg->n++];
    }
    entry_load(c, path, id, st);
    snprintf(c->full_id, sizeof c->full_id, "%s", id);
    snprintf(c->entry.repo, sizeof c->entry.repo, "%s", repo);
    snprintf(c->entry.variant, sizeof c->entry.variant, "%s", variant);
    c->seen = true;
    return SY_OK;
}

static sy_code consider_file(struct registry *reg, const char *path, const char *rel,
                             const struct stat *st, struct sy_err *err)
{
    char id[SY_MODEL_ID_MAX + 1];
    if (!id_from_relpath(rel, id, sizeof id))
        return SY_OK;
    return consider(reg, path, id, "", "", st, err);
}

/* A file of a Hub snapshot: a model (or a split model's first shard) is named
 * repo@label, or repo@path-without-its-extension when its name has no label
 * (gguf_choice.h: a whisper file's label is its name between "ggml-" and ".bin"). */
static sy_code consider_hub_file(struct registry *reg, const char *repo, const char *path,
                                 const char *rel, const struct stat *st, struct sy_err *err)
{
    int shard = 1, of = 1;
    char variant[SY_HUB_PATH_MAX + 1], id[SY_MODEL_ID_MAX + 1];
    /* Any .bin may be a whisper model (its magic decides); a "ggml-" one is labelled. */
    if (!is_whisper_name(rel) && (!gguf_model_file(rel, &shard, &of) || shard != 1))
        return SY_OK;
    gguf_label_from_name(rel, variant, sizeof variant);
    if (!variant[0] && !id_from_relpath(rel, variant, sizeof variant))
        return SY_OK;
    int n = snprintf(id, sizeof id, "%s@%s", repo, variant);
    if (n < 0 || (size_t)n >= sizeof id)
        return SY_OK;
    return consider(reg, path, id, repo, variant, st, err);
}

/* Walks dir (rel: its path under the root): the models directory when repo is
 * "", else a snapshot of that Hub repository. */
static sy_code scan_dir(struct registry *reg, const char *dir, const char *rel, int depth,
                        const char *repo, struct sy_err *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (depth == 0 && !repo[0])
            return sy_errf(err, SY_EIO, "cannot read the models directory %s: %s", dir,
                           strerror(errno));
        return SY_OK; /* an unreadable subdirectory hides only itself */
    }
    sy_code rc = SY_OK;
    struct dirent *de;
    while (rc == SY_OK && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue; /* hidden files, partial downloads, "." and ".." */
        char path[PATH_MAX], sub[PATH_MAX];
        int pn = snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        int sn = snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
        if (pn < 0 || (size_t)pn >= sizeof path || sn < 0 || (size_t)sn >= sizeof sub)
            continue;
        struct stat st;
        if (stat(path, &st) != 0) /* follows links (Hub caches are made of them) */
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (depth + 1 < SCAN_DEPTH_MAX)
                rc = scan_dir(reg, path, sub, depth + 1, repo, err);
            continue;
        }
        size_t len = strlen(de->d_name);
        bool gguf = len > 5 && strcmp(de->d_name + len - 5, ".gguf") == 0;
        if (!S_ISREG(st.st_mode) || (!gguf && !is_whisper_name(de->d_name)))
            continue;
        rc = repo[0] ? consider_hub_file(reg, repo, path, sub, &st, err)
                     : consider_file(reg, path, sub, &st, err);
    }
    closedir(d);
    return rc;
}

/* ---- the Hub cache ---------------------------------------------------------------------- */

/* Adds every model whose refs/main names a snapshot in the Hub cache. */
static sy_code scan_hub(struct registry *reg, struct sy_err *err)
{
    DIR *d = reg->hub[0] ? opendir(reg->hub) : NULL;
    if (!d)
        return SY_OK; /* nothing pulled yet */
    sy_code rc = SY_OK;
    struct dirent *de;
    while (rc == SY_OK && (de = readdir(d)) != NULL) {
        char repo[SY_HUB_REPO_MAX + 1], ref[PATH_MAX], commit[SY_HUB_COMMIT_MAX + 2] = "";
        if (!hub_repo_from_folder(de->d_name, repo, sizeof repo))
            continue;
        if (snprintf(ref, sizeof ref, "%s/%s/refs/main", reg->hub, de->d_name) >= (int)sizeof ref)
            continue;
        FILE *f = fopen(ref, "r");
        if (!f)
            continue; /* no complete pull of main yet */
        bool ok = fgets(commit, sizeof commit, f) != NULL;
        fclose(f);
        commit[strcspn(commit, "\r\n")] = '\0';
        char snapshot[PATH_MAX];
        if (!ok || !hub_commit_ok(commit) ||
            snprintf(snapshot, sizeof snapshot, "%s/%s/snapshots/%s", reg->hub, de->d_name,
                     commit) >= (int)sizeof snapshot)
            continue;
        rc = scan_dir(reg, snapshot, "", 0, repo, err);
    }
    closedir(d);
    return rc;
}

/* A repository with one model is named by the repository alone. */
static void name_hub_entries(struct registry *reg)
{
    for (size_t i = 0; i < reg->n; i++) {
        struct registry_entry *e = &reg->items[i].entry;
        if (!e->repo[0])
            continue;
        const char *full = reg->items[i].full_id;
        size_t same = 0;
        for (size_t j = 0; j < reg->n; j++)
            same += strcmp(reg->items[j].entry.repo, e->repo) == 0;
        snprintf(e->info.id, sizeof e->info.id, "%s", same == 1 ? e->repo : full);
        snprintf(e->info.name, sizeof e->info.name, "%s", e->info.id);
        snprintf(e->info.owned_by, sizeof e->info.owned_by, "huggingface");
    }
}

static int compare_ids(const void *a, const void *b)
{
    return strcmp(((const struct cached *)a)->entry.info.id,
                  ((const struct cached *)b)->entry.info.id);
}

/* Caller holds reg->lock. */
static sy_code refresh_locked(struct registry *reg, struct sy_err *err)
{
    for (size_t i = 0; i < reg->n; i++)
        reg->items[i].seen = false;
    sy_code rc = scan_dir(reg, reg->dir, "", 0, "", err);
    if (rc == SY_OK)
        rc = scan_hub(reg, err);
    if (rc != SY_OK)
        return rc;
    size_t kept = 0;
    for (size_t i = 0; i < reg->n; i++)
        if (reg->items[i].seen)
            reg->items[kept++] = reg->items[i];
    reg->n = kept;
    name_hub_entries(reg);
    if (reg->n > 1)
        qsort(reg->items, reg->n, sizeof *reg->items, compare_ids);
    return SY_OK;
}

/* ---- public API ------------------------------------------------------------------------- */

sy_code registry_open(const char *dir, const char *hub_cache, struct registry **out,
                      struct sy_err *err)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return sy_errf(err, SY_EIO, "cannot create the models directory %s: %s", dir,
                       strerror(errno));
    struct registry *reg = calloc(1, sizeof *reg);
    if (!reg)
        return sy_errf(err, SY_ENOMEM, "out of memory opening the model registry");
    if (!realpath(dir, reg->dir)) {
        free(reg);
        return sy_errf(err, SY_EIO, "cannot resolve the models directory %s: %s", dir,
                       strerror(errno));
    }
    snprintf(reg->hub, sizeof reg->hub, "%s", hub_cache ? hub_cache : "");
    pthread_mutex_init(&reg->lock, NULL);
    *out = reg;
    return SY_OK;
}

void registry_close(struct registry *reg)
{
    if (!reg)
        return;
    pthread_mutex_destroy(&reg->lock);
    free(reg->items);
    free(reg);
}

const char *registry_dir(const struct registry *reg)
{
    return reg->dir;
}

sy_code registry_refresh(struct registry *reg, struct sy_err *err)
{
    pthread_mutex_lock(&reg->lock);
    sy_code rc = refresh_locked(reg, err);
    pthread_mutex_unlock(&reg->lock);
    return rc;
}

static const struct cached *find_by_id(const struct registry *reg, const char *id)
{
    for (size_t i = 0; i < reg->n; i++)
        if (strcmp(reg->items[i].entry.info.id, id) == 0)
            return &reg->items[i];
    return NULL;
}

/* Whether variant names entry e: its label, its quantisation or its path. */
static bool variant_matches(const struct registry_entry *e, const char *variant)
{
    if (strcasecmp(e->info.quantization, variant) == 0 || strcasecmp(e->variant, variant) == 0)
        return true;
    size_t n = strlen(e->path), v = strlen(variant);
    return e->repo[0] && v < n && e->path[n - v - 1] == '/' &&
           strcmp(e->path + n - v, variant) == 0;
}

/* The entry name and variant mean, or NULL. Caller holds reg->lock. */
static const struct cached *find_model(const struct registry *reg, const char *name,
                                       const char *variant)
{
    const struct cached *c = find_by_id(reg, name);
    if (c && (!variant[0] || variant_matches(&c->entry, variant)))
        return c;
    if (c && !c->entry.repo[0]) /* a file of the models directory: no other variants */
        return NULL;
    /* A Hub repository: its files by variant, or its default. */
    const char *labels[64];
    uint64_t sizes[64];
    const struct cached *files[64];
    size_t n = 0;
    for (size_t i = 0; i < reg->n && n < 64; i++) {
        const struct registry_entry *e = &reg->items[i].entry;
        if (strcmp(e->repo, name) != 0)
            continue;
        if (variant[0] && variant_matches(e, variant))
            return &reg->items[i];
        files[n] = &reg->items[i];
        labels[n] = e->variant;
        sizes[n++] = e->info.size_bytes;
    }
    if (variant[0] || n == 0)
        return NULL;
    const char *why;
    return files[gguf_pick_default(labels, sizes, n, &why)];
}

sy_code registry_lookup(struct registry *reg, const char *name, const char *variant,
                        struct registry_entry *out, struct sy_err *err)
{
    pthread_mutex_lock(&reg->lock);
    const struct cached *c = find_model(reg, name, variant);
    struct stat st;
    sy_code rc = SY_OK;
    /* A miss, or a file gone since the last scan (deleted, or by another tool): look again. */
    if ((!c || stat(c->entry.path, &st) != 0) && (rc = refresh_locked(reg, err)) == SY_OK)
        c = find_model(reg, name, variant);
    const struct cached *plain = c || rc != SY_OK ? NULL : find_by_id(reg, name);
    if (c) {
        *out = c->entry;
    } else if (plain && !plain->entry.repo[0]) {
        const char *quant = plain->entry.info.quantization;
        rc = sy_errp(err, SY_ENOTFOUND, "model",
                     "model '%s' is a local %s file; there is no '%s' variant of it", name,
                     quant[0] ? quant : "GGUF", variant);
    } else if (rc == SY_OK) {
        char known[384] = "";
        size_t used = 0;
        for (size_t i = 0; i < reg->n && used < sizeof known - 1; i++) {
            int w = snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                             reg->items[i].entry.info.id);
            if (w < 0)
                break;
            used += (size_t)w;
        }
        if (strchr(name, '/') && hub_repo_check(name, NULL) == SY_OK)
            rc = sy_errp(err, SY_ENOTFOUND, "model",
                         "model '%s%s%s' is not here; pull it from the Hugging Face Hub first "
                         "(switchyard pull %s%s%s, or POST /api/models/pull); local models: %s",
                         name, variant[0] ? "@" : "", variant, name, variant[0] ? "@" : "",
                         variant, reg->n ? known : "none");
        else
            rc = sy_errp(err, SY_ENOTFOUND, "model",
                         "model '%s%s%s' not found; local models: %s (put .gguf files in %s, or "
                         "pull one: switchyard pull org/name)",
                         name, variant[0] ? "@" : "", variant, reg->n ? known : "none", reg->dir);
    }
    pthread_mutex_unlock(&reg->lock);
    return rc;
}

sy_code registry_list(struct registry *reg, struct registry_entry **out, size_t *n,
                      struct sy_err *err)
{
    pthread_mutex_lock(&reg->lock);
    sy_code rc = refresh_locked(reg, err);
    struct registry_entry *copy = NULL;
    if (rc == SY_OK && reg->n) {
        copy = calloc(reg->n, sizeof *copy);
        if (!copy)
            rc = sy_errf(err, SY_ENOMEM, "out of memory listing models");
        for (size_t i = 0; copy && i < reg->n; i++)
            copy[i] = reg->items[i].entry;
    }
    *out = copy;
    *n = rc == SY_OK ? reg->n : 0;
    pthread_mutex_unlock(&reg->lock);
    return rc;
}
