/* test_media_main.c -- switchyard-test-media: the tests' video and music
 * upstream (tests/support/media_server.h) as a process, for the playground's
 * end-to-end tests. Prints "media on http://..." once serving, and serves
 * until it is signalled. */
#include <stdio.h>

#include "media_server.h"
#include "until_signalled.h"

int main(void)
{
    struct media_server *ms = media_server_start();
    if (!ms) {
        fprintf(stderr, "switchyard-test-media: cannot start\n");
        return 1;
    }
    printf("media on http://127.0.0.1:%d\n", media_server_port(ms));
    fflush(stdout);
    until_signalled();
    media_server_stop(ms);
    return 0;
}
