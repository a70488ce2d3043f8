/* metrics.h -- counters and histograms, rendered in the Prometheus text format.
 *
 * A family is a metric name with fixed label names; each distinct set of label
 * values is a series, created on first use. Families are declared once at
 * start-up; updates may come from any thread. Series per family are capped so
 * a flood of distinct label values cannot grow memory without bound (updates
 * beyond the cap are counted in switchyard_metrics_series_dropped_total).
 * Gauges that are read from elsewhere at scrape time are written with
 * metrics_write_header()/metrics_write_sample() instead.
 * Thread-safety: everything may be called from any thread. */
#ifndef SY_METRICS_H
#define SY_METRICS_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

#define METRICS_LABELS_MAX 4
#define METRICS_SERIES_MAX 1000

struct metrics;
struct metric_family;

/* Returns: a new, empty registry; NULL if out of memory. */
struct metrics *metrics_create(void);

/* Frees the registry and every family in it. NULL is a no-op. */
void metrics_destroy(struct metrics *m);

/* Declares a counter (name should end in _total) or a histogram with the given
 * upper bounds (ascending; +Inf is implicit). Strings are borrowed and must be
 * static. Returns: the family; NULL if out of memory or over-sized. */
struct metric_family *metrics_counter(struct metrics *m, const char *name, const char *help,
                                      size_t n_labels, const char *const *label_names);
struct metric_family *metrics_histogram(struct metrics *m, const char *name, const char *help,
                                        size_t n_labels, const char *const *label_names,
                                        const double *bounds, size_t n_bounds);

/* Adds v to a counter's series for the label values (n_labels of them). */
void metrics_add(struct metric_family *f, const char *const *label_values, double v);

/* Records one observation in a histogram's series. */
void metrics_observe(struct metric_family *f, const char *const *label_values, double v);

/* Appends every family in the text format (version 0.0.4) to out. */
sy_code metrics_render(struct metrics *m, struct sy_buf *out, struct sy_err *err);

/* For gauges computed at scrape time: "# HELP" and "# TYPE" lines ... */
sy_code metrics_write_header(struct sy_buf *out, const char *name, const char *type,
                             const char *help, struct sy_err *err);

/* ... and one sample line, label values escaped as the format requires. */
sy_code metrics_write_sample(struct sy_buf *out, const char *name, size_t n_labels,
                             const char *const *label_names, const char *const *label_values,
                             double value, struct sy_err *err);

#endif
