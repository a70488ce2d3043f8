/* access_config.h -- the server's access policy from configuration.
 *
 * API keys come from the file named by api_key_file (one per line; blank
 * lines and lines starting with '#' are skipped) and from the environment
 * variable SWITCHYARD_API_KEY (several separated by commas), never from the
 * config file or the command line, where they would be seen. allowed_hosts
 * and cors_origins are comma-separated lists. */
#ifndef SY_ACCESS_CONFIG_H
#define SY_ACCESS_CONFIG_H

#include "app/config.h"
#include "http/access.h"

#define SY_API_KEYS_MAX 256
#define SY_API_KEY_FILE_MAX (64u * 1024)

/* Returns: SY_OK and *out (http_access_destroy()); SY_EIO / SY_EINVAL naming
 * the key file or the value at fault. */
sy_code access_from_config(const struct sy_config *cfg, struct http_access **out,
                           struct sy_err *err);

#endif
