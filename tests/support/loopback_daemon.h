/* loopback_daemon.h -- what the tests' loopback upstreams (Hub, images,
 * media) share: a libmicrohttpd daemon on a free 127.0.0.1 port, one thread
 * per connection, and JSON answers. */
#ifndef SY_TEST_LOOPBACK_DAEMON_H
#define SY_TEST_LOOPBACK_DAEMON_H

#include <jansson.h>
#include <microhttpd.h>

/* Starts handler (with cls) on a free loopback port; completed (may be NULL)
 * is told when each request ends. Returns: the daemon (MHD_stop_daemon) and
 * *port, or NULL. */
struct MHD_Daemon *loopback_daemon_start(MHD_AccessHandlerCallback handler, void *cls,
                                         MHD_RequestCompletedCallback completed, int *port);

/* Queues status with body as application/json; takes body (NULL: empty). */
enum MHD_Result loopback_answer_json(struct MHD_Connection *c, unsigned status, json_t *body);

#endif
