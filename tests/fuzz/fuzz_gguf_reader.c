/* fuzz_gguf_reader.c -- libFuzzer entry point for the GGUF header reader.
 *
 * Any byte string must be either accepted or refused with SY_EINVAL: no crash,
 * no leak, no read outside the input, no huge allocation. Built and run by
 * scripts/fuzz.sh (make fuzz). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "models/gguf_reader.h"

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
    return 0;
}
