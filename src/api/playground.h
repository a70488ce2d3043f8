/* playground.h -- the web playground's files (built from web/ by Vite into
 * build/web), served from the configured web_root. */
#ifndef SY_PLAYGROUND_H
#define SY_PLAYGROUND_H

#include <stdbool.h>

#include "http/exchange.h"

/* GET/HEAD of any path no other route takes: a file under web_root, or
 * index.html for the page's own paths (an SPA). Never answers for /api/,
 * /v1/ or /models/ paths (404 or 405 as any unknown route), nor for paths
 * that could leave web_root. */
void playground_serve(struct http_exchange *ex, void *app);

/* Whether the request is a browser asking for a page (Accept: text/html) and
 * the playground is built. */
bool playground_wanted(struct http_exchange *ex, void *app);

#endif
