/* units.c -- strict parsers of durations and byte sizes, and counts for people. */
#include "util/units.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct unit {
    const char *name;
    double ms;
};

/* unit_at() takes the longest name that matches, so "ms" is never read as "m". */
static const struct unit units[] = {
    {"ns", 1e-6}, {"us", 1e-3}, {"\xC2\xB5s", 1e-3}, {"ms", 1.0},
    {"s", 1e3},   {"m", 60e3},  {"h", 3600e3},
};

static const struct unit *unit_at(const char *s, size_t *len)
{
    const struct unit *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t n = strlen(units[i].name);
        if (n > best_len && strncmp(s, units[i].name, n) == 0) {
            best = &units[i];
            best_len = n;
        }
    }
    *len = best_len;
    return best;
}

/* Reads digits with an optional fraction ("12", "1.5", ".5") at *s and moves
 * *s past them. Returns false if there is no digit. */
static bool read_decimal(const char **s, double *value)
{
    const char *p = *s;
    double v = 0;
    bool digits = false;
    for (; *p >= '0' && *p <= '9'; p++, digits = true)
        v = v * 10 + (*p - '0');
    if (*p == '.') {
        p++;
        for (double scale = 0.1; *p >= '0' && *p <= '9'; p++, scale /= 10, digits = true)
            v += (*p - '0') * scale;
    }
    *s = p;
    *value = v;
    return digits;
}

bool units_parse_duration_ms(const char *s, int64_t *ms)
{
    double sign = 1;
    if (*s == '-' || *s == '+')
        sign = *s++ == '-' ? -1 : 1;
    if (strcmp(s, "0") == 0) {
        *ms = 0;
        return true;
    }
    if (!*s)
        return false;
    double total = 0;
    while (*s) {
        double value;
        if (!read_decimal(&s, &value))
            return false;
        size_t len;
        const struct unit *u = unit_at(s, &len);
        if (!u)
            return false;
        s += len;
        total += value * u->ms;
        if (total > 9.2e15) /* beyond int64 milliseconds' useful range */
            return false;
    }
    *ms = (int64_t)(sign * floor(total));
    return true;
}

bool units_parse_bytes(const char *s, uint64_t *bytes)
{
    static const struct {
        const char *suffix;
        double factor;
    } suffixes[] = {
        {"", 1},         {"b", 1},          {"k", 1e3},          {"kb", 1e3},
        {"m", 1e6},      {"mb", 1e6},       {"g", 1e9},          {"gb", 1e9},
        {"t", 1e12},     {"tb", 1e12},      {"kib", 1024.0},     {"mib", 1048576.0},
        {"gib", 1073741824.0}, {"tib", 1099511627776.0},
    };
    double value;
    if (!read_decimal(&s, &value))
        return false;
    while (*s == ' ')
        s++;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        if (strcasecmp(s, suffixes[i].suffix) != 0)
            continue;
        double total = value * suffixes[i].factor;
        if (total >= 1.8e19)
            return false;
        *bytes = (uint64_t)total;
        return true;
    }
    return false;
}

void units_format_count(uint64_t n, char *out, size_t size)
{
    if (n >= 1000000000ull)
        snprintf(out, size, "%.1fB", (double)n / 1e9);
    else if (n >= 1000000ull)
        snprintf(out, size, "%.0fM", (double)n / 1e6);
    else
        snprintf(out, size, "%.0fK", (double)n / 1e3);
}
