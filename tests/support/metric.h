/* metric.h -- reading one series from GET /metrics in tests. */
#ifndef SY_TEST_METRIC_H
#define SY_TEST_METRIC_H

#include <stdbool.h>

/* Returns: the value of the series named exactly (name and labels, as the
 * server prints them, e.g. `switchyard_generations_total{model="tiny",outcome="cancelled"}`),
 * 0 if the server has not printed it yet, -1 if /metrics cannot be read. */
double test_metric(int port, const char *series);

/* Polls /metrics (up to about 2 minutes: sanitizer builds on a busy machine
 * are slow) until the series has the value.
 * Returns: whether it did. */
bool test_wait_metric(int port, const char *series, double want);

#endif
