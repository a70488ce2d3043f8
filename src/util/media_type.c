/* media_type.c -- file signatures of the video and audio formats this server
 * relays. */
#include "util/media_type.h"

#include <stdint.h>
#include <string.h>

/* The major brand of an ISO BMFF file (its first box is "ftyp", at least
 * 16 bytes long), or NULL. */
static const unsigned char *bmff_brand(const unsigned char *b, size_t n)
{
    if (n < 16 || memcmp(b + 4, "ftyp", 4) != 0)
        return NULL;
    uint32_t size = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return size >= 16 ? b + 8 : NULL;
}

const char *media_video_type(const unsigned char *b, size_t n)
{
    const unsigned char *brand = bmff_brand(b, n);
    if (brand && memcmp(brand, "M4A ", 4) != 0)
        return memcmp(brand, "qt  ", 4) == 0 ? "video/quicktime" : "video/mp4";
    if (n >= 4 && memcmp(b, "\x1a\x45\xdf\xa3", 4) == 0)
        return "video/webm";
    return NULL;
}

const char *media_audio_type(const unsigned char *b, size_t n)
{
    if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WAVE", 4) == 0)
        return "audio/wav";
    if (n >= 4 && memcmp(b, "fLaC", 4) == 0)
        return "audio/flac";
    if (n >= 4 && memcmp(b, "OggS", 4) == 0)
        return "audio/ogg";
    if (n >= 3 && memcmp(b, "ID3", 3) == 0)
        return "audio/mpeg";
    if (n >= 2 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0) /* a frame's sync word */
        return (b[1] & 0x06) == 0 ? "audio/aac" : "audio/mpeg"; /* layer 0 is ADTS */
    const unsigned char *brand = bmff_brand(b, n);
    if (brand && memcmp(brand, "M4A ", 4) == 0)
        return "audio/mp4";
    return NULL;
}
