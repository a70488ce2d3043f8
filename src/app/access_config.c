/* access_config.c -- keys from a file and the environment, lists from strings. */
#include "app/access_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

struct list {
    char *items[SY_API_KEYS_MAX];
    size_t n;
};

static void list_free(struct list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        memset(l->items[i], 0, strlen(l->items[i])); /* keys among them */
        free(l->items[i]);
    }
    l->n = 0;
}

/* Adds text[0..len) trimmed, if not empty. */
static sy_code list_add(struct list *l, const char *text, size_t len, const char *what,
                        struct sy_err *err)
{
    while (len && (*text == ' ' || *text == '\t')) {
        text++;
        len--;
    }
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\r'))
        len--;
    if (!len)
        return SY_OK;
    if (l->n == SY_API_KEYS_MAX)
        return sy_errf(err, SY_EINVAL, "more than %d %s", SY_API_KEYS_MAX, what);
    l->items[l->n] = strndup(text, len);
    if (!l->items[l->n])
        return sy_errf(err, SY_ENOMEM, "out of memory");
    l->n++;
    return SY_OK;
}

static sy_code list_split(struct list *l, const char *text, char sep, const char *what,
                          struct sy_err *err)
{
    sy_code rc = SY_OK;
    while (rc == SY_OK && text && *text) {
        const char *end = strchr(text, sep);
        size_t len = end ? (size_t)(end - text) : strlen(text);
        if (!(sep == '\n' && text[0] == '#'))
            rc = list_add(l, text, len, what, err);
        text = end ? end + 1 : text + len;
    }
    return rc;
}

static sy_code read_key_file(const char *path, struct list *keys, struct sy_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return sy_errp(err, SY_EIO, "api_key_file", "cannot read the API key file %s: %s", path,
                       strerror(errno));
    char *text = calloc(1, SY_API_KEY_FILE_MAX + 1);
    size_t n = text ? fread(text, 1, SY_API_KEY_FILE_MAX + 1, f) : 0;
    fclose(f);
    sy_code rc = SY_OK;
    if (!text)
        rc = sy_errf(err, SY_ENOMEM, "out of memory");
    else if (n > SY_API_KEY_FILE_MAX)
        rc = sy_errp(err, SY_EINVAL, "api_key_file", "the API key file %s is over %u bytes", path,
                     SY_API_KEY_FILE_MAX);
    else
        rc = list_split(keys, text, '\n', "API keys", err);
    if (text) {
        memset(text, 0, SY_API_KEY_FILE_MAX + 1);
        free(text);
    }
    return rc;
}

static bool is_loopback(const char *host)
{
    return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "::1") == 0 ||
           strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0;
}

sy_code access_from_config(const struct sy_config *cfg, struct http_access **out,
                           struct sy_err *err)
{
    struct list keys = {0}, hosts = {0}, origins = {0};
    sy_code rc = SY_OK;
    if (cfg->api_key_file[0])
        rc = read_key_file(cfg->api_key_file, &keys, err);
    if (rc == SY_OK)
        rc = list_split(&keys, getenv("SWITCHYARD_API_KEY"), ',', "API keys", err);
    if (rc == SY_OK)
        rc = list_split(&hosts, cfg->allowed_hosts, ',', "allowed_hosts", err);
    if (rc == SY_OK)
        rc = list_split(&origins, cfg->cors_origins, ',', "cors_origins", err);
    for (size_t i = 0; rc == SY_OK && i < keys.n; i++)
        if (strlen(keys.items[i]) < 16)
            log_warn("API key %zu is shorter than 16 characters; it is easy to guess", i + 1);
    if (rc == SY_OK) {
        struct http_access_config ac = {
            .keys = (const char *const *)keys.items, .n_keys = keys.n,
            .hosts = (const char *const *)hosts.items, .n_hosts = hosts.n,
            .loopback = is_loopback(cfg->host),
            .origins = (const char *const *)origins.items, .n_origins = origins.n,
        };
        rc = http_access_create(&ac, out, err);
        if (rc == SY_OK)
            log_info("access: %s, Host %s, %zu allowed origin%s",
                     keys.n ? "API key required" : "no API key (any local client may call)",
                     ac.loopback ? "checked (loopback)" : "not checked", origins.n,
                     origins.n == 1 ? "" : "s");
    }
    list_free(&keys);
    list_free(&hosts);
    list_free(&origins);
    return rc;
}
