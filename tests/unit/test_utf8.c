/* test_utf8.c -- validation and the streaming sanitizer. */
#include <string.h>

#include "t.h"
#include "util/utf8.h"

static void test_valid(void)
{
    T_ASSERT(utf8_valid("", 0));
    T_ASSERT(utf8_valid("plain", 5));
    T_ASSERT(utf8_valid("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80", 16));
    T_ASSERT(!utf8_valid("\x80", 1));           /* lone continuation */
    T_ASSERT(!utf8_valid("\xC0\xAF", 2));       /* overlong '/' */
    T_ASSERT(!utf8_valid("\xE0\x80\xAF", 3));   /* overlong */
    T_ASSERT(!utf8_valid("\xED\xA0\x80", 3));   /* surrogate */
    T_ASSERT(!utf8_valid("\xF4\x90\x80\x80", 4)); /* past U+10FFFF */
    T_ASSERT(!utf8_valid("\xE2\x82", 2));       /* truncated */
}

/* Feeds pieces one by one; checks every chunk of output is valid UTF-8. */
static void feed_all(const char *const *pieces, size_t n, const char *want)
{
    struct utf8_stream s;
    utf8_stream_init(&s);
    struct sy_buf all, chunk;
    buf_init(&all, 1 << 20);
    buf_init(&chunk, 1 << 20);
    for (size_t i = 0; i < n; i++) {
        buf_reset(&chunk);
        T_EQ_INT(utf8_stream_feed(&s, pieces[i], strlen(pieces[i]), &chunk, NULL), SY_OK);
        T_ASSERT(utf8_valid(chunk.data ? chunk.data : "", chunk.len));
        buf_append(&all, chunk.data ? chunk.data : "", chunk.len, NULL);
    }
    buf_reset(&chunk);
    utf8_stream_finish(&s, &chunk, NULL);
    buf_append(&all, chunk.data ? chunk.data : "", chunk.len, NULL);
    buf_append(&all, "", 0, NULL);
    T_EQ_STR(all.data, want);
    buf_cleanup(&all);
    buf_cleanup(&chunk);
}

static void test_split_sequences(void)
{
    const char *euro[] = {"a\xE2", "\x82", "\xAC" "b"};
    feed_all(euro, 3, "a\xE2\x82\xAC" "b");
    const char *emoji[] = {"\xF0", "\x9F", "\x98", "\x80"};
    feed_all(emoji, 4, "\xF0\x9F\x98\x80");
}

static void test_replacement(void)
{
    const char *bad[] = {"a\x80" "b"};
    feed_all(bad, 1, "a\xEF\xBF\xBD" "b");
    /* A held prefix broken by the next piece: one U+FFFD, then the byte anew. */
    const char *broken[] = {"\xE2\x82", "A"};
    feed_all(broken, 2, "\xEF\xBF\xBD" "A");
    /* Truncated at the very end. */
    const char *tail[] = {"ok\xE2\x82"};
    feed_all(tail, 1, "ok\xEF\xBF\xBD");
}

int main(void)
{
    T_RUN(test_valid);
    T_RUN(test_split_sequences);
    T_RUN(test_replacement);
    return t_done();
}
