/* test_gguf_reader.c -- the bounded GGUF header reader, on valid and hostile
 * images built byte by byte here. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/gguf_reader.h"
#include "t.h"
#include "util/buf.h"

/* ---- a tiny GGUF writer ----------------------------------------------------------------- */

enum { U32 = 4, STR = 8, ARR = 9, U64 = 10 };

static void u32(struct sy_buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    buf_append(b, x, 4, NULL);
}

static void u64(struct sy_buf *b, uint64_t v)
{
    u32(b, (uint32_t)v);
    u32(b, (uint32_t)(v >> 32));
}

static void str(struct sy_buf *b, const char *s)
{
    u64(b, strlen(s));
    buf_append(b, s, strlen(s), NULL);
}

static void kv_str(struct sy_buf *b, const char *k, const char *v)
{
    str(b, k);
    u32(b, STR);
    str(b, v);
}

static void kv_u32(struct sy_buf *b, const char *k, uint32_t v)
{
    str(b, k);
    u32(b, U32);
    u32(b, v);
}

static void tensor(struct sy_buf *b, const char *name, uint32_t n_dims, const uint64_t *dims,
                   uint32_t type, uint64_t offset)
{
    str(b, name);
    u32(b, n_dims);
    for (uint32_t i = 0; i < n_dims; i++)
        u64(b, dims[i]);
    u32(b, type);
    u64(b, offset);
}

static void pad_to(struct sy_buf *b, size_t align)
{
    static const char zeros[64];
    while (b->len % align)
        buf_append(b, zeros, 1, NULL);
}

static void data(struct sy_buf *b, size_t n)
{
    char *z = calloc(1, n);
    buf_append(b, z, n, NULL);
    free(z);
}

/* A valid model: 10 kv pairs, two tensors (F32 [64] and Q8_0 [64 x 4]). */
static void valid_image(struct sy_buf *b, uint32_t version, bool file_type)
{
    buf_init(b, 1 << 20);
    buf_append(b, "GGUF", 4, NULL);
    u32(b, version);
    u64(b, 2);                      /* tensors */
    u64(b, file_type ? 10 : 9);     /* kv pairs */
    kv_str(b, "general.architecture", "llama");
    kv_str(b, "general.name", "Tiny Test");
    kv_u32(b, "llama.context_length", 2048);
    kv_u32(b, "llama.embedding_length", 64);
    kv_u32(b, "llama.block_count", 2);
    kv_u32(b, "other.context_length", 99); /* another arch's key: ignored */
    kv_str(b, "tokenizer.chat_template", "{{ messages }}");
    str(b, "tokenizer.ggml.tokens");
    u32(b, ARR);
    u32(b, STR);
    u64(b, 3);
    str(b, "a");
    str(b, "b");
    str(b, "<|im_end|>");
    kv_u32(b, "general.alignment", 32);
    if (file_type)
        kv_u32(b, "general.file_type", 7);
    uint64_t d1[1] = {64}, d2[2] = {64, 4};
    tensor(b, "norm.weight", 1, d1, 0, 0);
    tensor(b, "blk.0.attn_q.weight", 2, d2, 8, 256);
    pad_to(b, 32);
    data(b, 256 + 272);
}

static sy_code parse(const struct sy_buf *b, struct gguf_info *info, struct sy_err *err)
{
    return gguf_info_read_mem(b->data, b->len, info, err);
}

static void expect_invalid(struct sy_buf *b, const char *why)
{
    struct gguf_info info;
    struct sy_err err;
    sy_code rc = parse(b, &info, &err);
    if (rc != SY_EINVAL)
        printf("#   %s: accepted (code %d)\n", why, rc);
    T_EQ_INT(rc, SY_EINVAL);
    if (rc == SY_OK)
        gguf_info_cleanup(&info);
    buf_cleanup(b);
}

/* A header whose first fields are given, with nothing after them. */
static void header(struct sy_buf *b, uint32_t version, uint64_t tensors, uint64_t kvs)
{
    buf_init(b, 1 << 20);
    buf_append(b, "GGUF", 4, NULL);
    u32(b, version);
    u64(b, tensors);
    u64(b, kvs);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_valid(void)
{
    struct sy_buf b;
    valid_image(&b, 3, true);
    struct gguf_info info;
    struct sy_err err;
    T_REQUIRE(parse(&b, &info, &err) == SY_OK);
    T_EQ_INT(info.version, 3);
    T_EQ_STR(info.architecture, "llama");
    T_EQ_STR(info.name, "Tiny Test");
    T_EQ_INT(info.context_length, 2048);
    T_EQ_INT(info.embedding_length, 64);
    T_EQ_INT(info.block_count, 2);
    T_EQ_INT(info.vocab_size, 3);
    T_EQ_STR(info.chat_template, "{{ messages }}");
    T_EQ_STR(info.quantization, "Q8_0");
    T_EQ_INT(info.parameter_count, 64 + 256);
    T_EQ_INT(info.tensor_data_bytes, 256 + 272);
    T_EQ_INT(info.tensor_count, 2);
    gguf_info_cleanup(&info);
    buf_cleanup(&b);

    /* Version 2, and no file_type: the quantisation comes from the weights. */
    valid_image(&b, 2, false);
    T_REQUIRE(parse(&b, &info, &err) == SY_OK);
    T_EQ_STR(info.quantization, "Q8_0");
    T_EQ_INT(info.file_type, -1);
    gguf_info_cleanup(&info);
    buf_cleanup(&b);
}

static void test_every_truncation_fails(void)
{
    struct sy_buf b;
    valid_image(&b, 3, true);
    /* Every strict prefix that cuts into the header or the data must be refused. */
    for (size_t n = 0; n < b.len; n++) {
        struct gguf_info info;
        struct sy_err err;
        sy_code rc = gguf_info_read_mem(b.data, n, &info, &err);
        if (rc == SY_OK) {
            printf("#   prefix of %zu bytes accepted\n", n);
            gguf_info_cleanup(&info);
        }
        T_ASSERT(rc == SY_EINVAL);
    }
    buf_cleanup(&b);
}

static void test_bad_headers(void)
{
    struct sy_buf b;
    buf_init(&b, 64);
    expect_invalid(&b, "empty");
    buf_init(&b, 64);
    buf_append(&b, "GGML\3\0\0\0", 8, NULL);
    expect_invalid(&b, "bad magic");
    header(&b, 1, 0, 0);
    expect_invalid(&b, "version 1");
    header(&b, 99, 0, 0);
    expect_invalid(&b, "version 99");
    header(&b, 3, 0, 1ull << 60);
    expect_invalid(&b, "huge kv count");
    header(&b, 3, 1ull << 60, 0);
    expect_invalid(&b, "huge tensor count");
}

static void test_bad_values(void)
{
    struct sy_buf b;
    header(&b, 3, 0, 1);
    u64(&b, 1ull << 62); /* key length */
    data(&b, 64);
    expect_invalid(&b, "huge key length");

    header(&b, 3, 0, 1);
    str(&b, "k");
    u32(&b, STR);
    u64(&b, 1ull << 40);
    data(&b, 64);
    expect_invalid(&b, "huge string length");

    header(&b, 3, 0, 1);
    str(&b, "k");
    u32(&b, ARR);
    u32(&b, U64);
    u64(&b, 1ull << 50);
    data(&b, 64);
    expect_invalid(&b, "huge array count");

    header(&b, 3, 0, 1);
    str(&b, "k");
    u32(&b, ARR);
    u32(&b, ARR);
    u64(&b, 1);
    data(&b, 64);
    expect_invalid(&b, "nested array");

    header(&b, 3, 0, 1);
    str(&b, "k");
    u32(&b, 77);
    data(&b, 64);
    expect_invalid(&b, "unknown value type");

    header(&b, 3, 0, 2);
    kv_u32(&b, "same", 1);
    kv_u32(&b, "same", 2);
    expect_invalid(&b, "duplicate key");

    header(&b, 3, 0, 1);
    kv_u32(&b, "general.alignment", 3);
    expect_invalid(&b, "alignment not a power of two");

    header(&b, 3, 0, 1);
    kv_str(&b, "general.name", "bad \xff utf-8");
    expect_invalid(&b, "invalid UTF-8 in a kept string");
}

static void test_bad_tensors(void)
{
    struct sy_buf b;
    uint64_t dims5[5] = {32, 1, 1, 1, 1}, big[2] = {1ull << 40, 1ull << 40}, d[1] = {64};

    header(&b, 3, 1, 0);
    tensor(&b, "t", 5, dims5, 0, 0);
    data(&b, 4096);
    expect_invalid(&b, "five dimensions");

    header(&b, 3, 1, 0);
    tensor(&b, "t", 2, big, 0, 0);
    data(&b, 4096);
    expect_invalid(&b, "dimensions overflow");

    header(&b, 3, 1, 0);
    tensor(&b, "t", 1, d, 99, 0);
    data(&b, 4096);
    expect_invalid(&b, "unknown tensor type");

    header(&b, 3, 1, 0);
    tensor(&b, "t", 1, d, 4, 0); /* Q4_2: retired */
    data(&b, 4096);
    expect_invalid(&b, "retired tensor type");

    uint64_t odd[1] = {33};
    header(&b, 3, 1, 0);
    tensor(&b, "t", 1, odd, 8, 0); /* Q8_0 rows come in blocks of 32 */
    data(&b, 4096);
    expect_invalid(&b, "partial block");

    header(&b, 3, 1, 0);
    tensor(&b, "t", 1, d, 0, 3);
    data(&b, 4096);
    expect_invalid(&b, "misaligned offset");

    header(&b, 3, 1, 0);
    tensor(&b, "t", 1, d, 0, 1ull << 20);
    pad_to(&b, 32);
    data(&b, 256);
    expect_invalid(&b, "offset past the end");

    header(&b, 3, 1, 0);
    tensor(&b, "t", 1, d, 0, 0);
    pad_to(&b, 32);
    data(&b, 255); /* one byte short */
    struct gguf_info info;
    struct sy_err err;
    T_EQ_INT(parse(&b, &info, &err), SY_EINVAL);
    T_CONTAINS(err.msg, "tensor 't' data ends past the end");
    buf_cleanup(&b);

    char long_name[100];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    header(&b, 3, 1, 0);
    tensor(&b, long_name, 1, d, 0, 0);
    data(&b, 4096);
    expect_invalid(&b, "tensor name too long");
}

static void test_file(void)
{
    struct sy_buf b;
    valid_image(&b, 3, true);
    char path[] = "/tmp/sy-gguf-XXXXXX";
    int fd = mkstemp(path);
    T_REQUIRE(fd >= 0);
    T_REQUIRE(write(fd, b.data, b.len) == (ssize_t)b.len);
    close(fd);
    struct gguf_info info;
    struct sy_err err;
    T_EQ_INT(gguf_info_read_file(path, &info, &err), SY_OK);
    T_EQ_STR(info.architecture, "llama");
    T_EQ_INT(info.file_size, b.len);
    gguf_info_cleanup(&info);
    /* Truncated on disk: the message names the file. */
    T_REQUIRE(truncate(path, (off_t)(b.len - 10)) == 0);
    T_EQ_INT(gguf_info_read_file(path, &info, &err), SY_EINVAL);
    T_CONTAINS(err.msg, path);
    unlink(path);
    T_EQ_INT(gguf_info_read_file("/nonexistent/model.gguf", &info, &err), SY_EIO);
    buf_cleanup(&b);
}

int main(void)
{
    T_RUN(test_valid);
    T_RUN(test_every_truncation_fails);
    T_RUN(test_bad_headers);
    T_RUN(test_bad_values);
    T_RUN(test_bad_tensors);
    T_RUN(test_file);
    return t_done();
}
