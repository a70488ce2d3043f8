/* embeddings.c -- embedding vectors on the wire. */
#include "api/embeddings.h"

#include <math.h>
#include <stdlib.h>

#include "util/base64.h"
#include "util/buf.h"
#include "util/limits.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "base64 vectors are little-endian");

sy_code embeddings_read_dimensions(const json_t *v, const char *param, struct sy_request *req,
                                   struct sy_err *err)
{
    if (!v || json_is_null(v))
        return SY_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 65536)
        return sy_errp(err, SY_EINVAL, param, "'%s' must be an integer from 1 to 65536", param);
    req->embed.dimensions = (unsigned)json_integer_value(v);
    return SY_OK;
}

/* Vector i of c, cut to the dimensions asked for and renormalised (as
 * OpenAI and Ollama do), into out. Returns its length. */
static size_t cut(const struct call *c, size_t i, float *out)
{
    const float *v = (const float *)(const void *)c->vectors.data + i * c->dim;
    size_t dims = c->req.embed.dimensions && c->req.embed.dimensions < c->dim
                      ? c->req.embed.dimensions
                      : c->dim;
    double norm = 0;
    for (size_t d = 0; d < dims; d++)
        norm += (double)v[d] * v[d];
    norm = dims < c->dim && norm > 0 ? sqrt(norm) : 1;
    for (size_t d = 0; d < dims; d++)
        out[d] = (float)(v[d] / norm);
    return dims;
}

json_t *embeddings_vector(const struct call *c, size_t i, bool base64)
{
    float *v = malloc((c->dim ? c->dim : 1) * sizeof *v);
    if (!v)
        return NULL;
    size_t dims = cut(c, i, v);
    json_t *out = NULL;
    if (base64) {
        struct sy_buf b64;
        buf_init(&b64, SY_CALL_VECTORS_MAX);
        if (base64_encode(v, dims * sizeof *v, &b64, NULL) == SY_OK)
            out = json_stringn(b64.data ? b64.data : "", b64.len);
        buf_cleanup(&b64);
    } else {
        out = json_array();
        for (size_t d = 0; out && d < dims; d++)
            if (json_array_append_new(out, json_real(v[d])) != 0) {
                json_decref(out);
                out = NULL;
            }
    }
    free(v);
    return out;
}

json_t *embeddings_all(const struct call *c)
{
    json_t *all = json_array();
    for (size_t i = 0; all && i < c->n_vectors; i++)
        if (json_array_append_new(all, embeddings_vector(c, i, false)) != 0) {
            json_decref(all);
            all = NULL;
        }
    return all;
}
