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

sy_code fs_mkdirs_beneath(const char *root, const char *dir, mode_t mode, struct sy_err *err)
{
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/')
        n--;
    if (strncmp(dir, root, n) != 0 || (dir[n] != '/' && dir[n] != '\0'))
        return sy_errf(err, SY_EINVAL, "%s is not inside %.*s", dir, (int)n, root);
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return sy_errf(err, SY_EIO, "directory path too long: %s", dir);
    path[n] = '\0';
    sy_code rc = fs_mkdirs(path, mode, err);
    if (rc != SY_OK || dir[n] == '\0')
        return rc;
    path[n] = '/';
    for (char *p = path + n + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        struct stat st;
        if (mkdir(path, mode) != 0 && errno != EEXIST)
            return sy_errf(err, SY_EIO, "cannot create directory %s: %s", path, strerror(errno));
        if (lstat(path, &st) != 0)
            return sy_errf(err, SY_EIO, "cannot inspect %s: %s", path, strerror(errno));
        if (S_ISLNK(st.st_mode))
            return sy_errf(err, SY_EIO,
                           "%s is a symbolic link, which could lead out of %.*s; not following "
                           "it (remove it and try again)",
                           path, (int)n, root);
        if (!S_ISDIR(st.st_mode))
            return sy_errf(err, SY_EIO, "%s exists but is not a directory", path);
        if (saved == '\0')
            return SY_OK;
        *p = saved;
    }
}
