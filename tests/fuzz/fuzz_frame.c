/* fuzz_frame.c -- libFuzzer entry point for the worker protocol decoder:
 * whatever bytes a (broken or hostile) worker writes, frame_read_json reads
 * a frame, reports a clean end, or refuses them; never crashes or reads past
 * what it was sent. The bytes go through a real socket, as from a worker.
 * Built and run by scripts/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engines/frame.h"
#include "util/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 60000)
        return 0; /* stays within one socket buffer: no writer thread needed */
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return 0;
    if (write(sv[1], data, size) != (ssize_t)size) {
        close(sv[0]);
        close(sv[1]);
        return 0;
    }
    close(sv[1]);
    for (;;) {
        json_t *msg = NULL;
        sy_code rc = frame_read_json(sv[0], &msg, NULL);
        if (rc != SY_OK)
            break;
        /* What the reader does with an audio frame: decode its samples. */
        const json_t *pcm = json_object_get(msg, "pcm");
        if (json_is_string(pcm)) {
            struct sy_buf b;
            buf_init(&b, 1u << 20);
            base64_decode(json_string_value(pcm), json_string_length(pcm), &b, NULL);
            buf_cleanup(&b);
        }
        json_decref(msg);
    }
    close(sv[0]);
    return 0;
}
