/* memfile.c -- SF_VIRTUAL_IO callbacks over memory. */
#include "audio/memfile.h"

#include <stdlib.h>
#include <string.h>

static sf_count_t mf_len(void *user)
{
    return (sf_count_t)((struct memfile *)user)->len;
}

static sf_count_t mf_seek(sf_count_t offset, int whence, void *user)
{
    struct memfile *mf = user;
    sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (sf_count_t)mf->pos
                                                                   : (sf_count_t)mf->len;
    sf_count_t to = base + offset;
    if (to < 0 || (mf->rdata && to > (sf_count_t)mf->len) || (!mf->rdata && !mf->seekable &&
                                                             to != (sf_count_t)mf->pos))
        return -1;
    mf->pos = (size_t)to;
    return to;
}

static sf_count_t mf_read(void *ptr, sf_count_t count, void *user)
{
    struct memfile *mf = user;
    if (!mf->rdata || count <= 0 || mf->pos >= mf->len)
        return 0;
    size_t n = mf->len - mf->pos < (size_t)count ? mf->len - mf->pos : (size_t)count;
    memcpy(ptr, mf->rdata + mf->pos, n);
    mf->pos += n;
    return (sf_count_t)n;
}

static sf_count_t mf_write(const void *ptr, sf_count_t count, void *user)
{
    struct memfile *mf = user;
    if (mf->rdata || count < 0)
        return 0;
    size_t n = (size_t)count;
    if (mf->pos > mf->limit || n > mf->limit - mf->pos)
        return 0;
    size_t end = mf->pos + n;
    if (end > mf->cap) {
        size_t cap = mf->cap ? mf->cap : 65536;
        while (cap < end)
            cap *= 2;
        unsigned char *p = realloc(mf->wdata, cap);
        if (!p)
            return 0;
        mf->wdata = p;
        mf->cap = cap;
    }
    if (n && mf->pos < mf->sent)
        mf->rewrote_sent = true;
    if (mf->pos > mf->len) /* a seek past the end leaves a gap of zeros */
        memset(mf->wdata + mf->len, 0, mf->pos - mf->len);
    memcpy(mf->wdata + mf->pos, ptr, n);
    mf->pos = end;
    if (end > mf->len)
        mf->len = end;
    return count;
}

static sf_count_t mf_tell(void *user)
{
    return (sf_count_t)((struct memfile *)user)->pos;
}

SF_VIRTUAL_IO *memfile_io(void)
{
    static SF_VIRTUAL_IO io = {.get_filelen = mf_len,
                               .seek = mf_seek,
                               .read = mf_read,
                               .write = mf_write,
                               .tell = mf_tell};
    return &io;
}

void memfile_free(struct memfile *mf)
{
    free(mf->wdata);
    mf->wdata = NULL;
    mf->len = mf->cap = mf->pos = 0;
}
