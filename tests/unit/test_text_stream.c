/* test_text_stream.c -- stop strings and UTF-8 holdback while streaming. */
#include <string.h>

#include "t.h"
#include "util/text_stream.h"

/* Pushes pieces, collects output; returns whether a stop string ended it. */
static bool run(const char *const *pieces, size_t n, const char *const *stop, size_t n_stop,
                char *got, size_t size)
{
    struct text_stream t;
    text_stream_init(&t, stop, n_stop);
    struct sy_buf out, chunk;
    buf_init(&out, 1 << 20);
    buf_init(&chunk, 1 << 20);
    bool stopped = false;
    for (size_t i = 0; i < n && !stopped; i++) {
        buf_reset(&chunk);
        T_EQ_INT(text_stream_push(&t, pieces[i], strlen(pieces[i]), &chunk, &stopped, NULL), SY_OK);
        T_ASSERT(utf8_valid(chunk.data ? chunk.data : "", chunk.len));
        buf_append(&out, chunk.data ? chunk.data : "", chunk.len, NULL);
    }
    text_stream_finish(&t, &out, NULL);
    buf_append(&out, "", 0, NULL);
    snprintf(got, size, "%s", out.data);
    buf_cleanup(&out);
    buf_cleanup(&chunk);
    text_stream_cleanup(&t);
    return stopped;
}

static void test_no_stop(void)
{
    const char *p[] = {"Hel", "lo, ", "world"};
    char got[64];
    T_ASSERT(!run(p, 3, NULL, 0, got, sizeof got));
    T_EQ_STR(got, "Hello, world");
}

static void test_stop_across_pieces(void)
{
    const char *stop[] = {"END"};
    const char *p[] = {"abc E", "N", "D and more"};
    char got[64];
    T_ASSERT(run(p, 3, stop, 1, got, sizeof got));
    T_EQ_STR(got, "abc ");
}

static void test_false_alarm_is_released(void)
{
    const char *stop[] = {"END"};
    const char *p[] = {"abc EN", "ough"};
    char got[64];
    T_ASSERT(!run(p, 2, stop, 1, got, sizeof got));
    T_EQ_STR(got, "abc ENough");
}

static void test_earliest_of_several(void)
{
    const char *stop[] = {"zz", "b"};
    const char *p[] = {"aaa bzz"};
    char got[64];
    T_ASSERT(run(p, 1, stop, 2, got, sizeof got));
    T_EQ_STR(got, "aaa ");
}

static void test_held_prefix_flushed_at_end(void)
{
    const char *stop[] = {"STOP"};
    const char *p[] = {"done ST"};
    char got[64];
    T_ASSERT(!run(p, 1, stop, 1, got, sizeof got));
    T_EQ_STR(got, "done ST");
}

static void test_multibyte_stop_and_split_chars(void)
{
    const char *stop[] = {"\xE2\x82\xAC"}; /* the euro sign */
    const char *p[] = {"price: 5", "\xE2", "\x82", "\xAC", " only"};
    char got[64];
    T_ASSERT(run(p, 5, stop, 1, got, sizeof got));
    T_EQ_STR(got, "price: 5");
}

int main(void)
{
    T_RUN(test_no_stop);
    T_RUN(test_stop_across_pieces);
    T_RUN(test_false_alarm_is_released);
    T_RUN(test_earliest_of_several);
    T_RUN(test_held_prefix_flushed_at_end);
    T_RUN(test_multibyte_stop_and_split_chars);
    return t_done();
}
