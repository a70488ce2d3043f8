/* t.c -- the test harness runner. */
#include "t.h"

int t_failed_checks, t_tests_run, t_tests_failed;

void t_run(const char *name, void (*fn)(void))
{
    /* Line by line: a test killed by a timeout still shows where it was. */
    static int line_buffered;
    if (!line_buffered++)
        setvbuf(stdout, NULL, _IOLBF, 0);
    printf("# %s\n", name);
    t_failed_checks = 0;
    fn();
    t_tests_run++;
    if (t_failed_checks) {
        t_tests_failed++;
        printf("not ok %d - %s\n", t_tests_run, name);
    } else {
        printf("ok %d - %s\n", t_tests_run, name);
    }
    fflush(stdout);
}

int t_done(void)
{
    printf("1..%d\n# %d passed, %d failed\n", t_tests_run, t_tests_run - t_tests_failed,
           t_tests_failed);
    return t_tests_failed ? 1 : 0;
}
