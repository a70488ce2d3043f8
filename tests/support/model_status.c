/* model_status.c -- /api/models/status for tests. */
#include "model_status.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "http_client.h"

#define POLLS 400 /* of 50 ms each */

json_t *test_model_status(int port, const char *model)
{
    json_t *all = NULL, *found = NULL, *m;
    size_t i;
    if (http_json(port, "GET", "/api/models/status", NULL, &all) == 200)
        json_array_foreach(json_object_get(all, "models"), i, m)
            if (strcmp(json_string_value(json_object_get(m, "id")), model) == 0)
                found = json_incref(m);
    json_decref(all);
    return found;
}

const char *test_model_state(int port, const char *model)
{
    static char state[32];
    json_t *st = test_model_status(port, model);
    const char *s = st ? json_string_value(json_object_get(st, "status")) : NULL;
    snprintf(state, sizeof state, "%s", s ? s : "?");
    json_decref(st);
    return state;
}

long long test_model_status_int(int port, const char *model, const char *field)
{
    json_t *st = test_model_status(port, model);
    long long v = st ? json_integer_value(json_object_get(st, field)) : -1;
    json_decref(st);
    return v;
}

bool test_wait_model_state(int port, const char *model, const char *state)
{
    for (int i = 0; i < POLLS; i++) {
        if (strcmp(test_model_state(port, model), state) == 0)
            return true;
        usleep(50 * 1000);
    }
    return false;
}

bool test_wait_model_status_int(int port, const char *model, const char *field, long long want)
{
    for (int i = 0; i < POLLS; i++) {
        if (test_model_status_int(port, model, field) == want)
            return true;
        usleep(50 * 1000);
    }
    return false;
}
