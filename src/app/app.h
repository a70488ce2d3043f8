/* app.h -- the running server: wires config, registry, supervisor, router,
 * API and HTTP together, and takes them apart in the safe order. */
#ifndef SY_APP_H
#define SY_APP_H

#include <stdint.h>

#include "app/config.h"
#include "util/err.h"

struct app;

/* Starts serving with cfg (copied). Returns: SY_OK and *out (app_stop());
 * SY_EIO if the directories or the address are unusable. */
sy_code app_start(const struct sy_config *cfg, struct app **out, struct sy_err *err);

/* Returns: the bound port. */
uint16_t app_port(const struct app *app);

/* Stops HTTP first (cancelling in-flight work), then the engines (no worker
 * outlives this call), then frees everything. NULL is a no-op. */
void app_stop(struct app *app);

#endif
