/* fuzz_gguf_reader.c -- libFuzzer entry point for the model header readers:
 * GGUF's and whisper.cpp's (whisper_file.h) see the same bytes.
 *
 * Any byte string must be either accepted or refused with SY_EINVAL: no crash,
 * no leak, no read outside the input, no huge allocation. Built and run by
 * scripts/fuzz.sh (make fuzz). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "models/gguf_reader.h"
#include "models/whisper_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gguf_info info;
    struct sy_err err;
    sy_code rc = gguf_info_read_mem(data, size, &info, &err);
    if (rc == SY_OK)
        gguf_info_cleanup(&info);
    else if (rc != SY_EINVAL && rc != SY_ENOMEM)
        abort();
    struct whisper_file_info w;
    rc = whisper_file_parse(data, size, &w, &err);
    if (rc == SY_OK) {
        char languages[512];
        whisper_file_languages(&w, languages, sizeof languages);
        if (whisper_file_state_bytes(&w) == 0 || !languages[0])
            abort();
    } else if (rc != SY_EINVAL) {
        abort();
    }
    return 0;
}
