/* units.h -- durations and byte sizes written the way people write them.
 *
 * Durations are Go-style ("5m", "1h30m", "-1s", "250ms"): Ollama's keep_alive
 * uses Go's time.ParseDuration and clients written against Ollama send exactly
 * these. Sizes take binary and decimal suffixes ("8GiB", "512MB", "1024").
 * Thread-safety: pure functions. */
#ifndef SY_UNITS_H
#define SY_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses s (units ns, us, µs, ms, s, m, h; decimals allowed; a leading sign;
 * "0" alone) into whole milliseconds, rounding toward zero.
 * Returns: true and *ms; false for anything else or an overflow. */
bool units_parse_duration_ms(const char *s, int64_t *ms);

/* Parses a byte count: digits (decimals allowed with a suffix), optional
 * spaces, then B, K/KB, M/MB, G/GB, T/TB (powers of 1000) or KiB, MiB, GiB,
 * TiB (powers of 1024), case-insensitive. Returns: true and *bytes; false for
 * anything else or an overflow. */
bool units_parse_bytes(const char *s, uint64_t *bytes);

/* Writes a parameter count the way model cards do: "1.2B", "135M", "111K". */
void units_format_count(uint64_t n, char *out, size_t size);

#endif
