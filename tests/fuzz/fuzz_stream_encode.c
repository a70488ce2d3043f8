/* fuzz_stream_encode.c -- libFuzzer entry point for what streams carry:
 * arbitrary engine bytes go through the UTF-8 sanitizer the workers use,
 * then into an SSE event and an NDJSON line as the surfaces encode them.
 * Every event must stay one event: one data line with no raw newline, ended
 * by a blank line; every NDJSON line one line. Built and run by
 * scripts/fuzz.sh. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/sse.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct utf8_stream s;
    utf8_stream_init(&s);
    struct sy_buf text;
    buf_init(&text, 1u << 20);
    /* In two pieces, split where the input says, as tokens arrive. */
    size_t cut = size ? data[0] % (size + 1) : 0;
    utf8_stream_feed(&s, (const char *)data, cut, &text, NULL);
    utf8_stream_feed(&s, (const char *)data + cut, size - cut, &text, NULL);
    utf8_stream_finish(&s, &text, NULL);
    if (!utf8_valid(text.data ? text.data : "", text.len))
        abort();
    json_t *ev = json_pack("{s:s%}", "text", text.data ? text.data : "", text.len);
    if (!ev)
        abort(); /* valid UTF-8 always packs */
    char *line = json_dumps(ev, JSON_COMPACT);
    if (!line || strchr(line, '\n'))
        abort(); /* an NDJSON line */
    free(line);
    struct sy_buf out;
    buf_init(&out, 1u << 22);
    if (sse_write(&out, "token", ev, NULL) == SY_OK) {
        const char *p = out.data;
        if (strncmp(p, "event: token\ndata: ", 19) != 0)
            abort();
        const char *end = strchr(p + 19, '\n');
        if (!end || end[1] != '\n' || end[2] != '\0')
            abort(); /* exactly one data line, then the blank line */
    }
    buf_cleanup(&out);
    buf_cleanup(&text);
    return 0;
}
