/* metrics.c -- a small Prometheus registry: families, series, text rendering. */
#include "util/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BOUNDS_MAX 24

struct series {
    char *labels[METRICS_LABELS_MAX];
    double value;                  /* counters */
    double sum;                    /* histograms */
    unsigned long long count;
    unsigned long long buckets[BOUNDS_MAX]; /* cumulative at render time only */
    struct series *next;
};

struct metric_family {
    struct metrics *owner;
    const char *name, *help;
    bool histogram;
    size_t n_labels;
    const char *label_names[METRICS_LABELS_MAX];
    double bounds[BOUNDS_MAX];
    size_t n_bounds;
    struct series *series;
    size_t n_series;
    struct metric_family *next;
};

struct metrics {
    pthread_mutex_t lock;
    struct metric_family *families, *last;
    unsigned long long dropped;
};

struct metrics *metrics_create(void)
{
    struct metrics *m = calloc(1, sizeof *m);
    if (m)
        pthread_mutex_init(&m->lock, NULL);
    return m;
}

void metrics_destroy(struct metrics *m)
{
    if (!m)
        return;
    while (m->families) {
        struct metric_family *f = m->families;
        m->families = f->next;
        while (f->series) {
            struct series *s = f->series;
            f->series = s->next;
            for (size_t i = 0; i < f->n_labels; i++)
                free(s->labels[i]);
            free(s);
        }
        free(f);
    }
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static struct metric_family *declare(struct metrics *m, const char *name, const char *help,
                                     size_t n_labels, const char *const *label_names)
{
    if (n_labels > METRICS_LABELS_MAX)
        return NULL;
    struct metric_family *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->owner = m;
    f->name = name;
    f->help = help;
    f->n_labels = n_labels;
    for (size_t i = 0; i < n_labels; i++)
        f->label_names[i] = label_names[i];
    pthread_mutex_lock(&m->lock);
    if (m->last)
        m->last->next = f;
    else
        m->families = f;
    m->last = f;
    pthread_mutex_unlock(&m->lock);
    return f;
}

struct metric_family *metrics_counter(struct metrics *m, const char *name, const char *help,
                                      size_t n_labels, const char *const *label_names)
{
    return declare(m, name, help, n_labels, label_names);
}

struct metric_family *metrics_histogram(struct metrics *m, const char *name, const char *help,
                                        size_t n_labels, const char *const *label_names,
                                        const double *bounds, size_t n_bounds)
{
    if (n_bounds > BOUNDS_MAX)
        return NULL;
    struct metric_family *f = declare(m, name, help, n_labels, label_names);
    if (f) {
        f->histogram = true;
        memcpy(f->bounds, bounds, n_bounds * sizeof *bounds);
        f->n_bounds = n_bounds;
    }
    return f;
}

/* The series for values, created if new. Caller holds the registry lock.
 * Returns NULL if the family is full or memory ran out. */
static struct series *series_get(struct metric_family *f, const char *const *values)
{
    for (struct series *s = f->series; s; s = s->next) {
        bool same = true;
        for (size_t i = 0; i < f->n_labels && same; i++)
            same = strcmp(s->labels[i], values[i] ? values[i] : "") == 0;
        if (same)
            return s;
    }
    if (f->n_series >= METRICS_SERIES_MAX)
        return NULL;
    struct series *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    for (size_t i = 0; i < f->n_labels; i++) {
        s->labels[i] = strdup(values[i] ? values[i] : "");
        if (!s->labels[i]) {
            for (size_t k = 0; k < i; k++)
                free(s->labels[k]);
            free(s);
            return NULL;
        }
    }
    /* Appended, so series render in the order they first appeared. */
    struct series **tail = &f->series;
    while (*tail)
        tail = &(*tail)->next;
    *tail = s;
    f->n_series++;
    return s;
}

void metrics_add(struct metric_family *f, const char *const *label_values, double v)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->owner->lock);
    struct series *s = series_get(f, label_values);
    if (s)
        s->value += v;
    else
        f->owner->dropped++;
    pthread_mutex_unlock(&f->owner->lock);
}

void metrics_observe(struct metric_family *f, const char *const *label_values, double v)
{
    if (!f || !isfinite(v))
        return;
    pthread_mutex_lock(&f->owner->lock);
    struct series *s = series_get(f, label_values);
    if (s) {
        s->sum += v;
        s->count++;
        for (size_t i = 0; i < f->n_bounds; i++)
            if (v <= f->bounds[i]) {
                s->buckets[i]++;
                break;
            }
    } else {
        f->owner->dropped++;
    }
    pthread_mutex_unlock(&f->owner->lock);
}

/* ---- rendering -------------------------------------------------------------------------- */

static sy_code write_escaped(struct sy_buf *out, const char *v, struct sy_err *err)
{
    sy_code rc = SY_OK;
    for (; *v && rc == SY_OK; v++) {
        if (*v == '\\')
            rc = buf_append(out, "\\\\", 2, err);
        else if (*v == '"')
            rc = buf_append(out, "\\\"", 2, err);
        else if (*v == '\n')
            rc = buf_append(out, "\\n", 2, err);
        else
            rc = buf_append(out, v, 1, err);
    }
    return rc;
}

/* name{a="x",b="y",extra="z"} value */
static sy_code write_line(struct sy_buf *out, const char *name, const char *suffix,
                          size_t n_labels, const char *const *names, const char *const *values,
                          const char *extra_name, const char *extra_value, double value,
                          struct sy_err *err)
{
    sy_code rc = buf_printf(out, err, "%s%s", name, suffix);
    bool any = n_labels > 0 || extra_name;
    if (rc == SY_OK && any)
        rc = buf_append(out, "{", 1, err);
    for (size_t i = 0; i < n_labels && rc == SY_OK; i++) {
        rc = buf_printf(out, err, "%s%s=\"", i ? "," : "", names[i]);
        if (rc == SY_OK)
            rc = write_escaped(out, values[i] ? values[i] : "", err);
        if (rc == SY_OK)
            rc = buf_append(out, "\"", 1, err);
    }
    if (rc == SY_OK && extra_name)
        rc = buf_printf(out, err, "%s%s=\"%s\"", n_labels ? "," : "", extra_name, extra_value);
    if (rc == SY_OK && any)
        rc = buf_append(out, "}", 1, err);
    if (rc == SY_OK) {
        if (isinf(value))
            rc = buf_printf(out, err, " %s\n", value > 0 ? "+Inf" : "-Inf");
        else if (value == floor(value) && fabs(value) < 1e15)
            rc = buf_printf(out, err, " %.0f\n", value);
        else
            rc = buf_printf(out, err, " %.9g\n", value);
    }
    return rc;
}

sy_code metrics_write_header(struct sy_buf *out, const char *name, const char *type,
                             const char *help, struct sy_err *err)
{
    return buf_printf(out, err, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

sy_code metrics_write_sample(struct sy_buf *out, const char *name, size_t n_labels,
                             const char *const *label_names, const char *const *label_values,
                             double value, struct sy_err *err)
{
    return write_line(out, name, "", n_labels, label_names, label_values, NULL, NULL, value, err);
}

static sy_code render_family(const struct metric_family *f, struct sy_buf *out,
                             struct sy_err *err)
{
    sy_code rc = metrics_write_header(out, f->name, f->histogram ? "histogram" : "counter",
                                      f->help, err);
    for (const struct series *s = f->series; s && rc == SY_OK; s = s->next) {
        const char *const *values = (const char *const *)s->labels;
        if (!f->histogram) {
            rc = write_line(out, f->name, "", f->n_labels, f->label_names, values, NULL, NULL,
                            s->value, err);
            continue;
        }
        unsigned long long cumulative = 0;
        for (size_t i = 0; i < f->n_bounds && rc == SY_OK; i++) {
            char le[32];
            snprintf(le, sizeof le, "%g", f->bounds[i]);
            cumulative += s->buckets[i];
            rc = write_line(out, f->name, "_bucket", f->n_labels, f->label_names, values, "le",
                            le, (double)cumulative, err);
        }
        if (rc == SY_OK)
            rc = write_line(out, f->name, "_bucket", f->n_labels, f->label_names, values, "le",
                            "+Inf", (double)s->count, err);
        if (rc == SY_OK)
            rc = write_line(out, f->name, "_sum", f->n_labels, f->label_names, values, NULL, NULL,
                            s->sum, err);
        if (rc == SY_OK)
            rc = write_line(out, f->name, "_count", f->n_labels, f->label_names, values, NULL,
                            NULL, (double)s->count, err);
    }
    return rc;
}

sy_code metrics_render(struct metrics *m, struct sy_buf *out, struct sy_err *err)
{
    pthread_mutex_lock(&m->lock);
    sy_code rc = SY_OK;
    for (const struct metric_family *f = m->families; f && rc == SY_OK; f = f->next)
        rc = render_family(f, out, err);
    if (rc == SY_OK)
        rc = metrics_write_header(out, "switchyard_metrics_series_dropped_total", "counter",
                                  "Metric updates dropped because a family had too many series.",
                                  err);
    if (rc == SY_OK)
        rc = write_line(out, "switchyard_metrics_series_dropped_total", "", 0, NULL, NULL, NULL,
                        NULL, (double)m->dropped, err);
    pthread_mutex_unlock(&m->lock);
    return rc;
}
