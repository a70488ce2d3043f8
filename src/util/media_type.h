/* media_type.h -- what kind of video or music file some bytes are, from
 * their first bytes (as picture.h does for pictures), so a relayed file is
 * checked before a client is told it is a video or a song.
 * Thread-safety: pure functions. */
#ifndef SY_MEDIA_TYPE_H
#define SY_MEDIA_TYPE_H

#include <stddef.h>

/* Returns: "video/mp4" (an ISO BMFF file: its first box is ftyp),
 * "video/quicktime" (the same with QuickTime's brand) or "video/webm" (an
 * EBML header), in static storage; NULL if the bytes begin none of those. */
const char *media_video_type(const unsigned char *b, size_t n);

/* Returns: "audio/wav", "audio/flac", "audio/ogg", "audio/mpeg" (MP3, with or
 * without an ID3 tag), "audio/aac" (ADTS) or "audio/mp4" (an ISO BMFF file
 * with an M4A brand), in static storage; NULL if none of those. */
const char *media_audio_type(const unsigned char *b, size_t n);

#endif
