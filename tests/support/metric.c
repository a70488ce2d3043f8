/* metric.c -- one series from /metrics. */
#include "metric.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_client.h"

double test_metric(int port, const char *series)
{
    struct http_response r;
    if (http_request(port, "GET", "/metrics", NULL, NULL, &r) != 0 || r.status != 200 ||
        !r.body.data) {
        http_response_cleanup(&r);
        return -1;
    }
    double value = 0;
    size_t n = strlen(series);
    for (const char *line = r.body.data; line && *line;) {
        if (strncmp(line, series, n) == 0 && line[n] == ' ') {
            value = strtod(line + n + 1, NULL);
            break;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    http_response_cleanup(&r);
    return value;
}

bool test_wait_metric(int port, const char *series, double want)
{
    for (int i = 0; i < 2400; i++) {
        if (test_metric(port, series) == want)
            return true;
        usleep(50 * 1000);
    }
    return false;
}
