/* wav_make.h -- real WAV files for tests' upstreams, written with libsndfile
 * into memory (the music the media upstream makes). Reentrant. */
#ifndef SY_TEST_WAV_MAKE_H
#define SY_TEST_WAV_MAKE_H

#include "util/buf.h"

/* Appends to out (buf_init'ed by the caller) a mono 16-bit WAV at rate Hz of
 * a sine at hz, amplitude 0.5, frames samples long. Returns 0, or -1. */
int wav_make_tone(double hz, unsigned rate, long frames, struct sy_buf *out);

#endif
