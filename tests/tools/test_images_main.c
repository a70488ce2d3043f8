/* test_images_main.c -- switchyard-test-images: the tests' image upstream
 * (tests/support/image_server.h) as a process, for the playground's
 * end-to-end tests. Prints "images on http://..." once serving, and serves
 * until it is signalled. */
#include <stdio.h>

#include "image_server.h"
#include "until_signalled.h"

int main(void)
{
    struct image_server *is = image_server_start();
    if (!is) {
        fprintf(stderr, "switchyard-test-images: cannot start\n");
        return 1;
    }
    printf("images on http://127.0.0.1:%d\n", image_server_port(is));
    fflush(stdout);
    until_signalled();
    image_server_stop(is);
    return 0;
}
