/* upstream_http.c -- libcurl set-up and error mapping shared by remote providers. */
#include "providers/upstream_http.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

void upstream_http_options(const struct sy_provider_config *cfg, CURL *c, const char *url,
                           char *errbuf)
{
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "switchyard");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)cfg->connect_timeout_s);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* caps count decoded bytes */
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    errbuf[0] = '\0';
}

void upstream_message(const char *body, size_t len, char *out, size_t size)
{
    json_t *j = body ? json_loadb(body, len, JSON_ALLOW_NUL, NULL) : NULL;
    const json_t *e = json_object_get(j, "error");
    const char *m = json_string_value(json_object_get(e, "message"));
    if (!m)
        m = json_string_value(e);
    if (!m)
        m = json_string_value(json_object_get(j, "message"));
    if (!m)
        m = json_string_value(json_object_get(j, "detail"));
    if (m)
        snprintf(out, size, "%s", m);
    else
        snprintf(out, size, "%.200s", body && len ? body : "(no body)");
    json_decref(j);
}

sy_code upstream_status_error(const struct sy_provider_config *cfg, bool sent_key, long status,
                              const char *body, size_t len, struct sy_err *err)
{
    char msg[SY_ERR_MSG_MAX / 2];
    upstream_message(body, len, msg, sizeof msg);
    sy_code code = status == 400   ? SY_EINVAL
                   : status == 401 ? SY_EFORBIDDEN /* our key to it, not the client's to us */
                   : status == 403 ? SY_EFORBIDDEN
                   : status == 404 ? SY_ENOTFOUND
                   : status == 413 ? SY_ETOOLARGE
                   : status == 415 ? SY_EMEDIA
                   : status == 422 ? SY_EUNSUPPORTED
                   : status == 429 ? SY_EBUSY
                   : status >= 400 && status < 500 ? SY_EINVAL
                                                   : SY_EUPSTREAM;
    if ((status == 401 || status == 403) && sent_key)
        return sy_errf(err, code, "provider '%s' refused the key in $%s (%ld): %s", cfg->name,
                       cfg->api_key_env, status, msg);
    if (status == 401 || status == 403)
        return sy_errf(err, code, "provider '%s' refused a request without a key (%ld): %s; "
                       "set its api_key_env", cfg->name, status, msg);
    if (status >= 300 && status < 400)
        return sy_errf(err, SY_EUPSTREAM,
                       "provider '%s' answered %ld (a redirect), which is not followed; set its "
                       "base_url to the final address", cfg->name, status);
    return sy_errf(err, code, "provider '%s' answered %ld: %s", cfg->name, status, msg);
}

sy_code upstream_curl_error(const struct sy_provider_config *cfg, CURLcode cc,
                            const char *errbuf, unsigned timeout_s, struct sy_err *err)
{
    const char *why = errbuf && errbuf[0] ? errbuf : curl_easy_strerror(cc);
    if (cc == CURLE_OPERATION_TIMEDOUT)
        return sy_errf(err, SY_ETIMEOUT, "provider '%s' (%s) did not answer within %u s: %s",
                       cfg->name, cfg->base_url, timeout_s, why);
    return sy_errf(err, SY_EUPSTREAM, "provider '%s' (%s) cannot be reached: %s", cfg->name,
                   cfg->base_url, why);
}

