/* gguf_reader.c -- GGUF v2/v3 header parsing with every size checked first.
 *
 * Layout: "GGUF", u32 version, u64 tensor_count, u64 kv_count, the key/value
 * pairs, the tensor infos, padding to general.alignment, then tensor data.
 * All integers little-endian. The cursor below reads from memory or from a
 * file through a buffer; both refuse to move past the end, so the parser never
 * trusts a length it has not checked against the bytes that remain. */
#include "models/gguf_reader.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/limits.h"
#include "util/utf8.h"

#define GGUF_KEY_MAX 1024        /* bytes of one key */
#define GGUF_TENSOR_NAME_MAX 63  /* ggml names hold 64 bytes with the NUL */
#define GGUF_DEFAULT_ALIGNMENT 32
#define GGUF_ARCH_FIELDS_MAX 64  /* "<arch>.<field>" values seen before the arch is known */

enum gguf_type {
    T_U8, T_I8, T_U16, T_I16, T_U32, T_I32, T_F32, T_BOOL, T_STRING, T_ARRAY, T_U64, T_I64, T_F64,
    T_COUNT
};
static const unsigned scalar_size[T_COUNT] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

/* ggml tensor types: name, elements per block, bytes per block (0: not in files). */
static const struct {
    const char *name;
    unsigned block, bytes;
} ggml_types[] = {
    {"F32", 1, 4}, {"F16", 1, 2}, {"Q4_0", 32, 18}, {"Q4_1", 32, 20}, {NULL, 0, 0}, {NULL, 0, 0},
    {"Q5_0", 32, 22}, {"Q5_1", 32, 24}, {"Q8_0", 32, 34}, {"Q8_1", 32, 36}, {"Q2_K", 256, 84},
    {"Q3_K", 256, 110}, {"Q4_K", 256, 144}, {"Q5_K", 256, 176}, {"Q6_K", 256, 210},
    {"Q8_K", 256, 292}, {"IQ2_XXS", 256, 66}, {"IQ2_XS", 256, 74}, {"IQ3_XXS", 256, 98},
    {"IQ1_S", 256, 50}, {"IQ4_NL", 32, 18}, {"IQ3_S", 256, 110}, {"IQ2_S", 256, 82},
    {"IQ4_XS", 256, 136}, {"I8", 1, 1}, {"I16", 1, 2}, {"I32", 1, 4}, {"I64", 1, 8},
    {"F64", 1, 8}, {"IQ1_M", 256, 56}, {"BF16", 1, 2}, {NULL, 0, 0}, {NULL, 0, 0}, {NULL, 0, 0},
    {"TQ1_0", 256, 54}, {"TQ2_0", 256, 66}, {NULL, 0, 0}, {NULL, 0, 0}, {NULL, 0, 0},
    {"MXFP4", 32, 17}, {"NVFP4", 64, 36}, {"Q1_0", 128, 18}, {"Q2_0", 64, 18},
};
#define N_GGML_TYPES (sizeof ggml_types / sizeof ggml_types[0])

/* llama_ftype values as they appear in general.file_type. */
static const char *ftype_name(int32_t ft)
{
    static const char *const names[] = {
        [0] = "F32", [1] = "F16", [2] = "Q4_0", [3] = "Q4_1", [7] = "Q8_0", [8] = "Q5_0",
        [9] = "Q5_1", [10] = "Q2_K", [11] = "Q3_K_S", [12] = "Q3_K_M", [13] = "Q3_K_L",
        [14] = "Q4_K_S", [15] = "Q4_K_M", [16] = "Q5_K_S", [17] = "Q5_K_M", [18] = "Q6_K",
        [19] = "IQ2_XXS", [20] = "IQ2_XS", [21] = "Q2_K_S", [22] = "IQ3_XS", [23] = "IQ3_XXS",
        [24] = "IQ1_S", [25] = "IQ4_NL", [26] = "IQ3_S", [27] = "IQ3_M", [28] = "IQ2_S",
        [29] = "IQ2_M", [30] = "IQ4_XS", [31] = "IQ1_M", [32] = "BF16", [36] = "TQ1_0",
        [37] = "TQ2_0", [38] = "MXFP4_MOE", [39] = "NVFP4", [40] = "Q1_0", [41] = "Q2_0"};
    if (ft < 0 || (size_t)ft >= sizeof names / sizeof names[0])
        return NULL;
    return names[ft];
}

/* ---- the bounded cursor ----------------------------------------------------------------- */

struct cursor {
    const char *what;              /* file name for messages */
    const unsigned char *mem;      /* memory source, or NULL */
    FILE *file;                    /* file source, or NULL */
    uint64_t size, pos;            /* total bytes, bytes consumed */
    unsigned char buf[64 * 1024];  /* file read-ahead */
    size_t buf_len, buf_pos;
    struct sy_err *err;
};

static uint64_t remaining(const struct cursor *c)
{
    return c->size - c->pos;
}

static sy_code fail(struct cursor *c, const char *fmt, const char *detail)
{
    char text[SY_ERR_MSG_MAX];
    snprintf(text, sizeof text, fmt, detail);
    return sy_errf(c->err, SY_EINVAL, "%s is not a valid GGUF file: %s (at byte %llu)", c->what,
                   text, (unsigned long long)c->pos);
}

static sy_code read_bytes(struct cursor *c, void *dst, uint64_t n)
{
    if (n > remaining(c))
        return fail(c, "%s", "the file ends in the middle of the header");
    unsigned char *d = dst;
    if (c->mem) {
        memcpy(d, c->mem + c->pos, (size_t)n);
        c->pos += n;
        return SY_OK;
    }
    while (n > 0) {
        if (c->buf_pos == c->buf_len) {
            c->buf_len = fread(c->buf, 1, sizeof c->buf, c->file);
            c->buf_pos = 0;
            if (c->buf_len == 0)
                return sy_errf(c->err, SY_EIO, "reading %s failed at byte %llu", c->what,
                               (unsigned long long)c->pos);
        }
        size_t take = c->buf_len - c->buf_pos;
        if (take > n)
            take = (size_t)n;
        memcpy(d, c->buf + c->buf_pos, take);
        c->buf_pos += take;
        c->pos += take;
        d += take;
        n -= take;
    }
    return SY_OK;
}

static sy_code skip(struct cursor *c, uint64_t n)
{
    if (n > remaining(c))
        return fail(c, "%s", "the file ends in the middle of the header");
    if (c->mem) {
        c->pos += n;
        return SY_OK;
    }
    size_t buffered = c->buf_len - c->buf_pos;
    if (n <= buffered) {
        c->buf_pos += (size_t)n;
        c->pos += n;
        return SY_OK;
    }
    c->pos += n;
    c->buf_pos = c->buf_len = 0;
    if (fseeko(c->file, (off_t)c->pos, SEEK_SET) != 0)
        return sy_errf(c->err, SY_EIO, "seeking in %s failed: %s", c->what, strerror(errno));
    return SY_OK;
}

static sy_code read_u32(struct cursor *c, uint32_t *v)
{
    unsigned char b[4];
    sy_code rc = read_bytes(c, b, 4);
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return rc;
}

static sy_code read_u64(struct cursor *c, uint64_t *v)
{
    unsigned char b[8];
    sy_code rc = read_bytes(c, b, 8);
    *v = 0;
    for (int i = 7; i >= 0; i--)
        *v = *v << 8 | b[i];
    return rc;
}

/* Reads a GGUF string (u64 length + bytes) of at most max bytes into a new
 * NUL-terminated buffer owned by the caller. */
static sy_code read_string(struct cursor *c, uint64_t max, char **out)
{
    uint64_t len;
    sy_code rc = read_u64(c, &len);
    if (rc != SY_OK)
        return rc;
    if (len > max || len > remaining(c))
        return fail(c, "%s", "a string is longer than its limit or than the file");
    char *s = malloc((size_t)len + 1);
    if (!s)
        return sy_errf(c->err, SY_ENOMEM, "out of memory reading %s", c->what);
    if ((rc = read_bytes(c, s, len)) != SY_OK) {
        free(s);
        return rc;
    }
    s[len] = '\0';
    *out = s;
    return SY_OK;
}

/* ---- key/value pairs -------------------------------------------------------------------- */

struct arch_field {
    char prefix[64]; /* "llama" of "llama.context_length" */
    int field;       /* index into arch_suffixes */
    uint64_t value;
};

static const char *const arch_suffixes[] = {".context_length", ".embedding_length", ".block_count",
                                            ".attention.head_count", ".attention.head_count_kv"};
#define N_ARCH_SUFFIXES 5

struct parse {
    struct cursor *c;
    struct gguf_info *info;
    uint32_t alignment;
    uint64_t *key_hashes; /* for duplicate detection */
    struct arch_field arch[GGUF_ARCH_FIELDS_MAX];
    size_t n_arch;
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Reads a scalar of type t as an unsigned integer (for counts and sizes). */
static sy_code read_scalar(struct cursor *c, uint32_t t, uint64_t *v, bool *is_int)
{
    unsigned char b[8] = {0};
    sy_code rc = read_bytes(c, b, scalar_size[t]);
    *v = 0;
    for (int i = (int)scalar_size[t] - 1; i >= 0; i--)
        *v = *v << 8 | b[i];
    *is_int = t != T_F32 && t != T_F64 && t != T_BOOL;
    /* Negative signed values are not counts. */
    if ((t == T_I8 && (b[0] & 0x80)) || (t == T_I16 && (b[1] & 0x80)) ||
        (t == T_I32 && (b[3] & 0x80)) || (t == T_I64 && (b[7] & 0x80)))
        *is_int = false;
    return rc;
}

static sy_code skip_array(struct parse *p, const char *key, uint64_t *count_out)
{
    struct cursor *c = p->c;
    uint32_t et;
    uint64_t count;
    sy_code rc = read_u32(c, &et);
    if (rc == SY_OK)
        rc = read_u64(c, &count);
    if (rc != SY_OK)
        return rc;
    if (et >= T_COUNT)
        return fail(c, "array '%s' has an unknown element type", key);
    if (et == T_ARRAY)
        return fail(c, "array '%s' holds arrays, which this server does not read", key);
    if (count > SY_GGUF_ARRAY_MAX)
        return fail(c, "array '%s' has more elements than allowed", key);
    *count_out = count;
    if (et != T_STRING) {
        if (count > remaining(c) / scalar_size[et])
            return fail(c, "array '%s' runs past the end of the file", key);
        return skip(c, count * scalar_size[et]);
    }
    if (count > remaining(c) / 8) /* every string needs at least its 8-byte length */
        return fail(c, "array '%s' runs past the end of the file", key);
    for (uint64_t i = 0; i < count && rc == SY_OK; i++) {
        uint64_t len;
        if ((rc = read_u64(c, &len)) != SY_OK)
            break;
        if (len > SY_GGUF_STRING_MAX)
            return fail(c, "a string in array '%s' is longer than allowed", key);
        rc = skip(c, len);
    }
    return rc;
}

static bool ends_with(const char *s, const char *suffix, size_t *prefix_len)
{
    size_t n = strlen(s), m = strlen(suffix);
    if (n <= m || strcmp(s + n - m, suffix) != 0)
        return false;
    *prefix_len = n - m;
    return true;
}

/* Stores a captured string value into a fixed field, requiring UTF-8. */
static sy_code keep_string(struct parse *p, const char *key, char *value, char *field,
                           size_t size)
{
    sy_code rc = SY_OK;
    if (!utf8_valid(value, strlen(value)))
        rc = fail(p->c, "'%s' is not valid UTF-8", key);
    else
        snprintf(field, size, "%s", value);
    free(value);
    return rc;
}

static sy_code read_kv(struct parse *p, uint64_t index)
{
    struct cursor *c = p->c;
    struct gguf_info *info = p->info;
    char *key = NULL;
    sy_code rc = read_string(c, GGUF_KEY_MAX, &key);
    if (rc != SY_OK)
        return rc;
    uint32_t t = 0;
    if (!key[0] || !utf8_valid(key, strlen(key)))
        rc = fail(c, "%s", "a key is empty or not valid UTF-8");
    if (rc == SY_OK)
        rc = read_u32(c, &t);
    if (rc == SY_OK && t >= T_COUNT)
        rc = fail(c, "key '%s' has an unknown value type", key);
    if (rc != SY_OK)
        goto out;
    p->key_hashes[index] = fnv1a(key);

    if (t == T_ARRAY) {
        uint64_t count = 0;
        rc = skip_array(p, key, &count);
        if (rc == SY_OK && strcmp(key, "tokenizer.ggml.tokens") == 0)
            info->vocab_size = count;
    } else if (t == T_STRING) {
        char *value = NULL;
        bool is_template = strcmp(key, "tokenizer.chat_template") == 0;
        rc = read_string(c, SY_GGUF_STRING_MAX, &value);
        if (rc != SY_OK)
            goto out;
        if (strcmp(key, "general.architecture") == 0)
            rc = keep_string(p, key, value, info->architecture, sizeof info->architecture);
        else if (strcmp(key, "general.name") == 0)
            rc = keep_string(p, key, value, info->name, sizeof info->name);
        else if (strcmp(key, "tokenizer.ggml.model") == 0)
            rc = keep_string(p, key, value, info->tokenizer_model, sizeof info->tokenizer_model);
        else if (is_template && utf8_valid(value, strlen(value))) {
            free(info->chat_template);
            info->chat_template = value;
        } else if (is_template) {
            free(value);
            rc = fail(c, "%s", "the chat template is not valid UTF-8");
        } else {
            free(value);
        }
    } else {
        uint64_t v;
        bool is_int;
        if ((rc = read_scalar(c, t, &v, &is_int)) != SY_OK)
            goto out;
        size_t plen;
        if (strcmp(key, "general.alignment") == 0) {
            if (!is_int || v == 0 || v > (1u << 20) || (v & (v - 1)) != 0)
                rc = fail(c, "%s", "general.alignment is not a power of two");
            else
                p->alignment = (uint32_t)v;
        } else if (strcmp(key, "general.file_type") == 0 && is_int && v <= INT32_MAX) {
            info->file_type = (int32_t)v;
        } else if (is_int) {
            for (int f = 0; f < N_ARCH_SUFFIXES; f++) {
                if (ends_with(key, arch_suffixes[f], &plen) && plen < sizeof p->arch[0].prefix &&
                    p->n_arch < GGUF_ARCH_FIELDS_MAX) {
                    struct arch_field *a = &p->arch[p->n_arch++];
                    memcpy(a->prefix, key, plen);
                    a->prefix[plen] = '\0';
                    a->field = f;
                    a->value = v;
                }
            }
        }
    }
out:
    free(key);
    return rc;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* ---- tensor infos ----------------------------------------------------------------------- */

struct tensor_totals {
    uint64_t max_end;          /* largest offset + size */
    char max_end_name[GGUF_TENSOR_NAME_MAX + 1];
    uint64_t elements_by_type[N_GGML_TYPES];
};

static sy_code read_tensor(struct parse *p, struct tensor_totals *tt)
{
    struct cursor *c = p->c;
    char *name = NULL;
    sy_code rc = read_string(c, GGUF_TENSOR_NAME_MAX, &name);
    if (rc != SY_OK)
        return rc;
    uint32_t n_dims, type;
    uint64_t dims[SY_GGUF_DIMS_MAX], offset, elements = 1;
    if ((rc = read_u32(c, &n_dims)) != SY_OK)
        goto out;
    if (n_dims == 0 || n_dims > SY_GGUF_DIMS_MAX) {
        rc = fail(c, "tensor '%s' has an invalid number of dimensions", name);
        goto out;
    }
    for (uint32_t d = 0; d < n_dims && rc == SY_OK; d++) {
        rc = read_u64(c, &dims[d]);
        if (rc == SY_OK && (dims[d] > INT64_MAX || __builtin_mul_overflow(elements, dims[d], &elements) ||
                            elements > INT64_MAX))
            rc = fail(c, "tensor '%s' has dimensions whose product overflows", name);
    }
    if (rc == SY_OK)
        rc = read_u32(c, &type);
    if (rc == SY_OK)
        rc = read_u64(c, &offset);
    if (rc != SY_OK)
        goto out;
    if (type >= N_GGML_TYPES || ggml_types[type].block == 0) {
        rc = fail(c, "tensor '%s' has an unknown or retired data type", name);
        goto out;
    }
    if (dims[0] % ggml_types[type].block != 0) {
        rc = fail(c, "tensor '%s' has rows that do not fill whole blocks of its type", name);
        goto out;
    }
    if (offset % p->alignment != 0) {
        rc = fail(c, "tensor '%s' data is not aligned", name);
        goto out;
    }
    uint64_t bytes;
    if (__builtin_mul_overflow(elements / ggml_types[type].block, (uint64_t)ggml_types[type].bytes,
                               &bytes)) {
        rc = fail(c, "tensor '%s' is impossibly large", name);
        goto out;
    }
    uint64_t end;
    if (__builtin_add_overflow(offset, bytes, &end)) {
        rc = fail(c, "tensor '%s' data offset overflows", name);
        goto out;
    }
    if (end > tt->max_end) {
        tt->max_end = end;
        snprintf(tt->max_end_name, sizeof tt->max_end_name, "%s", name);
    }
    p->info->parameter_count += elements;
    p->info->tensor_data_bytes += bytes;
    tt->elements_by_type[type] += elements;
out:
    free(name);
    return rc;
}

/* ---- the whole header ------------------------------------------------------------------- */

static void finish_metadata(struct parse *p, const struct tensor_totals *tt)
{
    struct gguf_info *info = p->info;
    uint64_t *targets[N_ARCH_SUFFIXES] = {&info->context_length, &info->embedding_length,
                                          &info->block_count, &info->head_count,
                                          &info->head_count_kv};
    for (size_t i = 0; i < p->n_arch; i++)
        if (strcmp(p->arch[i].prefix, info->architecture) == 0)
            *targets[p->arch[i].field] = p->arch[i].value;
    const char *q = ftype_name(info->file_type);
    if (!q) { /* no file type: name the type that holds the most weights */
        uint64_t best = 0;
        for (size_t t = 0; t < N_GGML_TYPES; t++) {
            if (t != 0 && tt->elements_by_type[t] > best) { /* F32 is norms and biases */
                best = tt->elements_by_type[t];
                q = ggml_types[t].name;
            }
        }
        if (!q)
            q = tt->elements_by_type[0] ? "F32" : "";
    }
    snprintf(info->quantization, sizeof info->quantization, "%s", q);
}

static sy_code parse(struct cursor *c, struct gguf_info *info)
{
    memset(info, 0, sizeof *info);
    info->file_type = -1;
    info->file_size = c->size;
    struct parse p = {.c = c, .info = info, .alignment = GGUF_DEFAULT_ALIGNMENT};
    char magic[4];
    sy_code rc = read_bytes(c, magic, 4);
    if (rc != SY_OK)
        return rc;
    if (memcmp(magic, "GGUF", 4) != 0)
        return fail(c, "%s", "it does not start with the GGUF magic");
    if ((rc = read_u32(c, &info->version)) != SY_OK)
        return rc;
    if (info->version != 2 && info->version != 3)
        return fail(c, "%s", "only GGUF versions 2 and 3 are supported");
    if ((rc = read_u64(c, &info->tensor_count)) != SY_OK || (rc = read_u64(c, &info->kv_count)) != SY_OK)
        return rc;
    /* A key/value pair takes at least 13 bytes, a tensor info at least 33. */
    if (info->kv_count > SY_GGUF_KV_MAX || info->kv_count > remaining(c) / 13)
        return fail(c, "%s", "the key/value count is larger than the file could hold");
    if (info->tensor_count > SY_GGUF_TENSORS_MAX || info->tensor_count > remaining(c) / 33)
        return fail(c, "%s", "the tensor count is larger than the file could hold");

    p.key_hashes = calloc(info->kv_count ? info->kv_count : 1, sizeof *p.key_hashes);
    if (!p.key_hashes)
        return sy_errf(c->err, SY_ENOMEM, "out of memory reading %s", c->what);
    for (uint64_t i = 0; i < info->kv_count && rc == SY_OK; i++)
        rc = read_kv(&p, i);
    if (rc == SY_OK && info->kv_count > 1) {
        qsort(p.key_hashes, info->kv_count, sizeof *p.key_hashes, compare_u64);
        for (uint64_t i = 1; i < info->kv_count && rc == SY_OK; i++)
            if (p.key_hashes[i] == p.key_hashes[i - 1])
                rc = fail(c, "%s", "a key appears twice");
    }
    free(p.key_hashes);

    struct tensor_totals *tt = calloc(1, sizeof *tt);
    if (rc == SY_OK && !tt)
        rc = sy_errf(c->err, SY_ENOMEM, "out of memory reading %s", c->what);
    for (uint64_t i = 0; i < info->tensor_count && rc == SY_OK; i++)
        rc = read_tensor(&p, tt);
    if (rc == SY_OK) {
        uint64_t data_start = (c->pos + p.alignment - 1) / p.alignment * p.alignment;
        if (data_start > c->size || tt->max_end > c->size - data_start) {
            char what[160];
            snprintf(what, sizeof what, "tensor '%s' data ends past the end of the %llu-byte file",
                     tt->max_end_name, (unsigned long long)c->size);
            rc = fail(c, "%s", what);
        }
    }
    if (rc == SY_OK)
        finish_metadata(&p, tt);
    free(tt);
    if (rc != SY_OK)
        gguf_info_cleanup(info);
    return rc;
}

sy_code gguf_info_read_mem(const void *data, size_t size, struct gguf_info *out,
                           struct sy_err *err)
{
    struct cursor *c = calloc(1, sizeof *c);
    if (!c)
        return sy_errf(err, SY_ENOMEM, "out of memory reading a GGUF header");
    c->what = "<memory>";
    c->mem = data;
    c->size = size;
    c->err = err;
    sy_code rc = parse(c, out);
    free(c);
    return rc;
}

sy_code gguf_info_read_file(const char *path, struct gguf_info *out, struct sy_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return sy_errf(err, SY_EIO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return sy_errf(err, SY_EIO, "%s is not a regular file", path);
    }
    struct cursor *c = calloc(1, sizeof *c);
    if (!c) {
        fclose(f);
        return sy_errf(err, SY_ENOMEM, "out of memory reading %s", path);
    }
    c->what = path;
    c->file = f;
    c->size = (uint64_t)st.st_size;
    c->err = err;
    sy_code rc = parse(c, out);
    free(c);
    fclose(f);
    return rc;
}

void gguf_info_cleanup(struct gguf_info *info)
{
    if (!info)
        return;
    free(info->chat_template);
    info->chat_template = NULL;
}
