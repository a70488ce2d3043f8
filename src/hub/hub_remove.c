/* hub_remove.c -- unlinking snapshots and the blobs only they used. */
#include "hub/hub_remove.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hub/gguf_choice.h"
#include "hub/hub_repo.h"

/* Whether any link under dir (recursively) points at a blob named etag. */
static bool blob_linked(const char *dir, const char *etag, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool found = false;
    struct dirent *de;
    while (!found && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char path[PATH_MAX], target[PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path)
            continue;
        struct stat st;
        if (lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode) && depth < 8) {
            found = blob_linked(path, etag, depth + 1);
        } else if (S_ISLNK(st.st_mode)) {
            ssize_t n = readlink(path, target, sizeof target - 1);
            if (n > 0) {
                target[n] = '\0';
                const char *slash = strrchr(target, '/');
                found = strcmp(slash ? slash + 1 : target, etag) == 0;
            }
        }
    }
    closedir(d);
    return found;
}

/* Removes dir and its empty parents up to (not including) stop. */
static void prune_empty(char *dir, const char *stop)
{
    size_t keep = strlen(stop);
    while (strlen(dir) > keep && rmdir(dir) == 0) {
        char *slash = strrchr(dir, '/');
        if (!slash)
            break;
        *slash = '\0';
    }
}

/* Removes one link and, if nothing else links to it, its blob. */
static sy_code remove_link(const char *link, const char *repo_dir, const char *snapshots,
                           struct sy_err *err)
{
    char target[PATH_MAX];
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0)
        return errno == ENOENT ? SY_OK
                               : sy_errf(err, SY_EIO, "cannot read %s: %s", link, strerror(errno));
    target[n] = '\0';
    const char *etag = strrchr(target, '/');
    etag = etag ? etag + 1 : target;
    if (unlink(link) != 0)
        return sy_errf(err, SY_EIO, "cannot remove %s: %s", link, strerror(errno));
    if (!hub_etag_ok(etag) || blob_linked(snapshots, etag, 0))
        return SY_OK; /* not a blob of ours, or still used */
    char blob[PATH_MAX], blobs[PATH_MAX];
    if (snprintf(blobs, sizeof blobs, "%s/blobs", repo_dir) >= (int)sizeof blobs ||
        snprintf(blob, sizeof blob, "%s/%s", blobs, etag) >= (int)sizeof blob)
        return SY_OK;
    struct stat st;
    if (lstat(blobs, &st) != 0 || !S_ISDIR(st.st_mode))
        return sy_errf(err, SY_EIO,
                       "%s is not a directory (a link planted there could lead out of the cache); "
                       "its blob was not removed",
                       blobs);
    if (unlink(blob) != 0 && errno != ENOENT)
        return sy_errf(err, SY_EIO, "cannot remove %s: %s", blob, strerror(errno));
    return SY_OK;
}

sy_code hub_remove_model_file(const char *link, struct sy_err *err)
{
    /* <repo_dir>/snapshots/<commit>/<path> */
    const char *marker = strstr(link, "/snapshots/");
    char repo_dir[PATH_MAX], snapshots[PATH_MAX + 16];
    const char *commit = marker ? marker + strlen("/snapshots/") : NULL;
    const char *rel = commit ? strchr(commit, '/') : NULL;
    bool ok = marker && rel && (size_t)(marker - link) < sizeof repo_dir;
    if (ok) {
        snprintf(repo_dir, sizeof repo_dir, "%.*s", (int)(marker - link), link);
        const char *base = strrchr(repo_dir, '/');
        char repo[SY_HUB_REPO_MAX + 1], commit_text[SY_HUB_COMMIT_MAX + 2];
        snprintf(commit_text, sizeof commit_text, "%.*s", (int)(rel - commit), commit);
        ok = base && hub_repo_from_folder(base + 1, repo, sizeof repo) &&
             hub_commit_ok(commit_text) && hub_path_check(rel + 1, NULL) == SY_OK;
    }
    if (!ok)
        return sy_errf(err, SY_EINVAL, "%s is not a model file in a Hub cache snapshot", link);
    snprintf(snapshots, sizeof snapshots, "%s/snapshots", repo_dir);

    /* Every shard of a split model: "<stem>-0000k-of-0000N.gguf". */
    int shard, of;
    gguf_model_file(link, &shard, &of);
    sy_code rc = SY_OK;
    size_t len = strlen(link);
    for (int k = 1; k <= of && rc == SY_OK; k++) {
        char part[PATH_MAX];
        snprintf(part, sizeof part, "%s", link);
        if (of > 1 && len >= 20) /* rewrite the shard number in place */
            snprintf(part + len - 20, sizeof part - (len - 20), "-%05d-of-%05d.gguf", k, of);
        rc = remove_link(part, repo_dir, snapshots, err);
    }
    if (rc != SY_OK)
        return rc;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", link);
    *strrchr(dir, '/') = '\0';
    prune_empty(dir, snapshots);
    if (rmdir(snapshots) == 0) {
        /* Nothing of this repository is left: its refs and folder go too. */
        char path[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s/refs/main", repo_dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/refs", repo_dir);
        rmdir(path);
        snprintf(path, sizeof path, "%s/blobs", repo_dir);
        rmdir(path);
        rmdir(repo_dir);
    }
    return SY_OK;
}
