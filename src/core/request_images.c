/* request_images.c -- the reference images of a sy_request (image-to-image). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/request.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/picture.h"

/* The base64 text of item: a bare string, or a file object's "data"; a data:
 * URL is cut to its payload. *declared gets the object's mediaType (or the
 * URL's), NULL if none. Returns NULL (err set) when it has none. */
static const char *payload(const json_t *item, const char *where, const char **declared,
                           size_t *len, struct sy_err *err)
{
    *declared = NULL;
    const json_t *data = item;
    if (json_is_object(item)) {
        const char *type = json_string_value(json_object_get(item, "type"));
        if (type && strcmp(type, "file") != 0) {
            sy_errp(err, SY_EINVAL, where, "'%s.type' must be \"file\"", where);
            return NULL;
        }
        data = json_object_get(item, "data");
        *declared = json_string_value(json_object_get(item, "mediaType"));
    }
    if (!json_is_string(data) || json_string_length(data) == 0) {
        sy_errp(err, SY_EINVAL, where, "'%s' must be a picture: base64 text, a data: URL, or "
                "{\"type\": \"file\", \"mediaType\", \"data\"}", where);
        return NULL;
    }
    const char *text = json_string_value(data);
    *len = json_string_length(data);
    if (strncmp(text, "data:", 5) == 0) {
        const char *comma = memchr(text, ',', *len);
        const char *semi = memchr(text, ';', *len);
        if (!comma || !semi || semi > comma || strncmp(semi, ";base64,", 8) != 0) {
            sy_errp(err, SY_EINVAL, where, "'%s' is a data: URL without ';base64,'", where);
            return NULL;
        }
        static _Thread_local char url_type[64];
        snprintf(url_type, sizeof url_type, "%.*s", (int)(semi - text - 5), text + 5);
        if (!*declared)
            *declared = url_type;
        *len -= (size_t)(comma + 1 - text);
        return comma + 1;
    }
    return text;
}

sy_code request_add_reference_image(struct sy_request *req, const void *data, size_t len,
                                    const char *declared, const char *where, struct sy_err *err)
{
    if (req->images.n_refs == SY_REFERENCE_IMAGES_MAX)
        return sy_errp(err, SY_EINVAL, where, "at most %d pictures are taken; '%s' is one more",
                       SY_REFERENCE_IMAGES_MAX, where);
    if (len > SY_REFERENCE_IMAGE_BYTES_MAX)
        return sy_errp(err, SY_EINVAL, where, "'%s' is larger than %u bytes", where,
                       SY_REFERENCE_IMAGE_BYTES_MAX);
    const char *type = picture_type(data, len);
    if (!type)
        return sy_errp(err, SY_EINVAL, where, "'%s' is not a PNG, JPEG or WebP picture", where);
    if (declared && strncmp(declared, "image/", 6) == 0 && strcmp(declared, type) != 0)
        return sy_errp(err, SY_EINVAL, where, "'%s' says it is %s, but it is %s", where,
                       declared, type);
    struct sy_picture *p = &req->images.refs[req->images.n_refs];
    if (!(p->data = malloc(len)))
        return sy_errf(err, SY_ENOMEM, "out of memory reading '%s'", where);
    memcpy(p->data, data, len);
    p->size = len;
    p->type = type;
    req->images.n_refs++;
    return SY_OK;
}

static sy_code read_one(struct sy_request *req, const json_t *item, const char *where,
                        struct sy_err *err)
{
    const char *declared = NULL;
    size_t len = 0;
    const char *text = payload(item, where, &declared, &len, err);
    if (!text)
        return SY_EINVAL;
    struct sy_buf bytes;
    buf_init(&bytes, SY_REFERENCE_IMAGE_BYTES_MAX);
    struct sy_err e;
    if (base64_decode(text, len, &bytes, &e) != SY_OK) {
        buf_cleanup(&bytes);
        return e.code == SY_ETOOLARGE
                   ? sy_errp(err, SY_EINVAL, where, "'%s' is larger than %u bytes", where,
                             SY_REFERENCE_IMAGE_BYTES_MAX)
                   : sy_errp(err, SY_EINVAL, where, "'%s' is not valid base64: %s", where,
                             e.msg);
    }
    /* A type the client names must be the file's, whatever it names. */
    const char *type = picture_type((const unsigned char *)bytes.data, bytes.len);
    sy_code rc = declared && type && strcmp(declared, type) != 0
                     ? sy_errp(err, SY_EINVAL, where, "'%s' says it is %s, but it is %s", where,
                               declared, type)
                     : request_add_reference_image(req, bytes.data, bytes.len, declared, where,
                                                   err);
    buf_cleanup(&bytes);
    return rc;
}

sy_code request_set_reference_images(struct sy_request *req, const json_t *v, const char *param,
                                     struct sy_err *err)
{
    if (!v || json_is_null(v))
        return SY_OK;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return sy_errp(err, SY_EINVAL, param, "'%s' must be a list of 1 to %d pictures", param,
                       SY_REFERENCE_IMAGES_MAX);
    if (json_array_size(v) > SY_REFERENCE_IMAGES_MAX)
        return sy_errp(err, SY_EINVAL, param, "'%s' holds %zu pictures; at most %d are taken",
                       param, json_array_size(v), SY_REFERENCE_IMAGES_MAX);
    size_t i;
    const json_t *item;
    json_array_foreach(v, i, item) {
        char where[96];
        snprintf(where, sizeof where, "%s[%zu]", param, i);
        sy_code rc = read_one(req, item, where, err);
        if (rc != SY_OK)
            return rc; /* those read so far are freed with the request */
    }
    return SY_OK;
}
