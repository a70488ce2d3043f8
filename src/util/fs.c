/* fs.c -- filesystem helpers. */
#include "util/fs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

sy_code fs_mkdirs(const char *dir, mode_t mode, struct sy_err *err)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s", dir);
    if (n <= 0 || (size_t)n >= sizeof path)
        return sy_errf(err, SY_EIO, "directory path too long: %s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, mode) != 0 && errno != EEXIST)
            return sy_errf(err, SY_EIO, "cannot create directory %s: %s", path, strerror(errno));
        *p = '/';
    }
    if (mkdir(path, mode) != 0 && errno != EEXIST)
        return sy_errf(err, SY_EIO, "cannot create directory %s: %s", path, strerror(errno));
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return sy_errf(err, SY_EIO, "%s exists but is not a directory", path);
    return SY_OK;
}
