/* fs.h -- small filesystem helpers. */
#ifndef SY_FS_H
#define SY_FS_H

#include <sys/types.h>

#include "util/err.h"

/* Creates dir and any missing parents (like mkdir -p).
 * Returns: SY_OK; SY_EIO naming the part that could not be made. */
sy_code fs_mkdirs(const char *dir, mode_t mode, struct sy_err *err);

#endif
