/* images.c -- pictures on the wire. */
#include "api/images.h"

#include "util/base64.h"
#include "util/buf.h"
#include "util/limits.h"

json_t *images_json(const struct call *c, const char *b64_key, const char *type_key)
{
    json_t *list = json_array();
    struct sy_buf b64;
    buf_init(&b64, SY_CALL_IMAGES_MAX * 2);
    for (size_t i = 0; list && i < c->n_pictures; i++) {
        buf_reset(&b64);
        json_t *item = NULL;
        if (base64_encode(c->pictures.data + c->picture_at[i], c->picture_size[i], &b64, NULL) ==
            SY_OK)
            item = json_pack("{s:s%}", b64_key, b64.data ? b64.data : "", b64.len);
        if (item && type_key)
            json_object_set_new(item, type_key, json_string(c->picture_type[i]));
        if (!item || json_array_append_new(list, item) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    buf_cleanup(&b64);
    return list;
}
