/* err.c -- formatting of struct sy_err and the names of sy_code values. */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void err_vfill(struct sy_err *err, sy_code code, const char *param,
                      const char *fmt, va_list ap)
{
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    snprintf(err->param, sizeof err->param, "%s", param ? param : "");
    err->retry_after_s = 0;
}

sy_code sy_errf(struct sy_err *err, sy_code code, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    err_vfill(err, code, NULL, fmt, ap);
    va_end(ap);
    return code;
}

sy_code sy_errp(struct sy_err *err, sy_code code, const char *param, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    err_vfill(err, code, param, fmt, ap);
    va_end(ap);
    return code;
}

void sy_err_clear(struct sy_err *err)
{
    if (!err)
        return;
    err->code = SY_OK;
    err->msg[0] = '\0';
    err->param[0] = '\0';
    err->retry_after_s = 0;
}

const char *sy_code_name(sy_code code)
{
    switch (code) {
    case SY_OK: return "ok";
    case SY_EINVAL: return "invalid_value";
    case SY_ENOTFOUND: return "not_found";
    case SY_EMETHOD: return "method_not_allowed";
    case SY_ETOOLARGE: return "too_large";
    case SY_EUNSUPPORTED: return "not_supported";
    case SY_ECONTEXT: return "context_length_exceeded";
    case SY_EBUSY: return "busy";
    case SY_EENGINE: return "engine_failed";
    case SY_ELOADING: return "model_loading";
    case SY_ETIMEOUT: return "timeout";
    case SY_EAUTH: return "unauthorized";
    case SY_EFORBIDDEN: return "forbidden";
    case SY_EMEDIA: return "unsupported_media_type";
    case SY_EIO: return "io_error";
    case SY_ENOMEM: return "out_of_memory";
    case SY_EINTERNAL: return "internal_error";
    case SY_EEOF: return "eof";
    case SY_ECANCELLED: return "cancelled";
    case SY_EUPSTREAM: return "upstream_failed";
    case SY_ENOSPACE: return "insufficient_memory";
    case SY_EUNAVAILABLE: return "unavailable";
    case SY_ENODISK: return "insufficient_storage";
    }
    return "unknown";
}
