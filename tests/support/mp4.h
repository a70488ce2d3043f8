/* mp4.h -- a tiny MP4 (ISO BMFF, ISO/IEC 14496-12) writer and reader, for tests.
 *
 * The tests' video upstream answers with real MP4 files, and the tests check
 * that what reaches a client through the gateway still is one. The writer
 * makes the simplest file players accept: ftyp, then moov with one video
 * track whose samples are PNG pictures ('png ' sample entry, every sample a
 * sync sample, all of them in one chunk), then mdat with the PNGs back to
 * back. The reader walks the boxes of such a file with bounds checks and
 * checks every sample is a whole PNG inside mdat.
 * Reentrant. Not here: audio tracks, fragmented MP4 (moof), edit lists,
 * any codec but PNG. */
#ifndef SY_TEST_MP4_H
#define SY_TEST_MP4_H

#include <stddef.h>

#include "util/buf.h"

/* Appends to out (buf_init'ed by the caller, borrowed) an MP4 of n_frames
 * PNG pictures of w x h pixels, fps frames per second; frame i is
 * png_make(w, h, seed + i) (image_server.h). The movie's timescale is 1000
 * (milliseconds), the track's fps * 1000, each frame lasting 1000 of it.
 * Returns: 0; -1 if an argument is out of range (w, h in 1..65535, fps in
 *          1..1000, n_frames in 1..100000), libpng failed, the file would
 *          pass 4 GiB, or out's limit or memory ran out.
 * Notes: on failure out is as it was before the call. */
int mp4_make(unsigned w, unsigned h, unsigned fps, unsigned n_frames, unsigned seed,
             struct sy_buf *out);

struct mp4_info {
    unsigned width, height; /* the track header's (tkhd) presentation size, in pixels */
    unsigned frames;        /* samples in the video track */
    unsigned timescale;     /* the video track's (mdhd) units per second */
    double seconds;         /* the video track's duration (mdhd duration / timescale) */
    char brand[5];          /* ftyp's major brand, NUL-terminated ("isom") */
};

/* Reads the MP4 of len bytes at data (borrowed for the call): a file made by
 * mp4_make, or any simple ISO BMFF file with one video track of 'png '
 * samples. It requires ftyp first; a moov whose one video trak (hdlr 'vide')
 * has tkhd, mdhd, a 'png ' sample entry in stsd, and stts, stsc, stsz and
 * stco (or co64); an mdat; the stts sample counts adding up to stsz's; and
 * every sample (located via stco, stsc and stsz) inside mdat's payload and a
 * whole PNG of the sample entry's width and height (png_size, image_server.h).
 * Returns: 0 and fills *info; -1 if any of that does not hold (*info is then
 *          unspecified). */
int mp4_read(const void *data, size_t len, struct mp4_info *info);

#endif
