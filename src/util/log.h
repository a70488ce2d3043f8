/* log.h -- leveled logging to stderr.
 *
 * The macros check the level before evaluating their arguments, so a debug
 * line costs one comparison when debug is off. Lines are written whole with a
 * single write(2), so threads do not interleave within a line.
 * Never log prompt text, generated text or secrets at info level or above. */
#ifndef SY_LOG_H
#define SY_LOG_H

enum sy_log_level { SY_LOG_DEBUG = 0, SY_LOG_INFO = 1, SY_LOG_WARN = 2, SY_LOG_ERROR = 3 };

extern enum sy_log_level sy_log_threshold;

/* Sets the threshold from a name (debug|info|warn|error). Returns 0, or -1 if unknown. */
int sy_log_set_level(const char *name);

/* Sets the tag printed on every line ("switchyard", "llama-worker"). Borrows tag forever. */
void sy_log_set_tag(const char *tag);

void sy_log_write(enum sy_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define SY_LOG(level, ...)                                                                         \
    do {                                                                                           \
        if ((level) >= sy_log_threshold)                                                           \
            sy_log_write((level), __VA_ARGS__);                                                    \
    } while (0)
#define log_debug(...) SY_LOG(SY_LOG_DEBUG, __VA_ARGS__)
#define log_info(...) SY_LOG(SY_LOG_INFO, __VA_ARGS__)
#define log_warn(...) SY_LOG(SY_LOG_WARN, __VA_ARGS__)
#define log_error(...) SY_LOG(SY_LOG_ERROR, __VA_ARGS__)

#endif
