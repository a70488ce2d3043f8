/* fuzz_audio_decode.c -- libFuzzer entry point for upload decoding.
 *
 * Any bytes must decode or be refused with SY_EINVAL / SY_EMEDIA /
 * SY_ETOOLARGE: no crash, no leak, no unbounded allocation. Built and run by
 * scripts/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "audio/audio_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct audio_pcm pcm;
    sy_code rc = audio_decode(data, size, 16000, 30, &pcm, NULL);
    if (rc == SY_OK)
        audio_pcm_cleanup(&pcm);
    else if (rc != SY_EINVAL && rc != SY_EMEDIA && rc != SY_ETOOLARGE && rc != SY_ENOMEM)
        abort();
    return 0;
}
