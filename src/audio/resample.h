/* resample.h -- sample-rate conversion with libsamplerate.
 * Thread-safety: reentrant. */
#ifndef SY_AUDIO_RESAMPLE_H
#define SY_AUDIO_RESAMPLE_H

#include <stddef.h>

#include "util/err.h"

/* Converts n mono float samples at from_rate to to_rate (SRC_SINC_MEDIUM_QUALITY).
 * Returns: SY_OK and *out (malloc'd, *out_n samples; the input itself when the
 * rates are equal is copied); SY_ENOMEM; SY_EINTERNAL naming libsamplerate's error. */
sy_code resample_mono(const float *in, size_t n, unsigned from_rate, unsigned to_rate,
                      float **out, size_t *out_n, struct sy_err *err);

#endif
