/* fs.h -- small filesystem helpers. */
#ifndef SY_FS_H
#define SY_FS_H

#include <sys/types.h>

#include "util/err.h"

/* Creates dir and any missing parents (like mkdir -p).
 * Returns: SY_OK; SY_EIO naming the part that could not be made. */
sy_code fs_mkdirs(const char *dir, mode_t mode, struct sy_err *err);

/* Creates dir -- root, or a path below it -- and what is missing on the way
 * (root too). Nothing below root may be a symbolic link: one planted there
 * could lead writes out of root (root itself may be one: the user's choice).
 * Returns: SY_OK; SY_EINVAL if dir is not below root; SY_EIO naming the
 * part that could not be made, or the link. */
sy_code fs_mkdirs_beneath(const char *root, const char *dir, mode_t mode, struct sy_err *err);

#endif
