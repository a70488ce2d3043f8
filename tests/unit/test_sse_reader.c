/* test_sse_reader.c -- reading upstream event streams in any pieces. */
#include <string.h>

#include "providers/sse_reader.h"
#include "t.h"

struct seen {
    char all[1024];
};

static sy_code collect(void *ctx, const char *data, size_t len)
{
    struct seen *s = ctx;
    strncat(s->all, data, len);
    strcat(s->all, "|");
    return SY_OK;
}

static void test_any_split(void)
{
    /* LF, CRLF and CR line ends; comments and other fields skipped; data
     * lines joined; an event without data dispatches nothing. */
    const char text[] = ": hi\ndata: {\"a\":1}\n\nevent: x\r\ndata:b\r\ndata: c\r\n\r\n"
                        "id: 3\r\rdata: [DONE]\n\n";
    for (size_t cut = 0; cut <= sizeof text - 1; cut++) {
        struct sse_reader r;
        struct seen s = {""};
        sse_reader_init(&r, 1024);
        T_EQ_INT(sse_reader_push(&r, text, cut, collect, &s, NULL), SY_OK);
        T_EQ_INT(sse_reader_push(&r, text + cut, sizeof text - 1 - cut, collect, &s, NULL), SY_OK);
        T_EQ_STR(s.all, "{\"a\":1}|b\nc|[DONE]|");
        sse_reader_cleanup(&r);
    }
}

static void test_bounded(void)
{
    struct sse_reader r;
    struct seen s = {""};
    struct sy_err err;
    char line[200];
    memset(line, 'x', sizeof line);
    sse_reader_init(&r, 64);
    T_EQ_INT(sse_reader_push(&r, line, sizeof line, collect, &s, &err), SY_ETOOLARGE);
    T_CONTAINS(err.msg, "64 bytes");
    sse_reader_cleanup(&r);
}

int main(void)
{
    T_RUN(test_any_split);
    T_RUN(test_bounded);
    return t_done();
}
