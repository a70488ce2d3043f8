/* gguf_choice.c -- quantisation labels, shards and the default pick. */
#include "hub/gguf_choice.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GROUPS_MAX 256

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

bool gguf_whisper_file(const char *path)
{
    const char *base = base_name(path);
    size_t n = strlen(base);
    return n > 9 && strncmp(base, "ggml-", 5) == 0 && strcmp(base + n - 4, ".bin") == 0;
}

/* Length of path without ".gguf" and a shard suffix (or a whisper file's
 * ".bin": never split); fills shard numbers. */
static size_t stem_length(const char *path, int *shard, int *of)
{
    size_t n = strlen(path);
    *shard = *of = 1;
    if (gguf_whisper_file(path))
        return n - 4;
    if (n < 5 || strcasecmp(path + n - 5, ".gguf") != 0)
        return 0;
    n -= 5;
    int k, m, used = 0;
    /* "-00001-of-00003" */
    if (n >= 15 && sscanf(path + n - 15, "-%5d-of-%5d%n", &k, &m, &used) == 2 && used == 15 &&
        k >= 1 && m >= 1 && k <= m) {
        *shard = k;
        *of = m;
        n -= 15;
    }
    return n;
}

bool gguf_model_file(const char *path, int *shard, int *of)
{
    return stem_length(path, shard, of) > 0 && strncasecmp(base_name(path), "mmproj", 6) != 0;
}

/* Whether the segment (uppercased) looks like a quantisation: F16, BF16, F32,
 * Q<digit>[_...], IQ<digit>[_...]. */
static bool is_label(const char *s)
{
    if (strcmp(s, "F16") == 0 || strcmp(s, "BF16") == 0 || strcmp(s, "F32") == 0)
        return true;
    if (s[0] == 'I')
        s++;
    if (s[0] != 'Q' || !isdigit((unsigned char)s[1]))
        return false;
    for (s += 2; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

void gguf_label_from_name(const char *path, char *out, size_t size)
{
    out[0] = '\0';
    const char *base = base_name(path);
    int shard, of;
    size_t n = stem_length(base, &shard, &of);
    if (gguf_whisper_file(base)) { /* "ggml-base.en-q5_1.bin": "base.en-q5_1" */
        snprintf(out, size, "%.*s", (int)(n - 5), base + 5);
        return;
    }
    /* The last '-' or '.' separated segment that is a label. */
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && base[i] != '-' && base[i] != '.')
            continue;
        char seg[32];
        size_t len = i - start;
        if (len > 0 && len < sizeof seg) {
            for (size_t j = 0; j < len; j++)
                seg[j] = (char)toupper((unsigned char)base[start + j]);
            seg[len] = '\0';
            if (is_label(seg))
                snprintf(out, size, "%s", seg);
        }
        start = i + 1;
    }
}

size_t gguf_pick_default(const char *const *labels, const uint64_t *sizes, size_t n,
                         const char **why)
{
    size_t best = n;
    for (size_t i = 0; i < n; i++)
        if (strcmp(labels[i], "base") == 0) {
            *why = "whisper base, the usual choice";
            return i;
        }
    for (size_t i = 0; i < n; i++)
        if (strcmp(labels[i], "Q4_K_M") == 0 && (best == n || sizes[i] < sizes[best]))
            best = i;
    if (best < n) {
        *why = "Q4_K_M, the usual choice";
        return best;
    }
    for (size_t i = 0; i < n; i++)
        if ((strcmp(labels[i], "Q8_0") == 0 || strncmp(labels[i], "Q4", 2) == 0) &&
            (best == n || sizes[i] < sizes[best]))
            best = i;
    if (best < n) {
        *why = "the smallest Q8_0 or Q4 file (there is no Q4_K_M)";
        return best;
    }
    for (size_t i = 0; i < n; i++)
        if (best == n || sizes[i] < sizes[best])
            best = i;
    *why = "the smallest model file (there is no Q4_K_M, Q8_0 or Q4 file)";
    return best;
}

struct group {
    size_t stem_len;
    const char *first; /* a member's path: the stem is its first stem_len bytes */
    char label[32];
    uint64_t size;
    int of, count;
};

static struct group *group_of(struct group *groups, size_t *n, const char *path, size_t stem_len,
                              int of)
{
    for (size_t g = 0; g < *n; g++)
        if (groups[g].stem_len == stem_len && groups[g].of == of &&
            strncmp(groups[g].first, path, stem_len) == 0)
            return &groups[g];
    if (*n == GROUPS_MAX)
        return NULL;
    struct group *g = &groups[(*n)++];
    memset(g, 0, sizeof *g);
    g->stem_len = stem_len;
    g->first = path;
    g->of = of;
    gguf_label_from_name(path, g->label, sizeof g->label);
    return g;
}

static bool group_matches(const struct group *g, const char *variant, const char *const *paths,
                          size_t n)
{
    if (strcasecmp(g->label, variant) == 0)
        return true;
    for (size_t i = 0; i < n; i++) {
        int shard, of;
        size_t len = stem_length(paths[i], &shard, &of);
        if (len == g->stem_len && of == g->of && strncmp(paths[i], g->first, len) == 0 &&
            strcmp(paths[i], variant) == 0)
            return true;
    }
    return false;
}

sy_code gguf_choose(const char *const *paths, const uint64_t *sizes, size_t n, const char *variant,
                    size_t *chosen, size_t max_chosen, size_t *n_chosen, char *label,
                    size_t label_size, const char **why, struct sy_err *err)
{
    struct group *groups = calloc(GROUPS_MAX, sizeof *groups);
    if (!groups)
        return sy_errf(err, SY_ENOMEM, "out of memory choosing a file");
    size_t n_groups = 0;
    for (size_t i = 0; i < n; i++) {
        int shard, of;
        if (!gguf_model_file(paths[i], &shard, &of))
            continue;
        struct group *g = group_of(groups, &n_groups, paths[i], stem_length(paths[i], &shard, &of),
                                   of);
        if (g) {
            g->size += sizes[i];
            g->count++;
        }
    }
    sy_code rc = SY_OK;
    size_t pick = n_groups;
    if (n_groups == 0) {
        rc = sy_errp(err, SY_ENOTFOUND, "model",
                     "the repository has no GGUF model file (nor a whisper ggml-*.bin); "
                     "Switchyard runs GGUF and whisper.cpp models locally (look for a '-GGUF' "
                     "repository of this model)");
    } else if (variant[0]) {
        for (size_t g = 0; g < n_groups && pick == n_groups; g++)
            if (group_matches(&groups[g], variant, paths, n))
                pick = g;
        *why = "as asked";
        if (pick == n_groups) {
            char have[512] = "";
            size_t used = 0;
            for (size_t g = 0; g < n_groups && used < sizeof have - 1; g++) {
                int w = snprintf(have + used, sizeof have - used, "%s%s", g ? ", " : "",
                                 groups[g].label[0] ? groups[g].label : groups[g].first);
                used += w > 0 ? (size_t)w : 0;
            }
            rc = sy_errp(err, SY_ENOTFOUND, "model",
                         "the repository has no model file for '%s'; it has: %s", variant, have);
        }
    } else {
        const char *labels[GROUPS_MAX];
        uint64_t totals[GROUPS_MAX];
        for (size_t g = 0; g < n_groups; g++) {
            labels[g] = groups[g].label;
            totals[g] = groups[g].size;
        }
        pick = gguf_pick_default(labels, totals, n_groups, why);
    }
    if (rc == SY_OK) {
        const struct group *g = &groups[pick];
        if (g->count != g->of || (size_t)g->of > max_chosen) {
            rc = sy_errp(err, SY_EINVAL, "model",
                         "the split model %.*s has %d of its %d shards listed", (int)g->stem_len,
                         g->first, g->count, g->of);
        } else {
            *n_chosen = 0;
            for (int k = 1; k <= g->of; k++)
                for (size_t i = 0; i < n; i++) {
                    int shard, of;
                    size_t len = stem_length(paths[i], &shard, &of);
                    if (len == g->stem_len && of == g->of && shard == k &&
                        strncmp(paths[i], g->first, len) == 0 && *n_chosen < max_chosen) {
                        chosen[(*n_chosen)++] = i;
                        break;
                    }
                }
            snprintf(label, label_size, "%s", g->label);
        }
    }
    free(groups);
    return rc;
}
