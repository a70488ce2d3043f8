/* test_hub_main.c -- switchyard-test-hub ROOT: the loopback Hub of the tests
 * (tests/support/hub_server.h) as a process, for tests that are not written
 * in C (the playground's end-to-end tests). Prints "hub on http://..." once
 * serving, and serves until it is signalled. */
#include <stdio.h>

#include "hub_server.h"
#include "until_signalled.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: switchyard-test-hub ROOT (ROOT/<org>/<name>/<files>)\n");
        return 2;
    }
    struct hub_server *hs = hub_server_start(argv[1]);
    if (!hs) {
        fprintf(stderr, "switchyard-test-hub: cannot serve %s\n", argv[1]);
        return 1;
    }
    printf("hub on http://127.0.0.1:%d\n", hub_server_port(hs));
    fflush(stdout);
    until_signalled();
    hub_server_stop(hs);
    return 0;
}
