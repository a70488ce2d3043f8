/* resample.c -- libsamplerate, one whole buffer at a time. */
#include "audio/resample.h"

#include <math.h>
#include <samplerate.h>
#include <stdlib.h>
#include <string.h>

sy_code resample_mono(const float *in, size_t n, unsigned from_rate, unsigned to_rate,
                      float **out, size_t *out_n, struct sy_err *err)
{
    double ratio = (double)to_rate / (double)from_rate;
    size_t cap = (size_t)ceil((double)n * ratio) + 16;
    float *buf = malloc(cap * sizeof *buf);
    if (!buf)
        return sy_errf(err, SY_ENOMEM, "out of memory resampling %zu samples", n);
    if (from_rate == to_rate) {
        memcpy(buf, in, n * sizeof *buf);
        *out = buf;
        *out_n = n;
        return SY_OK;
    }
    SRC_DATA d = {.data_in = in,
                  .data_out = buf,
                  .input_frames = (long)n,
                  .output_frames = (long)cap,
                  .src_ratio = ratio};
    int rc = src_simple(&d, SRC_SINC_MEDIUM_QUALITY, 1);
    if (rc != 0) {
        free(buf);
        return sy_errf(err, SY_EINTERNAL, "resampling from %u to %u Hz failed: %s", from_rate,
                       to_rate, src_strerror(rc));
    }
    *out = buf;
    *out_n = (size_t)d.output_frames_gen;
    return SY_OK;
}
