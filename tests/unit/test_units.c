/* test_units.c -- Go-style durations (Ollama's keep_alive) and byte sizes. */
#include "t.h"
#include "util/units.h"

static void test_durations(void)
{
    int64_t ms = 0;
    T_ASSERT(units_parse_duration_ms("5m", &ms));
    T_EQ_INT(ms, 300000);
    T_ASSERT(units_parse_duration_ms("1h30m", &ms));
    T_EQ_INT(ms, 5400000);
    T_ASSERT(units_parse_duration_ms("1.5s", &ms));
    T_EQ_INT(ms, 1500);
    T_ASSERT(units_parse_duration_ms("250ms", &ms));
    T_EQ_INT(ms, 250);
    T_ASSERT(units_parse_duration_ms("-1s", &ms));
    T_EQ_INT(ms, -1000);
    T_ASSERT(units_parse_duration_ms("0", &ms));
    T_EQ_INT(ms, 0);
    T_ASSERT(units_parse_duration_ms("1500us", &ms));
    T_EQ_INT(ms, 1);
    T_ASSERT(units_parse_duration_ms("2\xC2\xB5s", &ms)); /* Go writes µs */
    T_EQ_INT(ms, 0);
    const char *bad[] = {"", "5", "m", "5x", "5 m", "1h-5m", "--1s", ".s", "1e3s", "9999999999999h"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (units_parse_duration_ms(bad[i], &ms)) {
            printf("#   accepted '%s'\n", bad[i]);
            t_failed_checks++;
        }
    }
}

static void test_bytes(void)
{
    uint64_t b = 0;
    T_ASSERT(units_parse_bytes("1024", &b));
    T_EQ_INT(b, 1024);
    T_ASSERT(units_parse_bytes("8GiB", &b));
    T_EQ_INT(b, 8ull << 30);
    T_ASSERT(units_parse_bytes("512 MB", &b));
    T_EQ_INT(b, 512000000);
    T_ASSERT(units_parse_bytes("1.5gib", &b));
    T_EQ_INT(b, 3ull << 29);
    T_ASSERT(units_parse_bytes("2k", &b));
    T_EQ_INT(b, 2000);
    const char *bad[] = {"", "GiB", "-1", "1 GiBs", "1e9", "20000000TiB", "1.2.3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (units_parse_bytes(bad[i], &b)) {
            printf("#   accepted '%s'\n", bad[i]);
            t_failed_checks++;
        }
    }
}

int main(void)
{
    T_RUN(test_durations);
    T_RUN(test_bytes);
    return t_done();
}
