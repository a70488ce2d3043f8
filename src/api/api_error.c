/* api_error.c -- error statuses and bodies. */
#include "api/api_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/log.h"

unsigned api_status(sy_code code)
{
    switch (code) {
    case SY_OK: return 200;
    case SY_EINVAL: return 400;
    case SY_ECONTEXT: return 400;
    case SY_EAUTH: return 401;
    case SY_EFORBIDDEN: return 403;
    case SY_ENOTFOUND: return 404;
    case SY_EMETHOD: return 405;
    case SY_ETOOLARGE: return 413;
    case SY_EMEDIA: return 415;
    case SY_EUNSUPPORTED: return 422;
    case SY_EBUSY: return 429;
    case SY_EENGINE: return 502;
    case SY_EUPSTREAM: return 502;
    case SY_ELOADING: return 503;
    case SY_EUNAVAILABLE: return 503;
    case SY_ENOSPACE: return 507;
    case SY_ENODISK: return 507;
    case SY_ETIMEOUT: return 504;
    case SY_ECANCELLED: return 499;
    case SY_EIO:
    case SY_ENOMEM:
    case SY_EINTERNAL:
    case SY_EEOF: return 500;
    }
    return 500;
}

static const char *error_type(sy_code code)
{
    switch (code) {
    case SY_EAUTH: return "authentication_error";
    case SY_EFORBIDDEN: return "permission_error";
    case SY_ENOTFOUND: return "not_found_error";
    case SY_EBUSY: return "rate_limit_error";
    default: break;
    }
    return api_status(code) < 500 ? "invalid_request_error" : "server_error";
}

json_t *api_error_body(const struct sy_err *err)
{
    const char *code = sy_code_name(err->code);
    if (err->code == SY_ENOTFOUND && strcmp(err->param, "model") == 0)
        code = "model_not_found"; /* OpenAI's code for this case */
    json_t *param = err->param[0] ? json_string(err->param) : json_null();
    json_t *body = json_pack("{s:{s:s, s:s, s:s, s:o}}", "error", "message", err->msg, "type",
                             error_type(err->code), "code", code, "param", param);
    /* Hugging Face clients read a loading model's wait from here. */
    if (body && err->code == SY_ELOADING && err->retry_after_s > 0)
        json_object_set_new(body, "estimated_time", json_real(err->retry_after_s));
    return body;
}

/* Adds Retry-After where waiting helps. Returns the status for err. */
static unsigned status_and_retry(struct http_exchange *ex, const struct sy_err *err)
{
    unsigned status = api_status(err->code);
    /* The server's own failures (an engine, a provider, the disk) are the
     * operator's to see, not only the client's. */
    if (status >= 500 && status != 503)
        log_warn("%s: %u %s: %s", http_request_id(ex), status, sy_code_name(err->code), err->msg);
    if (status == 429 || status == 503 || err->retry_after_s > 0) {
        /* Whole seconds, rounded up: a client that waits less only fails again. */
        double s = err->retry_after_s > 0 ? err->retry_after_s : 1;
        char value[24];
        snprintf(value, sizeof value, "%lld", (long long)s + (s > (double)(long long)s));
        http_add_header(ex, "Retry-After", value);
    }
    return status;
}

void api_respond_error(struct http_exchange *ex, const struct sy_err *err)
{
    unsigned status = status_and_retry(ex, err);
    http_respond_json(ex, status, api_error_body(err));
}

void api_respond_error_ollama(struct http_exchange *ex, const struct sy_err *err)
{
    unsigned status = status_and_retry(ex, err);
    http_respond_json(ex, status, json_pack("{s:s}", "error", err->msg));
}

void api_respond_errorf(struct http_exchange *ex, sy_code code, const char *param,
                        const char *fmt, ...)
{
    struct sy_err err;
    sy_err_clear(&err);
    err.code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err.msg, sizeof err.msg, fmt, ap);
    va_end(ap);
    snprintf(err.param, sizeof err.param, "%s", param ? param : "");
    api_respond_error(ex, &err);
}
