/* fuzz_upstream_sse.c -- libFuzzer entry point for reading a remote
 * provider's event stream: whatever bytes an upstream sends, in whatever
 * pieces, sse_reader_push yields bounded events or refuses them; never
 * crashes, never reads past what it was given, and splitting the bytes
 * differently yields the same events. Built and run by scripts/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "providers/sse_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct digest {
    uint64_t hash;
    size_t events;
};

static sy_code take(void *ctx, const char *text, size_t len)
{
    struct digest *d = ctx;
    if (text[len] != '\0')
        abort(); /* events are NUL-terminated for their readers */
    for (size_t i = 0; i < len; i++)
        d->hash = (d->hash ^ (unsigned char)text[i]) * 1099511628211u;
    d->hash = (d->hash ^ 0xff) * 1099511628211u;
    d->events++;
    return SY_OK;
}

static sy_code run(const uint8_t *data, size_t size, size_t piece, struct digest *d)
{
    struct sse_reader r;
    sse_reader_init(&r, 4096);
    sy_code rc = SY_OK;
    for (size_t at = 0; rc == SY_OK && at < size; at += piece) {
        size_t n = size - at < piece ? size - at : piece;
        /* A copy of exactly n bytes: ASan catches any read past the piece. */
        char *copy = malloc(n ? n : 1);
        memcpy(copy, data + at, n);
        rc = sse_reader_push(&r, copy, n, take, d, NULL);
        free(copy);
    }
    sse_reader_cleanup(&r);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct digest whole = {14695981039346656037u, 0}, bytes = {14695981039346656037u, 0};
    sy_code a = run(data, size, size ? size : 1, &whole);
    sy_code b = run(data, size, 1, &bytes);
    if (a == SY_OK && b == SY_OK && (whole.hash != bytes.hash || whole.events != bytes.events))
        abort(); /* the same stream, split differently, must read the same */
    return 0;
}
