/* mp4.c -- a tiny MP4 writer and reader for tests (see mp4.h).
 *
 * Every field is big-endian. The writer builds the boxes in place in the
 * caller's buffer, each box's size patched in when it closes; the sample
 * sizes (stsz) and the chunk offset (stco) are patched once the frames are
 * in mdat, so nothing is computed twice. */
#include "mp4.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "image_server.h"

#define MP4_FRAMES_MAX 100000u
#define MP4_FRAME_MAX (256u << 20) /* one PNG frame's bytes, at most */
/* libpng hands its output over in pieces far smaller than this; a frame that
 * ends within it of MP4_FRAME_MAX may have lost one (png_make cannot say). */
#define MP4_FRAME_MARGIN (1u << 20)

/* ---- writer ----------------------------------------------------------------------------- */

struct writer {
    struct sy_buf *b;
    bool failed; /* an append failed: stop writing, the caller undoes it all */
};

static void put(struct writer *w, const void *p, size_t n)
{
    if (!w->failed && buf_append(w->b, p, n, NULL) != SY_OK)
        w->failed = true;
}

static void patch32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void put32(struct writer *w, uint32_t v)
{
    unsigned char p[4];
    patch32(p, v);
    put(w, p, 4);
}

static void put16(struct writer *w, uint16_t v)
{
    unsigned char p[2] = {(unsigned char)(v >> 8), (unsigned char)v};
    put(w, p, 2);
}

static void put_zeros(struct writer *w, size_t n)
{
    static const unsigned char zeros[32];
    while (n) {
        size_t k = n < sizeof zeros ? n : sizeof zeros;
        put(w, zeros, k);
        n -= k;
    }
}

/* Starts a box; returns where, for box_close(). */
static size_t box_open(struct writer *w, const char *type)
{
    size_t at = w->b->len;
    put32(w, 0);
    put(w, type, 4);
    return at;
}

/* Starts a full box: a box whose payload begins with version and flags. */
static size_t full_open(struct writer *w, const char *type, unsigned version, uint32_t flags)
{
    size_t at = box_open(w, type);
    put32(w, (uint32_t)version << 24 | (flags & 0xffffffu));
    return at;
}

/* Ends the box begun at at: its size is everything written since. Only
 * mdat can grow large; the caller checks its size fits in 32 bits. */
static void box_close(struct writer *w, size_t at)
{
    if (!w->failed)
        patch32((unsigned char *)w->b->data + at, (uint32_t)(w->b->len - at));
}

static void put_matrix(struct writer *w)
{
    static const uint32_t unity[9] = {0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000};
    for (int i = 0; i < 9; i++)
        put32(w, unity[i]);
}

/* The 'png ' VisualSampleEntry (ISO/IEC 14496-12 12.1.3): 86 bytes. */
static void put_png_entry(struct writer *w, unsigned width, unsigned height)
{
    size_t at = box_open(w, "png ");
    put_zeros(w, 6);        /* reserved */
    put16(w, 1);            /* data_reference_index: the one 'url ' in dref */
    put_zeros(w, 16);       /* pre_defined, reserved, pre_defined[3] */
    put16(w, (uint16_t)width);
    put16(w, (uint16_t)height);
    put32(w, 0x00480000);   /* horizresolution: 72 dpi */
    put32(w, 0x00480000);   /* vertresolution */
    put32(w, 0);            /* reserved */
    put16(w, 1);            /* frame_count */
    unsigned char name[32] = {0};
    static const char compressor[] = "PNG";
    name[0] = sizeof compressor - 1; /* a Pascal string, padded to 32 bytes */
    memcpy(name + 1, compressor, sizeof compressor - 1);
    put(w, name, sizeof name);
    put16(w, 0x0018);       /* depth: colour, no alpha */
    put16(w, 0xffff);       /* pre_defined: -1 */
    box_close(w, at);
}

/* Writes ftyp and moov; *sizes_at and *stco_at receive where the sample
 * sizes and the chunk offset go, to be patched when mdat is written. */
static void put_header(struct writer *w, unsigned width, unsigned height, unsigned fps,
                       unsigned n_frames, size_t *sizes_at, size_t *stco_at)
{
    uint32_t track_scale = fps * 1000u, delta = 1000u;
    uint32_t track_duration = n_frames * delta;
    uint32_t movie_duration = (uint32_t)((uint64_t)n_frames * 1000u / fps); /* ms */

    size_t ftyp = box_open(w, "ftyp");
    put(w, "isom", 4);
    put32(w, 512);
    put(w, "isomiso2mp41", 12);
    box_close(w, ftyp);

    size_t moov = box_open(w, "moov");
    size_t mvhd = full_open(w, "mvhd", 0, 0);
    put32(w, 0);            /* creation_time */
    put32(w, 0);            /* modification_time */
    put32(w, 1000);         /* timescale */
    put32(w, movie_duration);
    put32(w, 0x00010000);   /* rate 1.0 */
    put16(w, 0x0100);       /* volume 1.0 */
    put_zeros(w, 2 + 8);    /* reserved */
    put_matrix(w);
    put_zeros(w, 24);       /* pre_defined */
    put32(w, 2);            /* next_track_ID */
    box_close(w, mvhd);

    size_t trak = box_open(w, "trak");
    size_t tkhd = full_open(w, "tkhd", 0, 3); /* enabled, in movie */
    put32(w, 0);
    put32(w, 0);
    put32(w, 1);            /* track_ID */
    put32(w, 0);            /* reserved */
    put32(w, movie_duration);
    put_zeros(w, 8);        /* reserved */
    put16(w, 0);            /* layer */
    put16(w, 0);            /* alternate_group */
    put16(w, 0);            /* volume: none for video */
    put16(w, 0);            /* reserved */
    put_matrix(w);
    put32(w, (uint32_t)width << 16); /* 16.16 fixed point */
    put32(w, (uint32_t)height << 16);
    box_close(w, tkhd);

    size_t mdia = box_open(w, "mdia");
    size_t mdhd = full_open(w, "mdhd", 0, 0);
    put32(w, 0);
    put32(w, 0);
    put32(w, track_scale);
    put32(w, track_duration);
    put16(w, 0x55c4);       /* language "und", 5 bits a letter */
    put16(w, 0);            /* pre_defined */
    box_close(w, mdhd);

    size_t hdlr = full_open(w, "hdlr", 0, 0);
    put32(w, 0);            /* pre_defined */
    put(w, "vide", 4);
    put_zeros(w, 12);       /* reserved */
    put(w, "VideoHandler", sizeof "VideoHandler"); /* with its NUL */
    box_close(w, hdlr);

    size_t minf = box_open(w, "minf");
    size_t vmhd = full_open(w, "vmhd", 0, 1);
    put_zeros(w, 8);        /* graphicsmode, opcolor */
    box_close(w, vmhd);
    size_t dinf = box_open(w, "dinf");
    size_t dref = full_open(w, "dref", 0, 0);
    put32(w, 1);            /* entry_count */
    box_close(w, full_open(w, "url ", 0, 1)); /* flag 1: the media is in this file */
    box_close(w, dref);
    box_close(w, dinf);

    size_t stbl = box_open(w, "stbl");
    size_t stsd = full_open(w, "stsd", 0, 0);
    put32(w, 1);
    put_png_entry(w, width, height);
    box_close(w, stsd);

    size_t stts = full_open(w, "stts", 0, 0);
    put32(w, 1);
    put32(w, n_frames);
    put32(w, delta);
    box_close(w, stts);

    size_t stsc = full_open(w, "stsc", 0, 0);
    put32(w, 1);
    put32(w, 1);            /* first_chunk */
    put32(w, n_frames);     /* samples_per_chunk: all of them in one */
    put32(w, 1);            /* sample_description_index */
    box_close(w, stsc);

    size_t stsz = full_open(w, "stsz", 0, 0);
    put32(w, 0);            /* sample_size: each has its own */
    put32(w, n_frames);
    *sizes_at = w->b->len;
    put_zeros(w, (size_t)n_frames * 4);
    box_close(w, stsz);

    size_t stco = full_open(w, "stco", 0, 0);
    put32(w, 1);
    *stco_at = w->b->len;
    put32(w, 0);
    box_close(w, stco);

    box_close(w, stbl);
    box_close(w, minf);
    box_close(w, mdia);
    box_close(w, trak);
    box_close(w, moov);
}

int mp4_make(unsigned w, unsigned h, unsigned fps, unsigned n_frames, unsigned seed,
             struct sy_buf *out)
{
    if (!w || w > 65535 || !h || h > 65535 || !fps || fps > 1000 || !n_frames ||
        n_frames > MP4_FRAMES_MAX)
        return -1;
    size_t start = out->len;
    struct writer wr = {.b = out};
    size_t sizes_at = 0, stco_at = 0;
    put_header(&wr, w, h, fps, n_frames, &sizes_at, &stco_at);

    size_t mdat = box_open(&wr, "mdat");
    struct sy_buf frame;
    buf_init(&frame, MP4_FRAME_MAX);
    for (unsigned i = 0; i < n_frames && !wr.failed; i++) {
        buf_reset(&frame);
        if (png_make(w, h, seed + i, &frame) != 0 || frame.len > MP4_FRAME_MAX - MP4_FRAME_MARGIN)
            wr.failed = true;
        put(&wr, frame.data, frame.len);
        if (!wr.failed)
            patch32((unsigned char *)out->data + sizes_at + (size_t)i * 4, (uint32_t)frame.len);
    }
    buf_cleanup(&frame);
    if (!wr.failed && out->len - mdat > UINT32_MAX)
        wr.failed = true;
    if (wr.failed) {
        if (out->data) { /* undo: the buffer as it was */
            out->len = start;
            out->data[start] = '\0';
        }
        return -1;
    }
    box_close(&wr, mdat);
    patch32((unsigned char *)out->data + stco_at, (uint32_t)(mdat + 8 - start));
    return 0;
}

/* ---- reader ----------------------------------------------------------------------------- */

struct box {
    size_t at, len; /* the payload: file offset and length */
};

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const unsigned char *p)
{
    return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* Reads the box at *pos, which must end by end, and moves *pos past it.
 * Returns 1 and *b and its type; 0 at end; -1 if the box is malformed. */
static int next_box(const unsigned char *f, size_t *pos, size_t end, struct box *b,
                    char type[5])
{
    if (*pos == end)
        return 0;
    if (end - *pos < 8)
        return -1;
    uint64_t size = get32(f + *pos);
    size_t header = 8;
    if (size == 1) { /* a 64-bit largesize follows the type */
        if (end - *pos < 16)
            return -1;
        size = get64(f + *pos + 8);
        header = 16;
    } else if (size == 0) { /* to the end of the file */
        size = end - *pos;
    }
    if (size < header || size > end - *pos)
        return -1;
    memcpy(type, f + *pos + 4, 4);
    type[4] = '\0';
    b->at = *pos + header;
    b->len = (size_t)size - header;
    *pos += (size_t)size;
    return 1;
}

/* Finds the first box of type among those filling parent's payload after
 * its first skip bytes (a full box's version and flags, a table's count).
 * Returns 0 and *out; -1 if there is none or a box is malformed. */
static int child(const unsigned char *f, const struct box *parent, size_t skip,
                 const char *type, struct box *out)
{
    if (skip > parent->len)
        return -1;
    size_t pos = parent->at + skip, end = parent->at + parent->len;
    struct box b;
    char t[5];
    while (next_box(f, &pos, end, &b, t) == 1)
        if (memcmp(t, type, 4) == 0) {
            *out = b;
            return 0;
        }
    return -1;
}

/* The descendant along a path of types ("mdia/minf/stbl"), without full boxes. */
static int descend(const unsigned char *f, const struct box *from, const char *path,
                   struct box *out)
{
    struct box at = *from;
    for (const char *p = path;; p += 5) {
        if (child(f, &at, 0, p, &at) != 0)
            return -1;
        if (p[4] != '/')
            break;
    }
    *out = at;
    return 0;
}

static bool is_video_trak(const unsigned char *f, const struct box *trak)
{
    struct box hdlr;
    return descend(f, trak, "mdia/hdlr", &hdlr) == 0 && hdlr.len >= 12 &&
           memcmp(f + hdlr.at + 8, "vide", 4) == 0;
}

/* The sample tables of the video track. */
struct tables {
    struct box stsd, stts, stsc, stsz, stco;
    bool co64;
};

/* Checks the samples are whole PNGs of w x h inside mdat. Returns their count, or -1. */
static long check_samples(const unsigned char *f, const struct tables *t, const struct box *mdat,
                          unsigned w, unsigned h)
{
    const unsigned char *stsz = f + t->stsz.at, *stsc = f + t->stsc.at, *stco = f + t->stco.at;
    if (t->stsz.len < 12 || t->stsc.len < 8 || t->stco.len < 8)
        return -1;
    uint32_t fixed = get32(stsz + 4), count = get32(stsz + 8);
    uint32_t n_map = get32(stsc + 4), n_chunks = get32(stco + 4);
    size_t entry = t->co64 ? 8 : 4;
    if (!count || count > MP4_FRAMES_MAX || (!fixed && count > (t->stsz.len - 12) / 4) ||
        !n_map || n_map > (t->stsc.len - 8) / 12 || n_chunks > (t->stco.len - 8) / entry ||
        get32(stsc + 8) != 1)
        return -1;
    for (uint32_t k = 1; k < n_map; k++) /* first chunks rise */
        if (get32(stsc + 8 + 12 * k) <= get32(stsc + 8 + 12 * (k - 1)))
            return -1;
    uint32_t sample = 0, k = 0;
    for (uint32_t c = 1; c <= n_chunks; c++) {
        while (k + 1 < n_map && get32(stsc + 8 + 12 * (k + 1)) <= c)
            k++;
        uint32_t per_chunk = get32(stsc + 8 + 12 * k + 4);
        const unsigned char *e = stco + 8 + (size_t)(c - 1) * entry;
        uint64_t offset = t->co64 ? get64(e) : get32(e);
        for (uint32_t j = 0; j < per_chunk; j++, sample++) {
            if (sample >= count)
                return -1;
            uint64_t size = fixed ? fixed : get32(stsz + 12 + (size_t)sample * 4);
            if (offset < mdat->at || offset > mdat->at + mdat->len ||
                size > mdat->at + mdat->len - offset)
                return -1;
            unsigned pw = 0, ph = 0;
            if (png_size(f + offset, (size_t)size, &pw, &ph) != 0 || pw != w || ph != h)
                return -1;
            offset += size;
        }
    }
    return sample == count ? (long)count : -1;
}

int mp4_read(const void *data, size_t len, struct mp4_info *info)
{
    const unsigned char *f = data;
    struct box b, moov = {0}, mdat = {0}, trak = {0};
    char type[5];
    size_t pos = 0;
    unsigned n_moov = 0, n_mdat = 0, n_video = 0;
    if (!f || next_box(f, &pos, len, &b, type) != 1 || strcmp(type, "ftyp") != 0 || b.len < 8)
        return -1;
    memcpy(info->brand, f + b.at, 4);
    info->brand[4] = '\0';
    int rc;
    while ((rc = next_box(f, &pos, len, &b, type)) == 1) {
        if (strcmp(type, "moov") == 0 && n_moov++ == 0)
            moov = b;
        else if (strcmp(type, "mdat") == 0 && n_mdat++ == 0)
            mdat = b;
    }
    if (rc != 0 || n_moov != 1 || n_mdat != 1)
        return -1;
    size_t in = moov.at, end = moov.at + moov.len;
    while ((rc = next_box(f, &in, end, &b, type)) == 1)
        if (strcmp(type, "trak") == 0 && is_video_trak(f, &b) && n_video++ == 0)
            trak = b;
    if (rc != 0 || n_video != 1)
        return -1;

    struct box tkhd, mdhd, stbl;
    struct tables t = {0};
    if (child(f, &trak, 0, "tkhd", &tkhd) != 0 || descend(f, &trak, "mdia/mdhd", &mdhd) != 0 ||
        descend(f, &trak, "mdia/minf/stbl", &stbl) != 0 ||
        child(f, &stbl, 0, "stsd", &t.stsd) != 0 || child(f, &stbl, 0, "stts", &t.stts) != 0 ||
        child(f, &stbl, 0, "stsc", &t.stsc) != 0 || child(f, &stbl, 0, "stsz", &t.stsz) != 0)
        return -1;
    if (child(f, &stbl, 0, "stco", &t.stco) != 0) {
        if (child(f, &stbl, 0, "co64", &t.stco) != 0)
            return -1;
        t.co64 = true;
    }
    /* tkhd: version 0 is 84 bytes of payload, version 1 96; the size ends it */
    if (tkhd.len < 84 || (f[tkhd.at] == 1 && tkhd.len < 96))
        return -1;
    info->width = get32(f + tkhd.at + tkhd.len - 8) >> 16;
    info->height = get32(f + tkhd.at + tkhd.len - 4) >> 16;
    /* mdhd: timescale and duration after the times, 32 or 64 bits by version */
    bool v1 = mdhd.len >= 1 && f[mdhd.at] == 1;
    if (mdhd.len < (v1 ? 32u : 20u))
        return -1;
    info->timescale = get32(f + mdhd.at + (v1 ? 20 : 12));
    uint64_t duration = v1 ? get64(f + mdhd.at + 24) : get32(f + mdhd.at + 16);
    if (!info->timescale)
        return -1;
    info->seconds = (double)duration / info->timescale;

    /* stsd: version/flags, entry_count, then the first sample entry */
    struct box entry;
    if (t.stsd.len < 8 || get32(f + t.stsd.at + 4) < 1 ||
        child(f, &t.stsd, 8, "png ", &entry) != 0 || entry.len < 78 ||
        entry.at != t.stsd.at + 16) /* it must be the first entry */
        return -1;
    unsigned w = (unsigned)f[entry.at + 24] << 8 | f[entry.at + 25];
    unsigned h = (unsigned)f[entry.at + 26] << 8 | f[entry.at + 27];
    if (!w || !h)
        return -1;

    /* stts: its sample counts add up to stsz's */
    if (t.stts.len < 8)
        return -1;
    uint32_t n_runs = get32(f + t.stts.at + 4);
    if (n_runs > (t.stts.len - 8) / 8)
        return -1;
    uint64_t timed = 0;
    for (uint32_t i = 0; i < n_runs; i++)
        timed += get32(f + t.stts.at + 8 + 8 * (size_t)i);
    long frames = check_samples(f, &t, &mdat, w, h);
    if (frames < 0 || timed != (uint64_t)frames)
        return -1;
    info->frames = (unsigned)frames;
    return 0;
}
