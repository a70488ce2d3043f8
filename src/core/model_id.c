/* model_id.c -- model id parsing. Names end up in paths and URLs later, so
 * anything that could walk a directory tree is refused here. */
#include "core/model_id.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool provider_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

sy_code model_id_parse(const char *text, struct model_id *out, struct sy_err *err)
{
    memset(out, 0, sizeof *out);
    size_t len = strlen(text);
    if (len == 0)
        return sy_errp(err, SY_EINVAL, "model", "the model id is empty");
    if (len > SY_MODEL_ID_MAX)
        return sy_errp(err, SY_EINVAL, "model", "the model id is longer than %d bytes",
                       SY_MODEL_ID_MAX);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
            return sy_errp(err, SY_EINVAL, "model", "the model id contains a control character");

    const char *rest = text;
    const char *colon = strchr(text, ':');
    /* A ':' after a '/' is part of a name, not a provider prefix. */
    const char *slash = strchr(text, '/');
    if (colon && (!slash || colon < slash)) {
        size_t plen = (size_t)(colon - text);
        if (plen == 0 || plen >= sizeof out->provider)
            return sy_errp(err, SY_EINVAL, "model", "'%s' has an empty or over-long provider prefix",
                           text);
        for (size_t i = 0; i < plen; i++)
            if (!provider_char(text[i]))
                return sy_errp(err, SY_EINVAL, "model",
                               "provider prefix of '%s' may hold only a-z, 0-9, '_' and '-'", text);
        memcpy(out->provider, text, plen);
        rest = colon + 1;
    }

    const char *at = out->provider[0] ? NULL : strrchr(rest, '@');
    size_t nlen = at ? (size_t)(at - rest) : strlen(rest);
    if (nlen == 0)
        return sy_errp(err, SY_EINVAL, "model", "'%s' names no model", text);
    if (at && at[1] == '\0')
        return sy_errp(err, SY_EINVAL, "model", "'%s' has an empty file or quantisation after '@'",
                       text);
    memcpy(out->name, rest, nlen);
    if (at)
        snprintf(out->variant, sizeof out->variant, "%s", at + 1);
    if (out->name[0] == '/' || strstr(out->name, "..") || strchr(out->name, '\\'))
        return sy_errp(err, SY_EINVAL, "model", "'%s' is not a valid model name", text);
    if (strstr(out->variant, "..") || strchr(out->variant, '/') || strchr(out->variant, '\\'))
        return sy_errp(err, SY_EINVAL, "model", "'%s' has an invalid file or quantisation", text);
    return SY_OK;
}
