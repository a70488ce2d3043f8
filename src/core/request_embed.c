/* request_embed.c -- the embedding members of a sy_request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/request.h"

static sy_code check_text(const json_t *v, const char *param, size_t i, bool listed,
                          struct sy_err *err)
{
    char where[96];
    if (listed)
        snprintf(where, sizeof where, "%s[%zu]", param, i);
    else
        snprintf(where, sizeof where, "%s", param);
    if (json_is_integer(v) || (json_is_array(v) && json_is_integer(json_array_get(v, 0))))
        return sy_errp(err, SY_EINVAL, where,
                       "'%s' holds token ids; send text instead: ids from another tokenizer "
                       "name other words in this model's vocabulary",
                       where);
    if (!json_is_string(v))
        return sy_errp(err, SY_EINVAL, where, "'%s' must be a string", where);
    if (json_string_length(v) == 0)
        return sy_errp(err, SY_EINVAL, where, "'%s' is empty; there is nothing to embed", where);
    return SY_OK;
}

sy_code request_set_inputs(struct sy_request *req, const json_t *v, const char *param,
                           struct sy_err *err)
{
    if (!v || json_is_null(v))
        return sy_errp(err, SY_EINVAL, param, "'%s' is required: the text (or texts) to embed",
                       param);
    bool listed = json_is_array(v);
    size_t n = listed ? json_array_size(v) : 1;
    if (listed && (n == 0 || n > SY_EMBED_INPUTS_MAX))
        return sy_errp(err, SY_EINVAL, param, "'%s' must hold 1 to %d texts; got %zu", param,
                       SY_EMBED_INPUTS_MAX, n);
    if (listed && json_is_integer(json_array_get(v, 0)))
        return check_text(v, param, 0, false, err); /* one input given as token ids */
    for (size_t i = 0; i < n; i++) {
        sy_code rc = check_text(listed ? json_array_get(v, i) : v, param, i, listed, err);
        if (rc != SY_OK)
            return rc;
    }
    char **inputs = calloc(n, sizeof *inputs);
    for (size_t i = 0; inputs && i < n; i++) {
        const json_t *s = listed ? json_array_get(v, i) : v;
        if (!(inputs[i] = strndup(json_string_value(s), json_string_length(s)))) {
            for (size_t k = 0; k < i; k++)
                free(inputs[k]);
            free(inputs);
            inputs = NULL;
        }
    }
    if (!inputs)
        return sy_errf(err, SY_ENOMEM, "out of memory reading '%s'", param);
    for (size_t i = 0; i < req->embed.n_inputs; i++)
        free(req->embed.inputs[i]);
    free(req->embed.inputs);
    req->embed.inputs = inputs;
    req->embed.n_inputs = n;
    req->task = SY_TASK_FEATURE_EXTRACTION;
    return SY_OK;
}
