/* test_metrics.c -- the Prometheus text the registry renders, byte for byte. */
#include <stdio.h>
#include <stdlib.h>

#include "t.h"
#include "util/metrics.h"

static char *render(struct metrics *m)
{
    struct sy_buf out;
    buf_init(&out, 1 << 20);
    T_EQ_INT(metrics_render(m, &out, NULL), SY_OK);
    return buf_detach(&out, NULL);
}

static void test_counter_and_escaping(void)
{
    struct metrics *m = metrics_create();
    static const char *const names[] = {"model"};
    struct metric_family *c = metrics_counter(m, "x_total", "Things.", 1, names);
    const char *quoted[] = {"a\"b\\c\nd"};
    metrics_add(c, quoted, 2);
    metrics_add(c, quoted, 1.5);
    char *text = render(m);
    T_CONTAINS(text, "# HELP x_total Things.\n# TYPE x_total counter\n"
                     "x_total{model=\"a\\\"b\\\\c\\nd\"} 3.5\n");
    free(text);
    metrics_destroy(m);
}

static void test_histogram(void)
{
    struct metrics *m = metrics_create();
    static const char *const names[] = {"model"};
    static const double bounds[] = {0.1, 1};
    struct metric_family *h = metrics_histogram(m, "t_seconds", "Time.", 1, names, bounds, 2);
    const char *v[] = {"tiny"};
    metrics_observe(h, v, 0.05);
    metrics_observe(h, v, 0.5);
    metrics_observe(h, v, 7);
    char *text = render(m);
    T_CONTAINS(text, "# TYPE t_seconds histogram\n"
                     "t_seconds_bucket{model=\"tiny\",le=\"0.1\"} 1\n"
                     "t_seconds_bucket{model=\"tiny\",le=\"1\"} 2\n"
                     "t_seconds_bucket{model=\"tiny\",le=\"+Inf\"} 3\n"
                     "t_seconds_sum{model=\"tiny\"} 7.55\n"
                     "t_seconds_count{model=\"tiny\"} 3\n");
    free(text);
    metrics_destroy(m);
}

static void test_series_cap(void)
{
    struct metrics *m = metrics_create();
    static const char *const names[] = {"id"};
    struct metric_family *c = metrics_counter(m, "n_total", "N.", 1, names);
    for (int i = 0; i < METRICS_SERIES_MAX + 5; i++) {
        char id[16];
        snprintf(id, sizeof id, "%d", i);
        const char *v[] = {id};
        metrics_add(c, v, 1);
    }
    char *text = render(m);
    T_CONTAINS(text, "switchyard_metrics_series_dropped_total 5\n");
    free(text);
    metrics_destroy(m);
}

int main(void)
{
    T_RUN(test_counter_and_escaping);
    T_RUN(test_histogram);
    T_RUN(test_series_cap);
    return t_done();
}
