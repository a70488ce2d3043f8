/* test_media_type.c -- video and audio files known by their first bytes. */
#include <string.h>

#include "t.h"
#include "util/media_type.h"

static void test_video(void)
{
    static const unsigned char mp4[] = "\0\0\0\x1c" "ftypisom\0\0\x02\0isomiso2mp41";
    static const unsigned char mov[] = "\0\0\0\x14" "ftypqt  \0\0\0\0qt  ";
    static const unsigned char webm[] = "\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01";
    static const unsigned char m4a[] = "\0\0\0\x18" "ftypM4A \0\0\0\0M4A ";
    T_EQ_STR(media_video_type(mp4, sizeof mp4 - 1), "video/mp4");
    T_EQ_STR(media_video_type(mov, sizeof mov - 1), "video/quicktime");
    T_EQ_STR(media_video_type(webm, sizeof webm - 1), "video/webm");
    T_ASSERT(media_video_type(m4a, sizeof m4a - 1) == NULL); /* music in the same box */
    T_ASSERT(media_video_type(mp4, 12) == NULL);             /* too short to be a box */
    static const unsigned char tiny_box[] = "\0\0\0\x08" "ftypisom\0\0\0\0";
    T_ASSERT(media_video_type(tiny_box, sizeof tiny_box - 1) == NULL);
    T_ASSERT(media_video_type((const unsigned char *)"not a video at all", 18) == NULL);
    T_EQ_STR(media_audio_type(m4a, sizeof m4a - 1), "audio/mp4");
}

static void test_audio(void)
{
    T_EQ_STR(media_audio_type((const unsigned char *)"RIFF\x24\0\0\0WAVEfmt ", 16), "audio/wav");
    T_ASSERT(media_audio_type((const unsigned char *)"RIFF\x24\0\0\0WEBPVP8 ", 16) == NULL);
    T_EQ_STR(media_audio_type((const unsigned char *)"fLaC\0\0\0\x22", 8), "audio/flac");
    T_EQ_STR(media_audio_type((const unsigned char *)"OggS\0\x02", 6), "audio/ogg");
    T_EQ_STR(media_audio_type((const unsigned char *)"ID3\x04\0\0", 6), "audio/mpeg");
    T_EQ_STR(media_audio_type((const unsigned char *)"\xff\xfb\x90\x64", 4), "audio/mpeg");
    T_EQ_STR(media_audio_type((const unsigned char *)"\xff\xf1\x50\x80", 4), "audio/aac");
    T_ASSERT(media_audio_type((const unsigned char *)"\xff\x00", 2) == NULL);
    T_ASSERT(media_audio_type((const unsigned char *)"not audio at all", 16) == NULL);
    T_ASSERT(media_audio_type((const unsigned char *)"", 0) == NULL);
}

int main(void)
{
    T_RUN(test_video);
    T_RUN(test_audio);
    return t_done();
}
