/* t.h -- the test harness: TAP-style lines, assertions that report and go on.
 *
 * A test program defines test functions and runs them with T_RUN(fn); each
 * prints "ok N - name" or "not ok N - name" with the failed checks beneath,
 * and t_done() returns the exit status (0 only if every check passed). */
#ifndef SY_T_H
#define SY_T_H

#include <stdio.h>
#include <string.h>

extern int t_failed_checks; /* checks failed in the current test */
extern int t_tests_run, t_tests_failed;

#define T_ASSERT(cond)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("#   %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                    \
            t_failed_checks++;                                                                     \
        }                                                                                          \
    } while (0)

#define T_EQ_INT(a, b)                                                                             \
    do {                                                                                           \
        long long t_a_ = (long long)(a), t_b_ = (long long)(b);                                    \
        if (t_a_ != t_b_) {                                                                        \
            printf("#   %s:%d: %s == %s: got %lld, want %lld\n", __FILE__, __LINE__, #a, #b, t_a_, \
                   t_b_);                                                                          \
            t_failed_checks++;                                                                     \
        }                                                                                          \
    } while (0)

#define T_EQ_STR(a, b)                                                                             \
    do {                                                                                           \
        const char *t_a_ = (a), *t_b_ = (b);                                                       \
        if (!t_a_ || !t_b_ || strcmp(t_a_, t_b_) != 0) {                                           \
            printf("#   %s:%d: %s == %s: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, #a, #b,   \
                   t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)");                                \
            t_failed_checks++;                                                                     \
        }                                                                                          \
    } while (0)

#define T_CONTAINS(hay, needle)                                                                    \
    do {                                                                                           \
        const char *t_h_ = (hay), *t_n_ = (needle);                                                \
        if (!t_h_ || !strstr(t_h_, t_n_)) {                                                        \
            printf("#   %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__,              \
                   t_h_ ? t_h_ : "(null)", t_n_);                                                  \
            t_failed_checks++;                                                                     \
        }                                                                                          \
    } while (0)

/* Stops the current test when a precondition for the rest of it fails. */
#define T_REQUIRE(cond)                                                                            \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("#   %s:%d: required: %s\n", __FILE__, __LINE__, #cond);                       \
            t_failed_checks++;                                                                     \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define T_RUN(fn) t_run(#fn, fn)

void t_run(const char *name, void (*fn)(void));
int t_done(void); /* prints the plan line and "N passed, N failed"; returns the exit status */

#endif
