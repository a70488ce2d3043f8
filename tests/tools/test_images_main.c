/* test_images_main.c -- switchyard-test-images: the tests' image upstream
 * (tests/support/image_server.h) as a process, for the playground's
 * end-to-end tests. Prints "images on http://..." once serving, and serves
 * until it is signalled. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#include "image_server.h"

int main(void)
{
    struct image_server *is = image_server_start();
    if (!is) {
        fprintf(stderr, "switchyard-test-images: cannot start\n");
        return 1;
    }
    printf("images on http://127.0.0.1:%d\n", image_server_port(is));
    fflush(stdout);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    int sig = 0;
    sigwait(&stop, &sig);
    image_server_stop(is);
    return 0;
}
