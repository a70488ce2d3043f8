/* expect_error.c -- refused requests, checked. */
#include "expect_error.h"

#include <stdio.h>

#include "http_client.h"
#include "t.h"

void expect_post_error(int port, const char *path, json_t *body, int status, const char *param,
                       const char *words)
{
    json_t *resp = NULL;
    int got = http_post_json(port, path, body, &resp);
    const json_t *e = json_object_get(resp, "error");
    const char *msg = json_is_string(e) ? jstr(e) : jstr(json_object_get(e, "message"));
    if (got != status)
        printf("#   %s -> %d: %s\n", path, got, msg ? msg : "(none)");
    T_EQ_INT(got, status);
    T_CONTAINS(msg, words);
    if (param)
        T_EQ_STR(jstr(json_object_get(e, "param")), param);
    json_decref(resp);
}
