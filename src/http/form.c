/* form.c -- form bodies through libmicrohttpd's post processor.
 *
 * The post processor reports a field in pieces (off = where each piece goes);
 * a piece at offset 0 starts a new field, so the previous one is complete and
 * handed to the caller then. */
#include "http/form.h"

#include <microhttpd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/exchange_impl.h"
#include "util/buf.h"

struct form_state {
    sy_code (*fn)(void *ctx, const struct http_form_field *field, struct sy_err *err);
    void *ctx;
    struct sy_err *err;
    sy_code rc;
    bool open;      /* a field is being collected */
    unsigned count;
    char *name, *filename, *content_type;
    struct sy_buf data;
};

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void field_clear(struct form_state *st)
{
    free(st->name);
    free(st->filename);
    free(st->content_type);
    st->name = st->filename = st->content_type = NULL;
    buf_reset(&st->data);
    st->open = false;
}

/* Hands the collected field to the caller. */
static void field_flush(struct form_state *st)
{
    if (!st->open || st->rc != SY_OK) {
        field_clear(st);
        return;
    }
    struct http_form_field f = {.name = st->name,
                                .filename = st->filename,
                                .content_type = st->content_type,
                                .data = st->data.data ? st->data.data : "",
                                .len = st->data.len};
    st->rc = st->fn(st->ctx, &f, st->err);
    field_clear(st);
}

static enum MHD_Result on_piece(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *filename, const char *content_type,
                                const char *transfer_encoding, const char *data, uint64_t off,
                                size_t size)
{
    (void)kind;
    (void)transfer_encoding;
    struct form_state *st = cls;
    if (st->rc != SY_OK)
        return MHD_NO;
    if (off == 0 && (!st->open || st->data.len > 0 || strcmp(st->name, key ? key : "") != 0)) {
        field_flush(st);
        if (st->rc != SY_OK)
            return MHD_NO;
        if (++st->count > HTTP_FORM_FIELDS_MAX) {
            st->rc = sy_errf(st->err, SY_EINVAL, "the form has more than %d fields",
                             HTTP_FORM_FIELDS_MAX);
            return MHD_NO;
        }
        st->name = strdup(key ? key : "");
        st->filename = dup_or_null(filename);
        st->content_type = dup_or_null(content_type);
        st->open = true;
        if (!st->name || (filename && !st->filename) || (content_type && !st->content_type)) {
            st->rc = sy_errf(st->err, SY_ENOMEM, "out of memory reading the form");
            return MHD_NO;
        }
    }
    if (off != st->data.len) {
        st->rc = sy_errf(st->err, SY_EINVAL, "the form's field '%s' arrived out of order",
                         st->name);
        return MHD_NO;
    }
    if (size && (st->rc = buf_append(&st->data, data, size, st->err)) != SY_OK)
        return MHD_NO;
    return MHD_YES;
}

sy_code http_form_parse(struct http_exchange *ex,
                        sy_code (*fn)(void *ctx, const struct http_form_field *field,
                                      struct sy_err *err),
                        void *ctx, struct sy_err *err)
{
    struct form_state st = {.fn = fn, .ctx = ctx, .err = err, .rc = SY_OK};
    size_t body_len;
    const char *body = http_body(ex, &body_len);
    buf_init(&st.data, exchange_body_limit(ex));
    struct MHD_PostProcessor *pp =
        MHD_create_post_processor(exchange_connection(ex), 64 * 1024, on_piece, &st);
    if (!pp) {
        buf_cleanup(&st.data);
        const char *type = http_header(ex, "Content-Type");
        if (type && strncasecmp(type, "multipart/form-data", 19) == 0)
            return sy_errf(err, SY_EINVAL,
                           "the multipart body's boundary is missing or unusable (%s); give "
                           "boundary=... of 2 to 70 characters",
                           type);
        return sy_errf(err, SY_EMEDIA,
                       "the body must be a form (multipart/form-data or "
                       "application/x-www-form-urlencoded), not %s",
                       type ? type : "a body without a Content-Type");
    }
    bool ok = MHD_post_process(pp, body, body_len) == MHD_YES;
    /* Destroying reports whether the body ended where a form must end. */
    bool complete = MHD_destroy_post_processor(pp) == MHD_YES;
    if (st.rc == SY_OK && (!ok || !complete))
        st.rc = sy_errf(err, SY_EINVAL,
                        "the form body is malformed or cut short (check the multipart "
                        "boundary and that every part ends)");
    if (st.rc == SY_OK)
        field_flush(&st);
    field_clear(&st);
    buf_cleanup(&st.data);
    return st.rc;
}
