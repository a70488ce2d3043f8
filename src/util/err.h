/* err.h -- the one error type of Switchyard.
 *
 * Fallible functions return an sy_code and take a `struct sy_err *` as their
 * last argument (may be NULL when the caller does not want the text). Codes
 * are stable: never renumber, only append. Only src/api maps them to HTTP
 * statuses and wire bodies (api_error.c); everything below speaks sy_code.
 * Thread-safety: all functions are reentrant. */
#ifndef SY_ERR_H
#define SY_ERR_H

#include <stddef.h>

typedef enum sy_code {
    SY_OK = 0,
    SY_EINVAL = 1,       /* a value is malformed or out of range (400) */
    SY_ENOTFOUND = 2,    /* unknown model, route or file (404) */
    SY_EMETHOD = 3,      /* route exists, method does not (405) */
    SY_ETOOLARGE = 4,    /* body or field over its limit (413) */
    SY_EUNSUPPORTED = 5, /* model cannot do this task / honour this setting (422) */
    SY_ECONTEXT = 6,     /* prompt + requested tokens exceed the context (400) */
    SY_EBUSY = 7,        /* queue full (429) */
    SY_EENGINE = 8,      /* an engine worker failed or died (502) */
    SY_ELOADING = 9,     /* model still loading and caller will not wait (503) */
    SY_ETIMEOUT = 10,    /* a deadline passed (504) */
    SY_EAUTH = 11,       /* missing or wrong key (401) */
    SY_EFORBIDDEN = 12,  /* gated or not allowed (403) */
    SY_EMEDIA = 13,      /* wrong content type (415) */
    SY_EIO = 14,         /* the OS refused: file, socket, process (500) */
    SY_ENOMEM = 15,      /* allocation failed (500) */
    SY_EINTERNAL = 16,   /* our own bug (500) */
    SY_EEOF = 17,        /* peer closed cleanly; not an error to report to clients */
    SY_ECANCELLED = 18,  /* the client went away or asked to stop */
    SY_EUPSTREAM = 19,   /* a remote provider failed (502) */
    SY_ENOSPACE = 20,    /* a model can never fit in the memory budget (507) */
    SY_EUNAVAILABLE = 21, /* temporarily unable: memory held by busy models, back-off (503) */
    SY_ENODISK = 22,     /* the disk is full: a download cannot be written (507) */
} sy_code;

#define SY_ERR_MSG_MAX 512
#define SY_ERR_PARAM_MAX 64

struct sy_err {
    sy_code code;
    char msg[SY_ERR_MSG_MAX];     /* human sentence: what failed and what to do */
    char param[SY_ERR_PARAM_MAX]; /* the request field at fault as the client wrote it, or "" */
    double retry_after_s;         /* > 0: when trying again may succeed (Retry-After) */
};

/* Fills err (if not NULL) with code and a printf-style message, clears param
 * and retry_after_s.
 * Returns: code, so callers can write `return sy_errf(err, SY_EINVAL, ...)`. */
sy_code sy_errf(struct sy_err *err, sy_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like sy_errf, and names the offending request field. */
sy_code sy_errp(struct sy_err *err, sy_code code, const char *param, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Resets err to SY_OK with empty strings. NULL is a no-op. */
void sy_err_clear(struct sy_err *err);

/* Returns: a static lower-case identifier for code ("invalid_value", ...). */
const char *sy_code_name(sy_code code);

#endif
