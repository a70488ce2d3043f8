/* conn_limit.c -- a small table of addresses and their open connections. */
#include "http/conn_limit.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct client {
    unsigned char addr[16]; /* IPv4 as IPv4-mapped IPv6 */
    unsigned open;
};

struct conn_limit {
    pthread_mutex_t lock;
    unsigned total, reserved, per_client, in_use;
    struct client *clients; /* `total` entries; open == 0 means free */
};

/* The address as 16 bytes; false for families other than IPv4/IPv6. */
static bool key_of(const struct sockaddr *addr, socklen_t len, unsigned char out[16])
{
    if (addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &((const struct sockaddr_in *)addr)->sin_addr, 4);
        return true;
    }
    if (addr->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        memcpy(out, &((const struct sockaddr_in6 *)addr)->sin6_addr, 16);
        return true;
    }
    return false;
}

static bool is_own(const unsigned char k[16])
{
    static const unsigned char v4[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
    static const unsigned char v6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return memcmp(k, v4, 16) == 0 || memcmp(k, v6, 16) == 0;
}

struct conn_limit *conn_limit_create(unsigned total, unsigned reserved, unsigned per_client)
{
    struct conn_limit *cl = calloc(1, sizeof *cl);
    if (!cl || !(cl->clients = calloc(total ? total : 1, sizeof *cl->clients))) {
        free(cl);
        return NULL;
    }
    pthread_mutex_init(&cl->lock, NULL);
    cl->total = total;
    cl->reserved = reserved < total ? reserved : 0;
    cl->per_client = per_client;
    return cl;
}

void conn_limit_destroy(struct conn_limit *cl)
{
    if (!cl)
        return;
    pthread_mutex_destroy(&cl->lock);
    free(cl->clients);
    free(cl);
}

static struct client *find(struct conn_limit *cl, const unsigned char k[16], bool add)
{
    struct client *free_slot = NULL;
    for (unsigned i = 0; i < cl->total; i++) {
        struct client *c = &cl->clients[i];
        if (c->open && memcmp(c->addr, k, 16) == 0)
            return c;
        if (!c->open && !free_slot)
            free_slot = c;
    }
    if (add && free_slot)
        memcpy(free_slot->addr, k, 16);
    return add ? free_slot : NULL;
}

bool conn_limit_admit(struct conn_limit *cl, const struct sockaddr *addr, socklen_t len)
{
    unsigned char k[16];
    if (!key_of(addr, len, k))
        return true; /* not an IP connection: nothing to count */
    bool own = is_own(k);
    pthread_mutex_lock(&cl->lock);
    bool ok = cl->in_use < (own ? cl->total : cl->total - cl->reserved);
    struct client *c = ok && !own ? find(cl, k, true) : NULL;
    if (ok && !own)
        ok = c && (!cl->per_client || c->open < cl->per_client);
    if (ok) {
        cl->in_use++;
        if (c)
            c->open++;
    }
    pthread_mutex_unlock(&cl->lock);
    return ok;
}

void conn_limit_release(struct conn_limit *cl, const struct sockaddr *addr, socklen_t len)
{
    unsigned char k[16];
    if (!key_of(addr, len, k))
        return;
    pthread_mutex_lock(&cl->lock);
    if (cl->in_use)
        cl->in_use--;
    struct client *c = is_own(k) ? NULL : find(cl, k, false);
    if (c && c->open)
        c->open--;
    pthread_mutex_unlock(&cl->lock);
}
