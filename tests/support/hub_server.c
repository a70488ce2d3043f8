/* hub_server.c -- the test Hub: libmicrohttpd, one thread per connection. */
#include "hub_server.h"

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loopback_daemon.h"

struct hub_server {
    struct MHD_Daemon *daemon, *cdn_daemon;
    char root[1024];
    int port, cdn_port;
    atomic_uint faults;
    atomic_uint downloads;
    atomic_uint_fast64_t bytes_sent;
    atomic_bool cdn_saw_token;
    char last_auth[256];     /* the Authorization of the last Hub request; under lock */
    atomic_uint api_requests, not_modified;
    pthread_mutex_t lock;
    char last_if_range[128]; /* under lock */
    uint64_t last_start;     /* under lock: where the last CDN answer began */
};

bool hub_sha256_file(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    unsigned char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        EVP_DigestUpdate(md, chunk, n);
    fclose(f);
    unsigned char d[32];
    unsigned int len;
    EVP_DigestFinal_ex(md, d, &len);
    EVP_MD_CTX_free(md);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return true;
}

/* ---- answers ---------------------------------------------------------------------------- */

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *error_code,
                              const char *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (error_code)
        MHD_add_response_header(r, "X-Error-Code", error_code);
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

/* Small text files live in git itself, as on the Hub; the rest in LFS. */
static bool is_lfs(const char *name)
{
    size_t n = strlen(name);
    return !(n > 5 && strcmp(name + n - 5, ".json") == 0) &&
           !(n > 3 && strcmp(name + n - 3, ".md") == 0);
}

static void list_files(const char *dir, const char *rel, json_t *siblings)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[8192], sub[8192];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            list_files(path, sub, siblings);
            continue;
        }
        char sha[65];
        hub_sha256_file(path, sha);
        if (!is_lfs(de->d_name)) {
            json_array_append_new(siblings, json_pack("{s:s, s:I, s:s}", "rfilename", sub, "size",
                                                      (json_int_t)st.st_size, "blobId", sha));
            continue;
        }
        json_array_append_new(siblings,
                              json_pack("{s:s, s:I, s:s, s:{s:s, s:I, s:i}}", "rfilename", sub,
                                        "size", (json_int_t)st.st_size, "blobId", sha, "lfs",
                                        "sha256", sha, "size", (json_int_t)st.st_size,
                                        "pointerSize", 134));
    }
    closedir(d);
}

/* The fields a request named with expand[]: only those come back (and the id). */
struct expand {
    const char *fields[32];
    size_t n;
};

static enum MHD_Result collect_expand(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    struct expand *e = cls;
    if (strcmp(key, "expand[]") == 0 && value && e->n < 32)
        e->fields[e->n++] = value;
    return MHD_YES;
}

static struct expand expand_of(struct MHD_Connection *c)
{
    struct expand e = {0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_expand, &e);
    return e;
}

static bool expanded(const struct expand *e, const char *field)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->fields[i], field) == 0)
            return true;
    return false;
}

/* obj as the Hub answers when fields were named: id, _id and those fields. */
static json_t *narrow(json_t *obj, const struct expand *e)
{
    if (!e->n)
        return obj;
    json_t *out = json_pack("{s:O, s:O}", "id", json_object_get(obj, "id"), "_id",
                            json_object_get(obj, "id"));
    for (size_t i = 0; i < e->n; i++) {
        json_t *v = json_object_get(obj, e->fields[i]);
        if (v)
            json_object_set(out, e->fields[i], v);
    }
    json_decref(obj);
    return out;
}

/* Answers a JSON text with an ETag of its own, or 304 if the client has it. */
static enum MHD_Result answer_api(struct hub_server *hs, struct MHD_Connection *c, const char *text,
                                  const char *link)
{
    atomic_fetch_add(&hs->api_requests, 1);
    char sha[65], etag[80];
    unsigned char d[32];
    unsigned int len;
    EVP_Digest(text, strlen(text), d, &len, EVP_sha256(), NULL);
    for (int i = 0; i < 8; i++)
        snprintf(sha + 2 * i, 3, "%02x", d[i]);
    snprintf(etag, sizeof etag, "W/\"%s\"", sha);
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    bool same = inm && strcmp(inm, etag) == 0;
    if (same)
        atomic_fetch_add(&hs->not_modified, 1);
    struct MHD_Response *r =
        same ? MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT)
             : MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "ETag", etag);
    if (link && !same)
        MHD_add_response_header(r, "Link", link);
    enum MHD_Result rc = MHD_queue_response(c, same ? 304 : 200, r);
    MHD_destroy_response(r);
    return rc;
}

/* /api/models?search=&author=&limit=&p=: repositories whose id contains the
 * search text, two a page. */
static enum MHD_Result search(struct hub_server *hs, struct MHD_Connection *c)
{
    const char *text = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "search");
    const char *author = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "author");
    const char *limit_s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
    const char *page_s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "p");
    int page = page_s ? atoi(page_s) : 0, limit = limit_s ? atoi(limit_s) : 20;
    struct expand e = expand_of(c);
    json_t *all = json_array();
    DIR *orgs = opendir(hs->root);
    struct dirent *o;
    while (orgs && (o = readdir(orgs)) != NULL) {
        if (o->d_name[0] == '.' || (author && strcmp(author, o->d_name) != 0))
            continue;
        char dir[2048];
        snprintf(dir, sizeof dir, "%s/%s", hs->root, o->d_name);
        DIR *names = opendir(dir);
        struct dirent *n;
        while (names && (n = readdir(names)) != NULL) {
            char id[600];
            snprintf(id, sizeof id, "%s/%s", o->d_name, n->d_name);
            if (n->d_name[0] == '.' || (text && !strcasestr(id, text)))
                continue;
            json_array_append_new(
                all, narrow(json_pack("{s:s, s:s, s:i, s:i, s:s, s:[s]}", "id", id, "modelId", id,
                                      "likes", 1, "downloads", 10, "pipeline_tag",
                                      "text-generation", "tags", "gguf"),
                            &e));
        }
        if (names)
            closedir(names);
    }
    if (orgs)
        closedir(orgs);
    json_t *items = json_array();
    size_t per_page = 2, first = (size_t)page * per_page;
    for (size_t i = first; i < first + per_page && i < json_array_size(all) && (int)i < limit; i++)
        json_array_append(items, json_array_get(all, i));
    char link[1024] = "", fields[512] = "";
    for (size_t i = 0; i < e.n; i++)
        snprintf(fields + strlen(fields), sizeof fields - strlen(fields), "&expand[]=%s",
                 e.fields[i]);
    bool more = first + per_page < json_array_size(all) && (int)(first + per_page) < limit;
    if (more)
        snprintf(link, sizeof link, "<http://127.0.0.1:%d/api/models?%s%s%s%s%s&limit=%d&p=%d>; "
                 "rel=\"next\"",
                 hs->port, text ? "search=" : "", text ? text : "", author ? "&author=" : "",
                 author ? author : "", fields, limit, page + 1);
    char *body = json_dumps(items, JSON_COMPACT);
    enum MHD_Result rc = answer_api(hs, c, body, more ? link : NULL);
    free(body);
    json_decref(items);
    json_decref(all);
    return rc;
}

/* /api/models/{org}/{name}[/revision/{rev}] */
static enum MHD_Result model_info(struct hub_server *hs, struct MHD_Connection *c,
                                  const char *rest)
{
    char repo[256];
    snprintf(repo, sizeof repo, "%s", rest);
    char *rev = strstr(repo, "/revision/");
    if (rev)
        *rev = '\0';
    char dir[2048];
    snprintf(dir, sizeof dir, "%s/%s", hs->root, repo);
    struct stat st;
    if (strstr(repo, "..") || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return answer(c, 404, "RepoNotFound", "{\"error\":\"Repository not found\"}");
    json_t *siblings = json_array();
    list_files(dir, "", siblings);
    if (atomic_load(&hs->faults) & HUB_FAULT_HOSTILE) {
        /* Names a careless client would write outside its cache; the Q4_K_M
         * label would make one the default pick. */
        static const char *const hostile[] = {"../../escape-Q4_K_M.gguf", "/etc/abs-Q4_K_M.gguf",
                                              "a/../../b-Q4_K_M.gguf", "c\\d-Q4_K_M.gguf"};
        for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++)
            json_array_append_new(siblings, json_pack("{s:s, s:i}", "rfilename", hostile[i],
                                                      "size", 10));
    }
    bool gated = atomic_load(&hs->faults) & HUB_FAULT_GATED;
    bool has_gguf = false;
    size_t i;
    json_t *s;
    json_array_foreach(siblings, i, s)
        has_gguf = has_gguf || strstr(json_string_value(json_object_get(s, "rfilename")), ".gguf");
    json_t *info = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:i, s:i}", "id", repo, "modelId",
                             repo, "sha", HUB_COMMIT, "pipeline_tag", "text-generation", "gated",
                             gated ? json_string("manual") : json_false(), "siblings", siblings,
                             "downloads", 10, "likes", 1);
    if (has_gguf)
        json_object_set_new(info, "gguf", json_pack("{s:i}", "context_length", 2048));
    /* <repo>/.info.json: fields of this repository's info (pipeline_tag,
     * inferenceProviderMapping, ...); the mapping only when asked for by
     * expand[], as the Hub does. */
    char extra_path[2100];
    snprintf(extra_path, sizeof extra_path, "%s/.info.json", dir);
    json_t *extra = json_load_file(extra_path, 0, NULL);
    struct expand e = expand_of(c);
    static const char *const expand_only[] = {"inferenceProviderMapping", "inference"};
    for (size_t k = 0; extra && k < 2; k++)
        if (!expanded(&e, expand_only[k]))
            json_object_del(extra, expand_only[k]);
    if (extra)
        json_object_update(info, extra);
    json_decref(extra);
    info = narrow(info, &e);
    char *text = json_dumps(info, JSON_COMPACT);
    json_decref(info);
    enum MHD_Result rc = answer_api(hs, c, text, NULL);
    free(text);
    return rc;
}

/* /{org}/{name}/resolve/{rev}/{path}: the Hub's own answer is a redirect. */
static enum MHD_Result resolve(struct hub_server *hs, struct MHD_Connection *c, const char *url)
{
    char repo[256];
    const char *r = strstr(url, "/resolve/");
    snprintf(repo, sizeof repo, "%.*s", (int)(r - url - 1), url + 1);
    const char *rev = r + strlen("/resolve/");
    const char *path = strchr(rev, '/');
    if (!path || strstr(url, ".."))
        return answer(c, 400, NULL, "{\"error\":\"bad path\"}");
    path++;
    char dir[2048], file[8192];
    snprintf(dir, sizeof dir, "%s/%s", hs->root, repo);
    snprintf(file, sizeof file, "%s/%s", dir, path);
    struct stat st;
    if (stat(dir, &st) != 0)
        return answer(c, 404, "RepoNotFound", "{\"error\":\"Repository not found\"}");
    if (atomic_load(&hs->faults) & HUB_FAULT_GATED) {
        const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
        if (!auth || strcmp(auth, "Bearer " HUB_TOKEN) != 0)
            return answer(c, 401, "GatedRepo", "{\"error\":\"Access to this repo is restricted\"}");
    }
    if (stat(file, &st) != 0)
        return answer(c, 404, "EntryNotFound", "{\"error\":\"Entry not found\"}");
    char sha[65], etag[80], size[32], location[8192];
    hub_sha256_file(file, sha);
    snprintf(etag, sizeof etag, "\"%s\"", sha);
    snprintf(size, sizeof size, "%lld", (long long)st.st_size);
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    struct MHD_Response *resp = NULL;
    unsigned status = 302;
    if (!is_lfs(name)) {
        /* A file in git: the Hub answers with its bytes itself. */
        status = 200;
        int fd = open(file, O_RDONLY | O_CLOEXEC);
        resp = fd >= 0 ? MHD_create_response_from_fd((size_t)st.st_size, fd) : NULL;
        if (!resp)
            return answer(c, 500, NULL, "{\"error\":\"cannot read\"}");
        MHD_add_response_header(resp, "ETag", etag);
    } else {
        snprintf(location, sizeof location, "http://localhost:%d/cdn/%s/%s", hs->cdn_port, repo,
                 path);
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(resp, "Location", location);
        MHD_add_response_header(resp, "X-Linked-Etag", etag);
        MHD_add_response_header(resp, "X-Linked-Size", size);
        MHD_add_response_header(resp, "ETag", "\"0123456789abcdef0123456789abcdef01234567\"");
    }
    MHD_add_response_header(resp, "X-Repo-Commit", HUB_COMMIT);
    enum MHD_Result rc = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

struct reader {
    struct hub_server *hs;
    int fd;
    uint64_t start, end, stop_at; /* bytes [start, end); stop (break the connection) at stop_at */
    uint64_t corrupt_at;           /* absolute offset of the byte to flip, or UINT64_MAX */
};

static ssize_t read_file(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct reader *rd = cls;
    uint64_t at = rd->start + pos;
    if (at >= rd->stop_at)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    if (at >= rd->end)
        return MHD_CONTENT_READER_END_OF_STREAM;
    uint64_t left = (rd->stop_at < rd->end ? rd->stop_at : rd->end) - at;
    ssize_t n = pread(rd->fd, buf, max < left ? max : left, (off_t)at);
    if (n <= 0)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    if (rd->corrupt_at >= at && rd->corrupt_at < at + (uint64_t)n)
        buf[rd->corrupt_at - at] ^= 0x5a;
    atomic_fetch_add(&rd->hs->bytes_sent, (uint64_t)n);
    return n;
}

static void free_reader(void *cls)
{
    struct reader *rd = cls;
    close(rd->fd);
    free(rd);
}

/* /cdn/{repo}/{path}: the bytes, with Range. */
static enum MHD_Result cdn(struct hub_server *hs, struct MHD_Connection *c, const char *rest)
{
    if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"))
        atomic_store(&hs->cdn_saw_token, true);
    char file[8192];
    snprintf(file, sizeof file, "%s/%s", hs->root, rest);
    int fd = strstr(rest, "..") ? -1 : open(file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return answer(c, 404, NULL, "{\"error\":\"no such object\"}");
    }
    unsigned faults = atomic_load(&hs->faults);
    uint64_t size = (uint64_t)st.st_size, start = 0;
    char sha[65], etag[80];
    hub_sha256_file(file, sha);
    snprintf(etag, sizeof etag, "\"%s\"", (faults & HUB_FAULT_CDN_CHANGED) ? "changed" : sha);
    const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
    const char *if_range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Range");
    pthread_mutex_lock(&hs->lock);
    snprintf(hs->last_if_range, sizeof hs->last_if_range, "%s", if_range ? if_range : "");
    pthread_mutex_unlock(&hs->lock);
    unsigned long long from;
    /* If-Range names the object the client has part of: another one comes whole. */
    bool partial = range && !(faults & HUB_FAULT_IGNORE_RANGE) &&
                   (!if_range || strcmp(if_range, etag) == 0) &&
                   sscanf(range, "bytes=%llu-", &from) == 1 && from < size;
    if (partial)
        start = from;
    pthread_mutex_lock(&hs->lock);
    hs->last_start = start;
    pthread_mutex_unlock(&hs->lock);
    struct reader *rd = calloc(1, sizeof *rd);
    *rd = (struct reader){.hs = hs, .fd = fd, .start = start, .end = size, .stop_at = UINT64_MAX,
                          .corrupt_at = UINT64_MAX};
    if (faults & HUB_FAULT_DROP) {
        atomic_fetch_and(&hs->faults, ~(unsigned)HUB_FAULT_DROP);
        rd->stop_at = start + (size - start) / 2;
    }
    if (faults & HUB_FAULT_WRONG_BYTES)
        rd->corrupt_at = size / 2;
    atomic_fetch_add(&hs->downloads, 1);
    struct MHD_Response *r =
        MHD_create_response_from_callback(size - start, 64 * 1024, read_file, rd, free_reader);
    MHD_add_response_header(r, "Content-Type", "application/octet-stream");
    MHD_add_response_header(r, "ETag", etag);
    if (partial) {
        char cr[96];
        snprintf(cr, sizeof cr, "bytes %llu-%llu/%llu", (unsigned long long)start,
                 (unsigned long long)size - 1, (unsigned long long)size);
        MHD_add_response_header(r, "Content-Range", cr);
    }
    enum MHD_Result rc = MHD_queue_response(c, partial ? 206 : 200, r);
    MHD_destroy_response(r);
    return rc;
}

/* The CDN: file bytes only, on a port of its own. */
static enum MHD_Result on_cdn_request(void *cls, struct MHD_Connection *c, const char *url,
                                      const char *method, const char *version,
                                      const char *upload, size_t *upload_size, void **state)
{
    (void)version;
    (void)upload;
    (void)upload_size;
    if (!*state) {
        *state = (void *)1;
        return MHD_YES;
    }
    bool get = strcmp(method, "GET") == 0, head = strcmp(method, "HEAD") == 0;
    if ((get || head) && strncmp(url, "/cdn/", 5) == 0)
        return cdn(cls, c, url + 5);
    return answer(c, 404, NULL, "{\"error\":\"no such object\"}");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **state)
{
    (void)version;
    (void)upload;
    (void)upload_size;
    struct hub_server *hs = cls;
    if (!*state) { /* answer once the headers are in */
        *state = (void *)1;
        return MHD_YES;
    }
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    pthread_mutex_lock(&hs->lock);
    snprintf(hs->last_auth, sizeof hs->last_auth, "%s", auth ? auth : "");
    pthread_mutex_unlock(&hs->lock);
    bool get = strcmp(method, "GET") == 0, head = strcmp(method, "HEAD") == 0;
    if (get && strncmp(url, "/api/", 5) == 0 && (atomic_load(&hs->faults) & HUB_FAULT_DOWN))
        return answer(c, 503, NULL, "{\"error\":\"the Hub is down for a test\"}");
    if (get && strncmp(url, "/api/", 5) == 0 && (atomic_load(&hs->faults) & HUB_FAULT_RATE_LIMIT))
        return answer(c, 429, NULL, "{\"error\":\"slow down\"}");
    if (get && strcmp(url, "/api/models") == 0)
        return search(hs, c);
    if (get && strncmp(url, "/api/models/", 12) == 0)
        return model_info(hs, c, url + 12);
    if ((get || head) && strstr(url, "/resolve/"))
        return resolve(hs, c, url);
    return answer(c, 404, NULL, "{\"error\":\"no such route\"}");
}

struct hub_server *hub_server_start(const char *root)
{
    struct hub_server *hs = calloc(1, sizeof *hs);
    snprintf(hs->root, sizeof hs->root, "%s", root);
    pthread_mutex_init(&hs->lock, NULL);
    hs->daemon = loopback_daemon_start(on_request, hs, NULL, &hs->port);
    hs->cdn_daemon = hs->daemon ? loopback_daemon_start(on_cdn_request, hs, NULL,
                                                       &hs->cdn_port) : NULL;
    if (!hs->cdn_daemon) {
        hub_server_stop(hs);
        return NULL;
    }
    return hs;
}

void hub_server_stop(struct hub_server *hs)
{
    if (!hs)
        return;
    if (hs->daemon)
        MHD_stop_daemon(hs->daemon);
    if (hs->cdn_daemon)
        MHD_stop_daemon(hs->cdn_daemon);
    pthread_mutex_destroy(&hs->lock);
    free(hs);
}

void hub_server_last_if_range(struct hub_server *hs, char *out, size_t size)
{
    pthread_mutex_lock(&hs->lock);
    snprintf(out, size, "%s", hs->last_if_range);
    pthread_mutex_unlock(&hs->lock);
}

int hub_server_port(const struct hub_server *hs)
{
    return hs->port;
}

void hub_server_set_faults(struct hub_server *hs, unsigned faults)
{
    atomic_store(&hs->faults, faults);
}

unsigned hub_server_downloads(const struct hub_server *hs)
{
    return atomic_load(&hs->downloads);
}

uint64_t hub_server_last_start(struct hub_server *hs)
{
    pthread_mutex_lock(&hs->lock);
    uint64_t start = hs->last_start;
    pthread_mutex_unlock(&hs->lock);
    return start;
}

uint64_t hub_server_bytes_sent(const struct hub_server *hs)
{
    return atomic_load(&hs->bytes_sent);
}

void hub_server_last_authorization(struct hub_server *hs, char *out, size_t size)
{
    pthread_mutex_lock(&hs->lock);
    snprintf(out, size, "%s", hs->last_auth);
    pthread_mutex_unlock(&hs->lock);
}

bool hub_server_cdn_saw_token(const struct hub_server *hs)
{
    return atomic_load(&hs->cdn_saw_token);
}

unsigned hub_server_api_requests(const struct hub_server *hs)
{
    return atomic_load(&hs->api_requests);
}

unsigned hub_server_not_modified(const struct hub_server *hs)
{
    return atomic_load(&hs->not_modified);
}

int hub_server_add_repo(const char *root, const char *repo, const char *info)
{
    char dir[1024], file[1100];
    snprintf(dir, sizeof dir, "%s/%s", root, repo);
    char *slash = strrchr(dir, '/');
    *slash = '\0';
    mkdir(dir, 0755);
    *slash = '/';
    mkdir(dir, 0755);
    snprintf(file, sizeof file, "%s/.info.json", dir);
    FILE *f = fopen(file, "w");
    if (!f)
        return -1;
    fputs(info, f);
    fclose(f);
    snprintf(file, sizeof file, "%s/README.md", dir);
    f = fopen(file, "w");
    if (!f)
        return -1;
    fputs("# test model\n", f);
    return fclose(f);
}
