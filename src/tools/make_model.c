/* make_model.c -- switchyard-make-model: writes small GGUF models with random
 * weights, so tests and benchmarks run the real llama.cpp loader, tokenizer,
 * sampler and streaming path without downloading anything.
 *
 * The model is a llama-architecture transformer with a byte-level BPE
 * vocabulary (the 256 GPT-2 byte tokens, merges of byte pairs, and the ChatML
 * control tokens), a ChatML chat template, and F32/F16/Q8_0/Q4_0 weights
 * quantised with ggml's own quantize function. Same arguments, same bytes.
 *
 *   switchyard-make-model --out PATH [--preset tiny|smollm2-135m] [--type f32|f16|q8_0|q4_0]
 *       [--n-embd N] [--n-layer N] [--n-head N] [--n-head-kv N] [--n-ff N] [--n-vocab N]
 *       [--ctx N] [--seed N] [--name S] [--no-chat-template] [--never-stop]
 *
 * --never-stop zeroes the output rows of the control tokens (end of text, end
 * of turn): their logit is always 0 while the best of the others is above it,
 * so greedy generation runs until max_tokens or the context ends. Tests that
 * need a request to stay busy for a while use it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ggml.h"
#include "gguf.h"

/* ---- the model's shape ------------------------------------------------------------------ */

struct shape {
    int n_embd, n_layer, n_head, n_head_kv, n_ff, n_vocab, n_ctx;
    enum lm_ggml_type type; /* of the weight matrices; norms stay F32 */
    uint64_t seed;
    const char *name;
    bool chat_template;
    bool never_stop;
};

static const char CHATML_TEMPLATE[] =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' "
    "}}{% endif %}";

static const char *const CONTROL_TOKENS[] = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
#define N_CONTROL 3
#define N_BYTES 256

/* Tiny: loads and answers in milliseconds. SmolLM2-135M's shape: for benchmarks. */
static bool apply_preset(const char *name, struct shape *s)
{
    if (strcmp(name, "tiny") == 0) {
        *s = (struct shape){64, 2, 4, 2, 128, N_BYTES + N_CONTROL + 32, 2048, LM_GGML_TYPE_F16,
                            s->seed, s->name, s->chat_template, s->never_stop};
        return true;
    }
    if (strcmp(name, "smollm2-135m") == 0) {
        *s = (struct shape){576, 30, 9, 3, 1536, 49152, 8192, LM_GGML_TYPE_Q8_0, s->seed, s->name,
                            s->chat_template, s->never_stop};
        return true;
    }
    return false;
}

/* ---- randomness ------------------------------------------------------------------------- */

static uint64_t rng_next(uint64_t *state)
{
    /* xorshift64*: small, fast, and the same on every machine. */
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [-a, a]. */
static float rng_uniform(uint64_t *state, float a)
{
    return ((float)(rng_next(state) >> 40) / (float)(1ull << 24) * 2.0f - 1.0f) * a;
}

/* ---- the vocabulary --------------------------------------------------------------------- */

/* GPT-2's byte-to-unicode table: printable bytes stand for themselves, the
 * rest map to code points from U+0100 on. Writes the UTF-8 of byte b's token. */
static void byte_token(int b, char out[4])
{
    int cp;
    if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255)) {
        cp = b;
    } else {
        int n = 0;
        for (int i = 0; i < b; i++)
            if (!((i >= 33 && i <= 126) || (i >= 161 && i <= 172) || (i >= 174 && i <= 255)))
                n++;
        cp = 256 + n;
    }
    if (cp < 0x80) {
        out[0] = (char)cp;
        out[1] = '\0';
    } else {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        out[2] = '\0';
    }
}

/* Merge i pairs two bytes (from 32 up). Common English pairs come first,
 * so small vocabularies still merge ordinary text; then every other pair in a
 * fixed order. Every pair appears once: the merged tokens must be distinct. */
static const char COMMON_PAIRS[] = "thheinerantireonatennd"
                                   "esoredisitalarsttontng"
                                   "sehaasouioleveco";
#define N_COMMON ((int)(sizeof COMMON_PAIRS - 1) / 2)

static bool is_common(int a, int b)
{
    for (int j = 0; j < N_COMMON; j++)
        if (COMMON_PAIRS[2 * j] == a && COMMON_PAIRS[2 * j + 1] == b)
            return true;
    return false;
}

static void merge_pair(int i, int *a, int *b)
{
    if (i < N_COMMON) {
        *a = (unsigned char)COMMON_PAIRS[2 * i];
        *b = (unsigned char)COMMON_PAIRS[2 * i + 1];
        return;
    }
    i -= N_COMMON;
    for (int k = 0;; k++) {
        int x = 32 + k / 224, y = 32 + k % 224;
        if (!is_common(x, y) && i-- == 0) {
            *a = x;
            *b = y;
            return;
        }
    }
}

static void set_vocab(struct lm_gguf_context *g, const struct shape *s)
{
    int n_merges = s->n_vocab - N_BYTES - N_CONTROL;
    const char **tokens = calloc((size_t)s->n_vocab, sizeof *tokens);
    char *text = calloc((size_t)s->n_vocab, 16);
    int32_t *types = calloc((size_t)s->n_vocab, sizeof *types);
    const char **merges = calloc((size_t)n_merges + 1, sizeof *merges);
    char *merge_text = calloc((size_t)n_merges + 1, 16);
    if (!tokens || !text || !types || !merges || !merge_text) {
        fprintf(stderr, "switchyard-make-model: out of memory\n");
        exit(1);
    }
    for (int b = 0; b < N_BYTES; b++) {
        byte_token(b, text + 16 * b);
        tokens[b] = text + 16 * b;
        types[b] = 1; /* normal */
    }
    for (int i = 0; i < n_merges; i++) {
        int a, b;
        merge_pair(i, &a, &b);
        char ta[4], tb[4];
        byte_token(a, ta);
        byte_token(b, tb);
        int id = N_BYTES + i;
        snprintf(text + 16 * id, 16, "%s%s", ta, tb);
        tokens[id] = text + 16 * id;
        types[id] = 1;
        snprintf(merge_text + 16 * i, 16, "%s %s", ta, tb);
        merges[i] = merge_text + 16 * i;
    }
    int first_control = N_BYTES + n_merges;
    for (int i = 0; i < N_CONTROL; i++) {
        tokens[first_control + i] = CONTROL_TOKENS[i];
        types[first_control + i] = 3; /* control */
    }
    lm_gguf_set_val_str(g, "tokenizer.ggml.model", "gpt2");
    lm_gguf_set_val_str(g, "tokenizer.ggml.pre", "smollm");
    lm_gguf_set_arr_str(g, "tokenizer.ggml.tokens", tokens, (size_t)s->n_vocab);
    lm_gguf_set_arr_data(g, "tokenizer.ggml.token_type", LM_GGUF_TYPE_INT32, types,
                         (size_t)s->n_vocab);
    lm_gguf_set_arr_str(g, "tokenizer.ggml.merges", merges, (size_t)n_merges);
    lm_gguf_set_val_u32(g, "tokenizer.ggml.bos_token_id", (uint32_t)first_control);     /* <|endoftext|> */
    lm_gguf_set_val_u32(g, "tokenizer.ggml.eos_token_id", (uint32_t)first_control + 2); /* <|im_end|> */
    lm_gguf_set_val_u32(g, "tokenizer.ggml.padding_token_id", (uint32_t)first_control);
    lm_gguf_set_val_bool(g, "tokenizer.ggml.add_bos_token", false);
    if (s->chat_template)
        lm_gguf_set_val_str(g, "tokenizer.chat_template", CHATML_TEMPLATE);
    free(tokens);
    free(text);
    free(types);
    free(merges);
    free(merge_text);
}

/* ---- the weights ------------------------------------------------------------------------ */

/* Adds one 2-D (or 1-D when rows == 0) tensor filled with random values (or
 * ones for norms), stored in `type`; its last `zero_rows` rows are zeros. */
static void add_tensor(struct lm_gguf_context *g, struct lm_ggml_context *ctx, const char *name,
                       int cols, int rows, enum lm_ggml_type type, uint64_t *rng, float *scratch,
                       int zero_rows)
{
    bool norm = rows == 0;
    struct lm_ggml_tensor *t = norm ? lm_ggml_new_tensor_1d(ctx, LM_GGML_TYPE_F32, cols)
                                    : lm_ggml_new_tensor_2d(ctx, type, cols, rows);
    lm_ggml_set_name(t, name);
    int64_t n = (int64_t)cols * (norm ? 1 : rows);
    for (int64_t i = 0; i < n; i++)
        scratch[i] = norm ? 1.0f : rng_uniform(rng, 0.035f); /* std ~0.02 */
    if (zero_rows > 0)
        memset(scratch + (int64_t)cols * (rows - zero_rows), 0,
               (size_t)cols * (size_t)zero_rows * sizeof(float));
    if (norm || type == LM_GGML_TYPE_F32)
        memcpy(t->data, scratch, (size_t)n * sizeof(float));
    else if (type == LM_GGML_TYPE_F16)
        lm_ggml_fp32_to_fp16_row(scratch, t->data, n);
    else
        lm_ggml_quantize_chunk(type, scratch, t->data, 0, rows, cols, NULL);
    lm_gguf_add_tensor(g, t);
}

static int ftype_of(enum lm_ggml_type type)
{
    switch (type) {
    case LM_GGML_TYPE_F32: return 0;
    case LM_GGML_TYPE_F16: return 1;
    case LM_GGML_TYPE_Q4_0: return 2;
    case LM_GGML_TYPE_Q8_0: return 7;
    default: return 1;
    }
}

static int write_model(const struct shape *s, const char *out)
{
    int head_dim = s->n_embd / s->n_head;
    int n_embd_kv = head_dim * s->n_head_kv;
    struct lm_gguf_context *g = lm_gguf_init_empty();
    lm_gguf_set_val_str(g, "general.architecture", "llama");
    lm_gguf_set_val_str(g, "general.name", s->name);
    lm_gguf_set_val_u32(g, "general.file_type", (uint32_t)ftype_of(s->type));
    lm_gguf_set_val_u32(g, "general.quantization_version", 2);
    lm_gguf_set_val_u32(g, "llama.context_length", (uint32_t)s->n_ctx);
    lm_gguf_set_val_u32(g, "llama.embedding_length", (uint32_t)s->n_embd);
    lm_gguf_set_val_u32(g, "llama.block_count", (uint32_t)s->n_layer);
    lm_gguf_set_val_u32(g, "llama.feed_forward_length", (uint32_t)s->n_ff);
    lm_gguf_set_val_u32(g, "llama.attention.head_count", (uint32_t)s->n_head);
    lm_gguf_set_val_u32(g, "llama.attention.head_count_kv", (uint32_t)s->n_head_kv);
    lm_gguf_set_val_u32(g, "llama.rope.dimension_count", (uint32_t)head_dim);
    lm_gguf_set_val_f32(g, "llama.rope.freq_base", 10000.0f);
    lm_gguf_set_val_f32(g, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
    lm_gguf_set_val_u32(g, "llama.vocab_size", (uint32_t)s->n_vocab);
    set_vocab(g, s);

    /* One ggml context holds every tensor's data until the file is written. */
    int n_tensors = 3 + 9 * s->n_layer;
    size_t big = (size_t)s->n_embd * (size_t)(s->n_vocab > s->n_ff ? s->n_vocab : s->n_ff);
    size_t mem = (size_t)n_tensors * lm_ggml_tensor_overhead() +
                 2 * lm_ggml_row_size(s->type, s->n_embd) * (size_t)s->n_vocab +
                 (size_t)s->n_layer *
                     (lm_ggml_row_size(s->type, s->n_embd) * (size_t)(2 * s->n_embd + 2 * n_embd_kv + 2 * s->n_ff) +
                      lm_ggml_row_size(s->type, s->n_ff) * (size_t)s->n_embd +
                      2 * (size_t)s->n_embd * sizeof(float)) +
                 (size_t)s->n_embd * sizeof(float) + (size_t)n_tensors * 64;
    struct lm_ggml_init_params ip = {.mem_size = mem, .mem_buffer = NULL, .no_alloc = false};
    struct lm_ggml_context *ctx = lm_ggml_init(ip);
    float *scratch = malloc(big * sizeof(float));
    if (!ctx || !scratch) {
        fprintf(stderr, "switchyard-make-model: out of memory\n");
        return 1;
    }
    uint64_t rng = s->seed * 0x9E3779B97F4A7C15ull + 1;
    add_tensor(g, ctx, "token_embd.weight", s->n_embd, s->n_vocab, s->type, &rng, scratch, 0);
    add_tensor(g, ctx, "output_norm.weight", s->n_embd, 0, s->type, &rng, scratch, 0);
    /* The control tokens are the vocabulary's last ids (set_vocab). */
    add_tensor(g, ctx, "output.weight", s->n_embd, s->n_vocab, s->type, &rng, scratch,
               s->never_stop ? N_CONTROL : 0);
    for (int l = 0; l < s->n_layer; l++) {
        char name[64];
#define LAYER(suffix, cols, rows)                                                                  \
    snprintf(name, sizeof name, "blk.%d." suffix, l);                                             \
    add_tensor(g, ctx, name, cols, rows, s->type, &rng, scratch, 0)
        LAYER("attn_norm.weight", s->n_embd, 0);
        LAYER("attn_q.weight", s->n_embd, s->n_embd);
        LAYER("attn_k.weight", s->n_embd, n_embd_kv);
        LAYER("attn_v.weight", s->n_embd, n_embd_kv);
        LAYER("attn_output.weight", s->n_embd, s->n_embd);
        LAYER("ffn_norm.weight", s->n_embd, 0);
        LAYER("ffn_gate.weight", s->n_embd, s->n_ff);
        LAYER("ffn_up.weight", s->n_embd, s->n_ff);
        LAYER("ffn_down.weight", s->n_ff, s->n_embd);
#undef LAYER
    }
    free(scratch);

    /* Written under a temporary name and renamed: nobody sees half a model. */
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.partial", out);
    int rc = 0;
    if (!lm_gguf_write_to_file(g, tmp, false) || rename(tmp, out) != 0) {
        fprintf(stderr, "switchyard-make-model: cannot write %s\n", out);
        unlink(tmp);
        rc = 1;
    }
    lm_ggml_free(ctx);
    lm_gguf_free(g);
    return rc;
}

/* ---- command line ----------------------------------------------------------------------- */

static int usage(void)
{
    fprintf(stderr,
            "usage: switchyard-make-model --out PATH [--preset tiny|smollm2-135m]\n"
            "       [--type f32|f16|q8_0|q4_0] [--n-embd N] [--n-layer N] [--n-head N]\n"
            "       [--n-head-kv N] [--n-ff N] [--n-vocab N] [--ctx N] [--seed N] [--name S]\n"
            "       [--no-chat-template] [--never-stop]\n");
    return 2;
}

static bool parse_type(const char *s, enum lm_ggml_type *out)
{
    static const struct { const char *name; enum lm_ggml_type type; } types[] = {
        {"f32", LM_GGML_TYPE_F32}, {"f16", LM_GGML_TYPE_F16}, {"q8_0", LM_GGML_TYPE_Q8_0},
        {"q4_0", LM_GGML_TYPE_Q4_0}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (strcmp(s, types[i].name) == 0) {
            *out = types[i].type;
            return true;
        }
    }
    return false;
}

static bool parse_int(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v <= 0 || v > 1 << 24)
        return false;
    *out = (int)v;
    return true;
}

int main(int argc, char **argv)
{
    struct shape s = {.seed = 1, .name = "switchyard-tiny", .chat_template = true};
    apply_preset("tiny", &s);
    const char *out = NULL, *type = NULL;
    int overrides[7] = {0}; /* n_embd, n_layer, n_head, n_head_kv, n_ff, n_vocab, ctx */
    static const char *const dims[7] = {"--n-embd", "--n-layer", "--n-head", "--n-head-kv",
                                        "--n-ff", "--n-vocab", "--ctx"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--no-chat-template") == 0) {
            s.chat_template = false;
            continue;
        }
        if (strcmp(a, "--never-stop") == 0) {
            s.never_stop = true;
            continue;
        }
        if (i + 1 >= argc)
            return usage();
        const char *v = argv[++i];
        bool ok = true;
        if (strcmp(a, "--out") == 0)
            out = v;
        else if (strcmp(a, "--preset") == 0)
            ok = apply_preset(v, &s);
        else if (strcmp(a, "--type") == 0)
            type = v;
        else if (strcmp(a, "--name") == 0)
            s.name = v;
        else if (strcmp(a, "--seed") == 0)
            s.seed = strtoull(v, NULL, 10);
        else {
            ok = false;
            for (int d = 0; d < 7; d++)
                if (strcmp(a, dims[d]) == 0)
                    ok = parse_int(v, &overrides[d]);
        }
        if (!ok) {
            fprintf(stderr, "switchyard-make-model: bad option %s %s\n", a, v);
            return usage();
        }
    }
    int *fields[7] = {&s.n_embd, &s.n_layer, &s.n_head, &s.n_head_kv, &s.n_ff, &s.n_vocab, &s.n_ctx};
    for (int d = 0; d < 7; d++)
        if (overrides[d])
            *fields[d] = overrides[d];
    if (type && !parse_type(type, &s.type)) {
        fprintf(stderr, "switchyard-make-model: unknown type %s\n", type);
        return usage();
    }
    if (!out)
        return usage();
    int block = (int)lm_ggml_blck_size(s.type);
    if (s.n_embd % s.n_head || s.n_head % s.n_head_kv || s.n_embd % block || s.n_ff % block ||
        s.n_vocab < N_BYTES + N_CONTROL || s.n_vocab - N_BYTES - N_CONTROL > 224 * 224) {
        fprintf(stderr, "switchyard-make-model: inconsistent shape (n_embd must divide by n_head "
                        "and by the type's block of %d, n_head by n_head_kv, n_ff by the block; "
                        "n_vocab >= %d)\n",
                block, N_BYTES + N_CONTROL);
        return 2;
    }
    return write_model(&s, out);
}
