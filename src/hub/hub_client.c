/* hub_client.c -- libcurl requests to the Hub, one easy handle per call. */
#include "hub/hub_client.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fault.h"
#include "util/log.h"

#define INFO_MAX (16u * 1024 * 1024) /* bytes of one model-info answer */
#define ERROR_BODY_MAX 4096          /* bytes of an error answer kept for its message */
#define REDIRECTS_MAX 5

struct hub_client {
    char endpoint[1024];
    char host[256];  /* the endpoint's host: the only one that gets the token */
    char *token;
    long connect_timeout_s, api_timeout_s, stall_timeout_s;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The host of url, or false if it has none or is not http(s). */
static bool url_host(const char *url, char *out, size_t size)
{
    CURLU *u = curl_url();
    char *host = NULL, *scheme = NULL;
    bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
              (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0) &&
              strlen(host) < size;
    if (ok)
        snprintf(out, size, "%s", host);
    curl_free(host);
    curl_free(scheme);
    curl_url_cleanup(u);
    return ok;
}

sy_code hub_client_create(const struct hub_client_config *cfg, struct hub_client **out,
                          struct sy_err *err)
{
    pthread_once(&curl_once, curl_init_once);
    struct hub_client *hc = calloc(1, sizeof *hc);
    if (!hc)
        return sy_errf(err, SY_ENOMEM, "out of memory creating the Hub client");
    size_t n = strlen(cfg->endpoint);
    while (n > 0 && cfg->endpoint[n - 1] == '/')
        n--;
    if (n == 0 || n >= sizeof hc->endpoint) {
        free(hc);
        return sy_errp(err, SY_EINVAL, "hub_url", "hub_url must be an http(s) URL");
    }
    memcpy(hc->endpoint, cfg->endpoint, n);
    if (!url_host(hc->endpoint, hc->host, sizeof hc->host)) {
        free(hc);
        return sy_errp(err, SY_EINVAL, "hub_url", "hub_url '%.200s' is not an http(s) URL",
                       cfg->endpoint);
    }
    hc->token = cfg->token && cfg->token[0] ? strdup(cfg->token) : NULL;
    hc->connect_timeout_s = cfg->connect_timeout_s ? cfg->connect_timeout_s : 10;
    hc->api_timeout_s = cfg->api_timeout_s ? cfg->api_timeout_s : 30;
    hc->stall_timeout_s = cfg->stall_timeout_s ? cfg->stall_timeout_s : 60;
    *out = hc;
    return SY_OK;
}

void hub_client_destroy(struct hub_client *hc)
{
    if (!hc)
        return;
    if (hc->token) {
        memset(hc->token, 0, strlen(hc->token));
        free(hc->token);
    }
    free(hc);
}

bool hub_client_has_token(const struct hub_client *hc)
{
    return hc->token != NULL;
}

/* ---- one request ------------------------------------------------------------------------ */

struct exchange {
    struct hub_client *hc;
    CURL *curl;
    long status;
    /* headers of the last response */
    char commit[SY_HUB_COMMIT_MAX + 1], linked_etag[SY_HUB_ETAG_MAX + 3], etag[SY_HUB_ETAG_MAX + 3];
    char location[2048], error_code[64], error_message[256], link[2048];
    uint64_t linked_size, content_length;
    bool has_linked_size, has_content_length;
    /* the body: kept in `body` (capped), or written to fd */
    struct sy_buf body;
    int fd;
    uint64_t written, limit;
    bool started, restarted;
    hub_progress_fn progress;
    void *progress_ctx;
    uint64_t have, total;
    sy_code failure; /* why a callback stopped the transfer */
    char failure_msg[256];
};

static void copy_header_value(const char *v, size_t n, char *out, size_t size)
{
    while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
        n--;
    while (n && *v == ' ') {
        v++;
        n--;
    }
    snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), v);
}

static size_t on_header(char *data, size_t size, size_t count, void *user)
{
    struct exchange *x = user;
    size_t n = size * count;
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) { /* a new response: forget the last one's */
        x->commit[0] = x->linked_etag[0] = x->etag[0] = x->location[0] = x->link[0] = '\0';
        x->error_code[0] = x->error_message[0] = '\0';
        x->has_linked_size = x->has_content_length = false;
        return n;
    }
    const char *colon = memchr(data, ':', n);
    if (!colon)
        return n;
    size_t name_len = (size_t)(colon - data);
    const char *v = colon + 1;
    size_t vn = n - name_len - 1;
    char tmp[32];
#define IS(name) (name_len == strlen(name) && strncasecmp(data, name, name_len) == 0)
    if (IS("X-Repo-Commit"))
        copy_header_value(v, vn, x->commit, sizeof x->commit);
    else if (IS("X-Linked-Etag"))
        copy_header_value(v, vn, x->linked_etag, sizeof x->linked_etag);
    else if (IS("ETag"))
        copy_header_value(v, vn, x->etag, sizeof x->etag);
    else if (IS("Location"))
        copy_header_value(v, vn, x->location, sizeof x->location);
    else if (IS("Link"))
        copy_header_value(v, vn, x->link, sizeof x->link);
    else if (IS("X-Error-Code"))
        copy_header_value(v, vn, x->error_code, sizeof x->error_code);
    else if (IS("X-Error-Message"))
        copy_header_value(v, vn, x->error_message, sizeof x->error_message);
    else if (IS("X-Linked-Size")) {
        copy_header_value(v, vn, tmp, sizeof tmp);
        x->linked_size = strtoull(tmp, NULL, 10);
        x->has_linked_size = true;
    } else if (IS("Content-Length")) {
        copy_header_value(v, vn, tmp, sizeof tmp);
        x->content_length = strtoull(tmp, NULL, 10);
        x->has_content_length = true;
    }
#undef IS
    return n;
}

static size_t fail_transfer(struct exchange *x, sy_code code, const char *msg)
{
    x->failure = code;
    snprintf(x->failure_msg, sizeof x->failure_msg, "%s", msg);
    return 0; /* libcurl stops with CURLE_WRITE_ERROR */
}

/* Bodies of API answers and error answers: into x->body, capped. */
static size_t on_body(char *data, size_t size, size_t count, void *user)
{
    struct exchange *x = user;
    size_t n = size * count;
    if (buf_append(&x->body, data, n, NULL) != SY_OK)
        return fail_transfer(x, SY_EUPSTREAM, "the Hub's answer is larger than allowed");
    return n;
}

/* File bytes: into x->fd, once the status says they are the file's. */
static size_t on_file(char *data, size_t size, size_t count, void *user)
{
    struct exchange *x = user;
    size_t n = size * count;
    if (!x->started) {
        curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &x->status);
        if (x->status != 200 && x->status != 206) {
            x->fd = -1; /* an error page: keep it for the message */
            x->started = true;
        } else {
            if (x->status == 200 && x->have > 0) { /* the range was ignored: start over */
                if (ftruncate(x->fd, 0) != 0 || lseek(x->fd, 0, SEEK_SET) != 0)
                    return fail_transfer(x, SY_EIO, strerror(errno));
                x->have = 0;
                x->restarted = true;
            }
            x->started = true;
        }
    }
    if (x->fd < 0)
        return on_body(data, size, count, user);
    if (x->have + x->written + n > x->limit)
        return fail_transfer(x, SY_EUPSTREAM, "the server sent more bytes than the file's size");
    for (size_t off = 0; off < n;) {
        ssize_t w = -1;
        if (fault_hit("pull.write"))
            errno = ENOSPC;
        else
            w = write(x->fd, data + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            bool full = w == 0 || errno == ENOSPC || errno == EDQUOT;
            char msg[200];
            snprintf(msg, sizeof msg,
                     "cannot write the download: %s%s", full ? strerror(ENOSPC) : strerror(errno),
                     full ? "; what arrived is kept: free some space and pull again to resume"
                          : "");
            return fail_transfer(x, full ? SY_ENODISK : SY_EIO, msg);
        }
        off += (size_t)w;
    }
    x->written += n;
    if (x->progress && !x->progress(x->progress_ctx, x->have + x->written, x->total))
        return fail_transfer(x, SY_ECANCELLED, "the download was cancelled");
    return n;
}

/* Called by libcurl about once a second even when no byte comes: a cancelled
 * pull stops promptly on a stalled connection too. */
static int on_xferinfo(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    struct exchange *x = user;
    if (x->progress && !x->progress(x->progress_ctx, x->have + x->written, x->total)) {
        fail_transfer(x, SY_ECANCELLED, "the download was cancelled");
        return 1;
    }
    return 0;
}

static void exchange_init(struct exchange *x, struct hub_client *hc)
{
    memset(x, 0, sizeof *x);
    x->hc = hc;
    x->fd = -1;
    buf_init(&x->body, INFO_MAX);
}

/* Runs one request on url. condition: NULL, or a whole conditional header
 * ("If-None-Match: ...", "If-Range: ..."). Returns SY_OK when an HTTP answer
 * came (any status in x->status); a transport failure otherwise. */
static sy_code perform(struct exchange *x, const char *url, bool head, bool to_file,
                       const char *range, const char *condition, struct sy_err *err)
{
    struct hub_client *hc = x->hc;
    CURL *c = curl_easy_init();
    if (!c)
        return sy_errf(err, SY_ENOMEM, "out of memory starting a Hub request");
    x->curl = c;
    char host[256];
    bool same_host = url_host(url, host, sizeof host) && strcasecmp(host, hc->host) == 0;
    struct curl_slist *headers = NULL;
    char auth[4200];
    if (hc->token && same_host) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", hc->token);
        headers = curl_slist_append(headers, auth);
        memset(auth, 0, sizeof auth);
    }
    headers = curl_slist_append(headers, "Accept: application/json");
    if (condition)
        headers = curl_slist_append(headers, condition);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "switchyard");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, hc->connect_timeout_s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, to_file ? on_file : on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    if (head)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (to_file) {
        /* Files are already compressed; a transfer may take long, but not stall. */
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, hc->stall_timeout_s);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_xferinfo);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        if (range)
            curl_easy_setopt(c, CURLOPT_RANGE, range);
    } else {
        curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* the cap counts decoded bytes */
        curl_easy_setopt(c, CURLOPT_TIMEOUT, hc->api_timeout_s);
    }
    CURLcode cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &x->status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    x->curl = NULL;
    if (cc == CURLE_OK)
        return SY_OK;
    if (x->failure != SY_OK)
        return sy_errf(err, x->failure, "%s (%s)", x->failure_msg, url);
    if (cc == CURLE_OPERATION_TIMEDOUT)
        return sy_errf(err, SY_ETIMEOUT, "the Hub at %s did not answer in time (%s)", host,
                       curl_easy_strerror(cc));
    return sy_errf(err, SY_EUPSTREAM, "cannot reach the Hub at %s: %s", host,
                   curl_easy_strerror(cc));
}

/* An error answer as an sy_err. what: the thing asked for, for the message. */
static sy_code answer_error(const struct exchange *x, const char *what, struct sy_err *err)
{
    const char *code = x->error_code;
    const char *detail = x->error_message[0] ? x->error_message : "";
    if (strcmp(code, "RepoNotFound") == 0 || (x->status == 404 && !code[0]))
        return sy_errp(err, SY_ENOTFOUND, "model",
                       "%s was not found on the Hub (a private repository needs HF_TOKEN) %s",
                       what, detail);
    if (strcmp(code, "RevisionNotFound") == 0 || strcmp(code, "EntryNotFound") == 0)
        return sy_errp(err, SY_ENOTFOUND, "model", "%s was not found on the Hub (%s) %s", what,
                       code, detail);
    if (strcmp(code, "GatedRepo") == 0 || x->status == 401 || x->status == 403)
        return sy_errp(err, SY_EFORBIDDEN, "model",
                       "%s is gated: accept its terms on the Hub, then set HF_TOKEN to a token of "
                       "that account%s (the Hub answered %ld) %s",
                       what, x->hc->token ? " (the current token is not allowed)" : "", x->status,
                       detail);
    sy_errf(err, SY_EUPSTREAM, "the Hub answered %ld for %s %s", x->status, what, detail);
    if (x->status == 429 && err)
        err->retry_after_s = 10;
    return SY_EUPSTREAM;
}

/* Appends path to out with each segment percent-encoded. */
static bool append_escaped_path(char *out, size_t size, const char *path)
{
    size_t used = strlen(out);
    for (const char *seg = path; *seg;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        char *esc = curl_easy_escape(NULL, seg, (int)len);
        if (!esc)
            return false;
        int w = snprintf(out + used, size - used, "%s%s", esc, end ? "/" : "");
        curl_free(esc);
        if (w < 0 || (size_t)w >= size - used)
            return false;
        used += (size_t)w;
        seg = end ? end + 1 : seg + len;
    }
    return true;
}

/* ---- the API ---------------------------------------------------------------------------- */

/* The URL in a Link header's rel="next" part, or "". */
static void next_link(const char *link, char *out, size_t size)
{
    out[0] = '\0';
    for (const char *p = link; (p = strchr(p, '<')) != NULL; p++) {
        const char *end = strchr(p, '>');
        if (!end)
            return;
        const char *params = end + 1, *stop = strchr(params, '<');
        const char *rel = strstr(params, "rel=\"next\"");
        if (rel && (!stop || rel < stop)) {
            snprintf(out, size, "%.*s", (int)(end - p - 1), p + 1);
            return;
        }
    }
}

const char *hub_client_endpoint(const struct hub_client *hc)
{
    return hc->endpoint;
}

sy_code hub_api_get(struct hub_client *hc, const char *target, const char *if_none_match,
                    const char *what, struct hub_answer *out, struct sy_err *err)
{
    memset(out, 0, sizeof *out);
    char url[4096];
    size_t n = strlen(hc->endpoint);
    if (target[0] == '/') {
        if (n + strlen(target) >= sizeof url)
            return sy_errf(err, SY_EINVAL, "the Hub request for %s is too long", what);
        memcpy(url, hc->endpoint, n);
        strcpy(url + n, target);
    } else if (strncmp(target, hc->endpoint, n) == 0 && target[n] == '/' &&
               strlen(target) < sizeof url) {
        strcpy(url, target);
    } else {
        return sy_errf(err, SY_EUPSTREAM, "the Hub pointed %s at another host; not following it",
                       what);
    }
    char inm[200];
    bool conditional = if_none_match && if_none_match[0] &&
                       snprintf(inm, sizeof inm, "If-None-Match: %s", if_none_match) <
                           (int)sizeof inm;
    struct exchange x;
    exchange_init(&x, hc);
    sy_code rc = perform(&x, url, false, false, NULL, conditional ? inm : NULL, err);
    out->status = x.status;
    if (rc == SY_OK && x.status != 200 && x.status != 304)
        rc = answer_error(&x, what, err);
    if (rc == SY_OK) {
        snprintf(out->etag, sizeof out->etag, "%s", x.etag);
        next_link(x.link, out->next, sizeof out->next);
        if (x.status == 200) {
            out->body = buf_detach(&x.body, &out->len);
            if (!out->body)
                out->body = strdup("");
            if (!out->body)
                rc = sy_errf(err, SY_ENOMEM, "out of memory reading the Hub's answer");
        }
    }
    buf_cleanup(&x.body);
    return rc;
}

sy_code hub_model_info(struct hub_client *hc, const char *repo, const char *revision,
                       json_t **out, struct sy_err *err)
{
    char target[512], what[256];
    snprintf(target, sizeof target, "/api/models/%s/revision/%s?blobs=true", repo, revision);
    snprintf(what, sizeof what, "model '%s'", repo);
    struct hub_answer a;
    sy_code rc = hub_api_get(hc, target, NULL, what, &a, err);
    if (rc != SY_OK)
        return rc;
    json_error_t je;
    *out = json_loadb(a.body, a.len, 0, &je);
    free(a.body);
    if (!*out || !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return sy_errf(err, SY_EUPSTREAM, "the Hub's info for %s is not a JSON object: %s", what,
                       je.text);
    }
    return SY_OK;
}

/* Strips W/ and quotes: "W/\"abc\"" -> "abc". */
static void normalize_etag(const char *in, char *out, size_t size)
{
    if (strncmp(in, "W/", 2) == 0)
        in += 2;
    size_t n = strlen(in);
    if (n >= 2 && in[0] == '"' && in[n - 1] == '"') {
        in++;
        n -= 2;
    }
    snprintf(out, size, "%.*s", (int)n, in);
}

sy_code hub_file_meta(struct hub_client *hc, const char *repo, const char *revision,
                      const char *path, struct hub_file_meta *out, struct sy_err *err)
{
    memset(out, 0, sizeof *out);
    char url[2048];
    snprintf(url, sizeof url, "%s/%s/resolve/%s/", hc->endpoint, repo, revision);
    if (!append_escaped_path(url, sizeof url, path))
        return sy_errp(err, SY_EINVAL, "file", "the file path '%s' is too long", path);
    char what[700];
    snprintf(what, sizeof what, "file '%s' of model '%s'", path, repo);
    struct exchange x;
    exchange_init(&x, hc);
    sy_code rc = SY_OK;
    for (int hop = 0;; hop++) {
        rc = perform(&x, url, true, false, NULL, NULL, err);
        if (rc != SY_OK)
            break;
        bool redirect = x.status >= 300 && x.status < 400 && x.location[0];
        if (redirect && x.location[0] == '/' && hop < REDIRECTS_MAX) {
            /* A renamed repository: same host, ask again there. */
            if (strlen(hc->endpoint) + strlen(x.location) >= sizeof url) {
                rc = sy_errf(err, SY_EUPSTREAM, "the Hub redirected %s to a too long URL", what);
                break;
            }
            strcpy(url, hc->endpoint);
            strcat(url, x.location);
            continue;
        }
        if (!redirect && x.status != 200) {
            rc = answer_error(&x, what, err);
            break;
        }
        snprintf(out->url, sizeof out->url, "%s", redirect ? x.location : url);
        break;
    }
    buf_cleanup(&x.body);
    if (rc != SY_OK)
        return rc;
    normalize_etag(x.linked_etag[0] ? x.linked_etag : x.etag, out->etag, sizeof out->etag);
    snprintf(out->commit, sizeof out->commit, "%s", x.commit);
    out->size = x.has_linked_size ? x.linked_size : x.content_length;
    if (!hub_etag_ok(out->etag) || !hub_commit_ok(out->commit) ||
        !(x.has_linked_size || x.has_content_length))
        return sy_errf(err, SY_EUPSTREAM,
                       "the Hub's answer for %s lacks a usable ETag, commit or size", what);
    return SY_OK;
}

sy_code hub_download(struct hub_client *hc, const struct hub_file_meta *meta, int fd, uint64_t have,
                     hub_progress_fn progress, void *ctx, bool *restarted, struct sy_err *err)
{
    *restarted = false;
    if (have > meta->size)
        have = 0;
    if (have == 0 && ftruncate(fd, 0) != 0)
        return sy_errf(err, SY_EIO, "cannot truncate the download: %s", strerror(errno));
    if (lseek(fd, (off_t)have, SEEK_SET) < 0)
        return sy_errf(err, SY_EIO, "cannot seek in the download: %s", strerror(errno));
    if (have == meta->size)
        return SY_OK;
    struct exchange x;
    exchange_init(&x, hc);
    x.body.limit = ERROR_BODY_MAX;
    x.fd = fd;
    x.have = have;
    x.limit = meta->size;
    x.total = meta->size;
    x.progress = progress;
    x.progress_ctx = ctx;
    /* If-Range: the rest of this object, or all of it if it has changed since
     * the part we have came (the server then answers 200, handled above). */
    char range[48], if_range[SY_HUB_ETAG_MAX + 16];
    snprintf(range, sizeof range, "%llu-", (unsigned long long)have);
    snprintf(if_range, sizeof if_range, "If-Range: \"%s\"", meta->etag);
    sy_code rc = perform(&x, meta->url, false, true, have ? range : NULL, have ? if_range : NULL,
                         err);
    *restarted = x.restarted;
    bool file_bytes = x.status == 200 || x.status == 206;
    if (rc == SY_OK && !file_bytes)
        rc = answer_error(&x, "the file's bytes", err);
    else if ((rc == SY_OK || (rc == SY_EUPSTREAM && file_bytes && x.failure == SY_OK)) &&
             x.have + x.written != meta->size)
        /* Cut off: what came stays for the next pull to resume. */
        rc = sy_errf(err, SY_EUPSTREAM,
                     "the download ended after %llu of %llu bytes; pulling again resumes it",
                     (unsigned long long)(x.have + x.written), (unsigned long long)meta->size);
    buf_cleanup(&x.body);
    return rc;
}
