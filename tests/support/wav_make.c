/* wav_make.c -- WAV files written with libsndfile into memory. */
#include "wav_make.h"

#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <string.h>

/* libsndfile writes through these into memory; it seeks back to fill in
 * the header's sizes, so a write may land inside what is there already. */
struct vfile {
    struct sy_buf *b;
    sf_count_t pos;
};

static sf_count_t vf_length(void *user)
{
    return (sf_count_t)((struct vfile *)user)->b->len;
}

static sf_count_t vf_seek(sf_count_t offset, int whence, void *user)
{
    struct vfile *v = user;
    sf_count_t base = whence == SEEK_CUR ? v->pos : whence == SEEK_END ? vf_length(v) : 0;
    if (base + offset < 0)
        return -1;
    v->pos = base + offset;
    return v->pos;
}

static sf_count_t vf_read(void *ptr, sf_count_t count, void *user)
{
    struct vfile *v = user;
    sf_count_t len = vf_length(v);
    sf_count_t n = v->pos >= len ? 0 : count < len - v->pos ? count : len - v->pos;
    if (n > 0)
        memcpy(ptr, v->b->data + v->pos, (size_t)n);
    v->pos += n;
    return n;
}

static sf_count_t vf_write(const void *ptr, sf_count_t count, void *user)
{
    struct vfile *v = user;
    static const char zero[1];
    while (vf_length(v) < v->pos) /* a seek past the end: fill the gap */
        if (buf_append(v->b, zero, 1, NULL) != SY_OK)
            return 0;
    sf_count_t over = vf_length(v) - v->pos < count ? vf_length(v) - v->pos : count;
    if (over > 0)
        memcpy(v->b->data + v->pos, ptr, (size_t)over);
    if (buf_append(v->b, (const char *)ptr + over, (size_t)(count - over), NULL) != SY_OK)
        return over;
    v->pos += count;
    return count;
}

static sf_count_t vf_tell(void *user)
{
    return ((struct vfile *)user)->pos;
}

int wav_make_tone(double hz, unsigned rate, long frames, struct sy_buf *out)
{
    SF_VIRTUAL_IO io = {vf_length, vf_seek, vf_read, vf_write, vf_tell};
    struct vfile v = {.b = out};
    SF_INFO info = {.samplerate = (int)rate, .channels = 1,
                    .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
    SNDFILE *sf = sf_open_virtual(&io, SFM_WRITE, &info, &v);
    if (!sf)
        return -1;
    float chunk[1024];
    int rc = 0;
    for (sf_count_t at = 0; at < (sf_count_t)frames && rc == 0;) {
        sf_count_t n = (sf_count_t)frames - at < 1024 ? (sf_count_t)frames - at : 1024;
        for (sf_count_t i = 0; i < n; i++)
            chunk[i] = (float)(0.5 * sin(2 * M_PI * hz * (double)(at + i) / rate));
        if (sf_write_float(sf, chunk, n) != n)
            rc = -1;
        at += n;
    }
    if (sf_close(sf) != 0)
        rc = -1;
    return rc;
}

