/* memfile.h -- libsndfile's virtual I/O over memory.
 *
 * Reading: a read-only view of caller bytes. Writing: a growable buffer that
 * remembers how far bytes were handed out (`sent`), so an encoder can stream
 * what is final and notice (rather than corrupt) a later rewrite of it. */
#ifndef SY_AUDIO_MEMFILE_H
#define SY_AUDIO_MEMFILE_H

#include <sndfile.h>
#include <stdbool.h>
#include <stddef.h>

struct memfile {
    const unsigned char *rdata; /* reading */
    unsigned char *wdata;       /* writing (owned) */
    size_t len, cap, pos;
    size_t limit;               /* most bytes a written file may have */
    size_t sent;                /* written bytes already handed out */
    bool rewrote_sent;          /* a write landed below `sent` */
    bool seekable;              /* writing: report seeks as possible */
};

/* Returns: the callbacks for reading (mf->rdata set) or writing. */
SF_VIRTUAL_IO *memfile_io(void);

void memfile_free(struct memfile *mf);

#endif
