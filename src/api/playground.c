/* playground.c -- static files for the web playground.
 *
 * Paths are checked before any file is touched: only [A-Za-z0-9._-/], no
 * empty or dot segments, and the resolved file must still lie under
 * web_root (symlinks out are refused). Vite names its assets by content
 * hash, so /assets/ files are cached for a year; index.html never is, so a
 * rebuilt playground shows at the next load. */
#include "api/playground.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "api/api.h"
#include "api/api_error.h"
#include "http/access.h"
#include "util/buf.h"

#define FILE_MAX (16u * 1024 * 1024) /* the largest playground file served */

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},   {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},     {".json", "application/json"},
    {".svg", "image/svg+xml"},               {".png", "image/png"},
    {".ico", "image/x-icon"},                {".woff2", "font/woff2"},
    {".map", "application/json"},            {".txt", "text/plain; charset=utf-8"},
};

static const char *type_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcasecmp(dot, types[i].ext) == 0)
            return types[i].type;
    return NULL;
}

static bool api_path(const char *path)
{
    static const char *const prefixes[] = {"/api/", "/v1/", "/models/", "/metrics", "/health"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(path, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return strcmp(path, "/api") == 0 || strcmp(path, "/v1") == 0;
}

static bool safe_path(const char *path)
{
    if (path[0] != '/' || strlen(path) > 512)
        return false;
    for (const char *p = path; *p; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || strchr("._-/", *p);
        if (!ok || (p[0] == '/' && (p[1] == '/' || p[1] == '.')))
            return false;
    }
    return true;
}

/* Reads the file at rel (under root) if it is a regular file inside root.
 * Returns 0, -1 if absent (or not a file), -2 if it may not be served. */
static int read_file(const char *root, const char *rel, struct sy_buf *out)
{
    char path[PATH_MAX], real[PATH_MAX], real_root[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s%s", root, rel);
    if (n < 0 || (size_t)n >= sizeof path)
        return -2;
    if (!realpath(root, real_root) || !realpath(path, real))
        return -1;
    size_t rl = strlen(real_root);
    if (strncmp(real, real_root, rl) != 0 || (real[rl] != '/' && real[rl] != '\0'))
        return -2; /* a symlink out of the playground */
    struct stat st;
    if (stat(real, &st) != 0 || !S_ISREG(st.st_mode))
        return -1;
    if ((uint64_t)st.st_size > FILE_MAX)
        return -2;
    FILE *f = fopen(real, "rb");
    if (!f)
        return -1;
    char chunk[65536];
    size_t got;
    int rc = 0;
    while (rc == 0 && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = buf_append(out, chunk, got, NULL) == SY_OK ? 0 : -2;
    if (ferror(f))
        rc = -1;
    fclose(f);
    return rc;
}

bool playground_wanted(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    const char *accept = http_header(ex, "Accept");
    if (!accept || !strstr(accept, "text/html") || !api->web_root || !api->web_root[0])
        return false;
    char index[PATH_MAX];
    int n = snprintf(index, sizeof index, "%s/index.html", api->web_root);
    struct stat st;
    return n > 0 && (size_t)n < sizeof index && stat(index, &st) == 0;
}

/* Whether another route takes this path with a method other than GET or
 * HEAD (which the playground's own routes add to the list). */
static bool taken_by_api(struct http_exchange *ex)
{
    const char *allow = http_allowed_methods(ex);
    for (const char *p = allow; *p;) {
        size_t len = strcspn(p, ", ");
        if (len && !(len == 3 && strncmp(p, "GET", 3) == 0) &&
            !(len == 4 && strncmp(p, "HEAD", 4) == 0))
            return true;
        p += len;
        p += strspn(p, ", ");
    }
    return false;
}

/* As any unknown route answers: 401 first when keys are configured and the
 * request has none (the page's routes are open, the API's are not, and an
 * unknown API path must not tell a caller without a key more than a known
 * one would), then 405 or 404. */
static void not_found(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    if (api->access && http_access_needs_key(api->access) &&
        !http_access_key_ok(api->access, http_header(ex, "Authorization"),
                            http_header(ex, "x-api-key"))) {
        http_add_header(ex, "WWW-Authenticate", "Bearer realm=\"switchyard\"");
        api_respond_errorf(ex, SY_EAUTH, NULL,
                           "a valid API key is required: send it as 'Authorization: Bearer "
                           "<key>' or 'x-api-key: <key>'");
        return;
    }
    if (taken_by_api(ex)) {
        http_add_header(ex, "Allow", http_allowed_methods(ex));
        api_refuse(ex, app, SY_EMETHOD, NULL);
    } else {
        api_refuse(ex, app, SY_ENOTFOUND, NULL);
    }
}

void playground_serve(struct http_exchange *ex, void *app)
{
    struct api_ctx *api = app;
    const char *path = http_path(ex);
    if (api_path(path) || taken_by_api(ex)) {
        not_found(ex, app);
        return;
    }
    if (!api->web_root || !api->web_root[0] || !safe_path(path)) {
        not_found(ex, app);
        return;
    }
    struct sy_buf body;
    buf_init(&body, FILE_MAX);
    const char *rel = strcmp(path, "/") == 0 ? "/index.html" : path;
    const char *type = type_of(rel);
    int rc = type ? read_file(api->web_root, rel, &body) : -1;
    /* The page's own routes (no extension) get the page when a browser asks
     * for a page; other clients get the JSON 404 of any unknown route. */
    const char *accept = http_header(ex, "Accept");
    if (rc == -1 && !strchr(strrchr(rel, '/'), '.') && accept && strstr(accept, "text/html")) {
        rel = "/index.html";
        type = type_of(rel);
        rc = read_file(api->web_root, rel, &body);
    }
    if (rc == -1 && strcmp(rel, "/index.html") == 0) {
        buf_cleanup(&body);
        api_respond_errorf(ex, SY_ENOTFOUND, NULL,
                           "the playground is not built here (%s/index.html is missing); run "
                           "make build",
                           api->web_root);
        return;
    }
    if (rc != 0) {
        buf_cleanup(&body);
        not_found(ex, app);
        return;
    }
    http_add_header(ex, "Cache-Control", strncmp(rel, "/assets/", 8) == 0
                                             ? "public, max-age=31536000, immutable"
                                             : "no-cache");
    http_add_header(ex, "X-Content-Type-Options", "nosniff");
    http_respond(ex, 200, type, body.data ? body.data : "", body.len);
    buf_cleanup(&body);
}
