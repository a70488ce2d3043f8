/* loopback_daemon.c -- the loopback upstreams' daemon and JSON answers. */
#include "loopback_daemon.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

struct MHD_Daemon *loopback_daemon_start(MHD_AccessHandlerCallback handler, void *cls,
                                         MHD_RequestCompletedCallback completed, int *port)
{
    struct sockaddr_in loopback = {.sin_family = AF_INET};
    loopback.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL, handler,
        cls, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&loopback, MHD_OPTION_NOTIFY_COMPLETED,
        completed, cls, MHD_OPTION_END);
    if (d)
        *port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
    return d;
}

enum MHD_Result loopback_answer_json(struct MHD_Connection *c, unsigned status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    struct MHD_Response *r = MHD_create_response_from_buffer(text ? strlen(text) : 0, text,
                                                             MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}
