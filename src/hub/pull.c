/* pull.c -- blobs, locks, snapshots and refs of the Hub cache. */
#include "hub/pull.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "hub/gguf_choice.h"
#include "util/fs.h"
#include "util/log.h"

#define FILES_MAX 64 /* shards of one model */

struct sibling {
    const char *path;
    uint64_t size;
    const char *sha256; /* "" when not an LFS file */
};

/* Reads the siblings of a model-info answer (borrowed from info). Names that
 * are not safe paths are skipped: nothing of theirs may reach the disk. */
static size_t read_siblings(const json_t *info, struct sibling *out, size_t max)
{
    size_t n = 0, i;
    const json_t *s;
    json_array_foreach(json_object_get(info, "siblings"), i, s)
    {
        const char *path = json_string_value(json_object_get(s, "rfilename"));
        if (!path || n == max)
            continue;
        if (hub_path_check(path, NULL) != SY_OK) {
            log_warn("ignoring a Hub file with an unsafe name");
            continue;
        }
        const json_t *lfs = json_object_get(s, "lfs");
        const char *sha = json_string_value(json_object_get(lfs, "sha256"));
        json_int_t size = json_integer_value(json_object_get(lfs, "size"));
        if (!size)
            size = json_integer_value(json_object_get(s, "size"));
        out[n++] = (struct sibling){.path = path, .size = size > 0 ? (uint64_t)size : 0,
                                    .sha256 = sha ? sha : ""};
    }
    return n;
}

/* ---- files ------------------------------------------------------------------------------ */

/* printf into a path buffer. Returns false if it does not fit. */
__attribute__((format(printf, 3, 4))) static bool pathf(char *out, size_t size, const char *fmt,
                                                         ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, size, fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < size;
}

static atomic_uint tmp_counter;

/* A temporary name beside path no other pull (thread or process) uses at the
 * same time: concurrent pulls of one repository write the same links. */
static bool temp_name(char *out, size_t size, const char *path)
{
    return pathf(out, size, "%s.tmp.%d.%u", path, (int)getpid(),
                 atomic_fetch_add(&tmp_counter, 1));
}

static sy_code sha256_file(int fd, char hex[65], struct sy_err *err)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        return sy_errf(err, SY_ENOMEM, "cannot start a sha256 digest");
    }
    static __thread unsigned char chunk[1 << 16];
    off_t off = 0;
    sy_code rc = SY_OK;
    for (;;) {
        ssize_t n = pread(fd, chunk, sizeof chunk, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = sy_errf(err, SY_EIO, "cannot read the download back: %s", strerror(errno));
            break;
        }
        if (n == 0)
            break;
        EVP_DigestUpdate(md, chunk, (size_t)n);
        off += n;
    }
    unsigned char digest[32];
    unsigned int len = 0;
    if (rc == SY_OK && EVP_DigestFinal_ex(md, digest, &len) == 1 && len == 32)
        for (int i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    EVP_MD_CTX_free(md);
    return rc;
}

static bool is_sha256(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

/* Writes text to path atomically (a temporary file renamed over it). */
static sy_code write_atomic(const char *path, const char *text, struct sy_err *err)
{
    char tmp[PATH_MAX];
    if (!temp_name(tmp, sizeof tmp, path))
        return sy_errf(err, SY_EIO, "the cache path %s is too long", path);
    int fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f && fd >= 0)
        close(fd);
    bool ok = f && fputs(text, f) >= 0;
    if (f)
        ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return sy_errf(err, SY_EIO, "cannot write %s: %s", path, strerror(errno));
    }
    return SY_OK;
}

/* Points snapshots/<commit>/<path> at ../../blobs/<etag> (a relative link,
 * one more "../" per directory in path), replacing what was there. */
static sy_code link_snapshot(const char *cache_dir, const char *repo_dir, const char *commit,
                             const char *path, const char *etag, char *link, size_t link_size,
                             struct sy_err *err)
{
    char tmp[PATH_MAX];
    if (!pathf(link, link_size, "%s/snapshots/%s/%s", repo_dir, commit, path) ||
        !temp_name(tmp, sizeof tmp, link))
        return sy_errf(err, SY_EIO, "the cache path for %s is too long", path);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", link);
    *strrchr(dir, '/') = '\0';
    sy_code rc = fs_mkdirs_beneath(cache_dir, dir, 0755, err);
    if (rc != SY_OK)
        return rc;
    char target[PATH_MAX];
    size_t used = (size_t)snprintf(target, sizeof target, "../../");
    for (const char *p = path; *p; p++)
        if (*p == '/' && used + 3 < sizeof target)
            used += (size_t)snprintf(target + used, sizeof target - used, "../");
    snprintf(target + used, sizeof target - used, "blobs/%s", etag);
    unlink(tmp);
    if (symlink(target, tmp) != 0 || rename(tmp, link) != 0) {
        unlink(tmp);
        return sy_errf(err, SY_EIO, "cannot link %s in the Hub cache: %s", path, strerror(errno));
    }
    return SY_OK;
}

/* ---- one file --------------------------------------------------------------------------- */

struct pulling {
    pull_fn fn;
    void *ctx;
    struct pull_event ev;
    uint64_t last_reported;
};

static bool on_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct pulling *p = ctx;
    uint64_t step = total / 100 > (1u << 20) ? total / 100 : (1u << 20);
    if (done != total && done - p->last_reported < step)
        return !p->fn || p->fn(p->ctx, NULL);
    p->last_reported = done;
    p->ev.step = PULL_PROGRESS;
    p->ev.done = done;
    p->ev.total = total;
    return !p->fn || p->fn(p->ctx, &p->ev);
}

/* A blob is a regular file, never a link (one planted there could make us
 * serve, or resume into, a file outside the cache). */
static bool blob_present(const char *blob, uint64_t size)
{
    struct stat st;
    return lstat(blob, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == size;
}

/* Downloads meta's bytes into blob (under its lock), resuming blob.incomplete. */
static sy_code fetch_blob(struct hub_client *hc, const struct hub_file_meta *meta,
                          const char *expected_sha, const char *blob, const char *lock_path,
                          struct pulling *p, uint64_t *downloaded, struct sy_err *err)
{
    int lock = open(lock_path, O_CREAT | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (lock < 0)
        return sy_errf(err, SY_EIO, "cannot create the lock %s: %s", lock_path, strerror(errno));
    /* Another pull of the same file holds it while it downloads: wait for it,
     * then find the blob it made. */
    while (flock(lock, LOCK_EX) != 0 && errno == EINTR)
        ;
    sy_code rc = SY_OK;
    if (blob_present(blob, meta->size)) {
        p->ev.reused = true;
        goto out;
    }
    char partial[PATH_MAX];
    int fd = pathf(partial, sizeof partial, "%s.incomplete", blob)
                 ? open(partial, O_CREAT | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0644)
                 : -1;
    if (fd < 0) {
        rc = sy_errf(err, SY_EIO, "cannot create %s: %s", partial, strerror(errno));
        goto out;
    }
    struct stat st;
    uint64_t have = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
    struct statvfs vfs;
    uint64_t need = meta->size > have ? meta->size - have : 0;
    if (fstatvfs(fd, &vfs) == 0 && (uint64_t)vfs.f_bavail * vfs.f_frsize < need) {
        rc = sy_errf(err, SY_ENODISK,
                     "not enough disk space for %s: it needs %llu more bytes, %llu are free",
                     p->ev.file, (unsigned long long)need,
                     (unsigned long long)vfs.f_bavail * vfs.f_frsize);
        close(fd);
        goto out;
    }
    bool restarted;
    rc = hub_download(hc, meta, fd, have, on_progress, p, &restarted, err);
    if (rc == SY_OK)
        *downloaded += restarted ? meta->size : meta->size - have;
    if (rc == SY_OK && fsync(fd) != 0)
        rc = sy_errf(err, SY_EIO, "cannot flush %s: %s", partial, strerror(errno));
    char sha[65] = "";
    const char *want = is_sha256(meta->etag) ? meta->etag : expected_sha;
    if (rc == SY_OK && is_sha256(want) && (rc = sha256_file(fd, sha, err)) == SY_OK &&
        strcmp(sha, want) != 0) {
        unlink(partial); /* wrong bytes are never kept, nor resumed */
        rc = sy_errf(err, SY_EUPSTREAM,
                     "the bytes of %s do not match their sha256 (got %.12s..., want %.12s...); "
                     "nothing was kept, pull again",
                     p->ev.file, sha, want);
    }
    close(fd);
    if (rc == SY_OK && rename(partial, blob) != 0)
        rc = sy_errf(err, SY_EIO, "cannot move %s into place: %s", blob, strerror(errno));
out:
    close(lock); /* releases the lock */
    return rc;
}

/* ---- stale downloads -------------------------------------------------------------------- */

static bool names_a_sibling(const struct sibling *sib, size_t n, const json_t *info,
                            const char *etag)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(sib[i].sha256, etag) == 0)
            return true;
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(info, "siblings"), i, s)
    {
        const char *blob_id = json_string_value(json_object_get(s, "blobId"));
        if (blob_id && strcmp(blob_id, etag) == 0)
            return true;
    }
    return false;
}

/* Removes blobs/<etag>.incomplete files the repository no longer has a file
 * for (it changed since a pull was cut off): they can never be resumed.
 * Ones another pull is writing (their lock is held) stay. */
static void remove_stale_downloads(const char *blobs, const char *locks,
                                   const struct sibling *sib, size_t n, const json_t *info)
{
    DIR *d = opendir(blobs);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        static const char suffix[] = ".incomplete";
        size_t len = strlen(de->d_name), sl = sizeof suffix - 1;
        if (len <= sl || strcmp(de->d_name + len - sl, suffix) != 0)
            continue;
        char etag[SY_HUB_ETAG_MAX + 1], lock_path[PATH_MAX], path[PATH_MAX];
        if (len - sl > SY_HUB_ETAG_MAX)
            continue;
        snprintf(etag, sizeof etag, "%.*s", (int)(len - sl), de->d_name);
        if (!hub_etag_ok(etag) || names_a_sibling(sib, n, info, etag) ||
            !pathf(lock_path, sizeof lock_path, "%s/%s.lock", locks, etag) ||
            !pathf(path, sizeof path, "%s/%s", blobs, de->d_name))
            continue;
        int lock = open(lock_path, O_CREAT | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0 && unlink(path) == 0)
            log_info("removed the download %s: the repository no longer has that file", path);
        if (lock >= 0)
            close(lock);
    }
    closedir(d);
}

/* ---- the pull --------------------------------------------------------------------------- */

sy_code hub_pull(struct hub_client *hc, const char *cache_dir, const char *repo,
                 const char *variant, pull_fn fn, void *ctx, struct pull_result *out,
                 struct sy_err *err)
{
    memset(out, 0, sizeof *out);
    sy_code rc = hub_repo_check(repo, err);
    if (rc != SY_OK)
        return rc;
    json_t *info = NULL;
    if ((rc = hub_model_info(hc, repo, "main", &info, err)) != SY_OK)
        return rc;
    const char *commit = json_string_value(json_object_get(info, "sha"));
    if (!commit || !hub_commit_ok(commit)) {
        json_decref(info);
        return sy_errf(err, SY_EUPSTREAM, "the Hub's info for '%s' has no usable commit", repo);
    }
    snprintf(out->commit, sizeof out->commit, "%s", commit);

    static const size_t max_siblings = 4096;
    struct sibling *sib = calloc(max_siblings, sizeof *sib);
    const char **paths = calloc(max_siblings, sizeof *paths);
    uint64_t *sizes = calloc(max_siblings, sizeof *sizes);
    size_t chosen[FILES_MAX], n_chosen = 0, n = 0;
    const char *why = "";
    if (!sib || !paths || !sizes) {
        rc = sy_errf(err, SY_ENOMEM, "out of memory reading the repository's files");
        goto done;
    }
    n = read_siblings(info, sib, max_siblings);
    for (size_t i = 0; i < n; i++) {
        paths[i] = sib[i].path;
        sizes[i] = sib[i].size;
    }
    rc = gguf_choose(paths, sizes, n, variant, chosen, FILES_MAX, &n_chosen, out->label,
                     sizeof out->label, &why, err);
    if (rc != SY_OK)
        goto done;

    char folder[256], repo_dir[PATH_MAX], blobs[PATH_MAX], locks[PATH_MAX];
    if (!hub_repo_folder(repo, folder, sizeof folder) ||
        !pathf(repo_dir, sizeof repo_dir, "%s/%s", cache_dir, folder) ||
        !pathf(blobs, sizeof blobs, "%s/blobs", repo_dir) ||
        !pathf(locks, sizeof locks, "%s/.locks/%s", cache_dir, folder)) {
        rc = sy_errf(err, SY_EIO, "the Hub cache path %s is too long", cache_dir);
        goto done;
    }
    if ((rc = fs_mkdirs_beneath(cache_dir, blobs, 0755, err)) != SY_OK ||
        (rc = fs_mkdirs_beneath(cache_dir, locks, 0755, err)) != SY_OK)
        goto done;

    struct pulling p = {.fn = fn, .ctx = ctx};
    p.ev = (struct pull_event){.step = PULL_CHOSEN, .count = (int)n_chosen, .label = out->label,
                               .why = why, .file = sib[chosen[0]].path};
    if (fn && !fn(ctx, &p.ev)) {
        rc = sy_errf(err, SY_ECANCELLED, "the pull was cancelled");
        goto done;
    }
    for (size_t k = 0; k < n_chosen && rc == SY_OK; k++) {
        const struct sibling *s = &sib[chosen[k]];
        struct hub_file_meta meta;
        if ((rc = hub_file_meta(hc, repo, commit, s->path, &meta, err)) != SY_OK)
            break;
        char blob[PATH_MAX], lock_path[PATH_MAX];
        if (!pathf(blob, sizeof blob, "%s/%s", blobs, meta.etag) ||
            !pathf(lock_path, sizeof lock_path, "%s/%s.lock", locks, meta.etag)) {
            rc = sy_errf(err, SY_EIO, "the Hub cache path %s is too long", cache_dir);
            break;
        }
        p.ev = (struct pull_event){.step = PULL_FILE, .file = s->path, .index = (int)k + 1,
                                   .count = (int)n_chosen, .total = meta.size,
                                   .reused = blob_present(blob, meta.size)};
        p.last_reported = 0;
        if (fn && !fn(ctx, &p.ev)) {
            rc = sy_errf(err, SY_ECANCELLED, "the pull was cancelled");
            break;
        }
        if (!p.ev.reused)
            rc = fetch_blob(hc, &meta, s->sha256, blob, lock_path, &p, &out->downloaded, err);
        char link[PATH_MAX];
        if (rc == SY_OK)
            rc = link_snapshot(cache_dir, repo_dir, commit, s->path, meta.etag, link, sizeof link,
                               err);
        if (rc == SY_OK && k == 0)
            snprintf(out->path, sizeof out->path, "%s", link);
        if (rc == SY_OK) {
            out->files++;
            p.ev.step = PULL_VERIFIED;
            p.ev.done = meta.size;
            if (fn && !fn(ctx, &p.ev))
                rc = sy_errf(err, SY_ECANCELLED, "the pull was cancelled");
        }
    }
    if (rc == SY_OK) {
        char refs[PATH_MAX], ref[PATH_MAX];
        if (!pathf(refs, sizeof refs, "%s/refs", repo_dir) ||
            !pathf(ref, sizeof ref, "%s/main", refs))
            rc = sy_errf(err, SY_EIO, "the Hub cache path %s is too long", cache_dir);
        else if ((rc = fs_mkdirs_beneath(cache_dir, refs, 0755, err)) == SY_OK)
            rc = write_atomic(ref, commit, err);
    }
    if (rc == SY_OK)
        remove_stale_downloads(blobs, locks, sib, n, info);
done:
    free(sib);
    free(paths);
    free(sizes);
    json_decref(info);
    return rc;
}
