/* fuzz_request_json.c -- libFuzzer entry point for request bodies: JSON
 * text -> settings (every alias table's path syntax), messages, model id,
 * keep_alive, the speech members, embedding inputs and image sizes, as the
 * surfaces read them.
 *
 * Whatever the bytes, each reader answers SY_OK or a 4xx code with a message;
 * nothing crashes or leaks. Built and run by scripts/fuzz.sh. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/provider_config.h"
#include "core/request.h"
#include "core/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct setting_alias aliases[] = {
    {"temperature", SY_SETTING_TEMPERATURE},
    {"parameters.top_p", SY_SETTING_TOP_P},
    {"settings.top_k", SY_SETTING_TOP_K},
    {"options.num_predict", SY_SETTING_MAX_NEW_TOKENS},
    {"stop", SY_SETTING_STOP},
    {"parameters.seed", SY_SETTING_SEED},
    {"parameters.scheduler", SY_SETTING_SCHEDULER},
    {"parameters.negative_prompt", SY_SETTING_NEGATIVE_PROMPT},
    {"options.wait_for_model", SY_SETTING_WAIT_FOR_MODEL},
};

static void expect_4xx(sy_code rc)
{
    if (rc != SY_OK && rc != SY_EINVAL && rc != SY_ETOOLARGE && rc != SY_ENOMEM &&
        rc != SY_EUNSUPPORTED)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(body)) {
        json_decref(body);
        return 0;
    }
    struct sy_request req;
    request_init(&req);
    struct sy_err err;
    expect_4xx(settings_read(body, aliases, sizeof aliases / sizeof aliases[0], &req.settings,
                             &err));
    expect_4xx(request_set_model(&req, json_object_get(body, "model"), "model", &err));
    expect_4xx(request_read_messages(&req, json_object_get(body, "messages"), "messages", &err));
    expect_4xx(request_set_keep_alive(&req, json_object_get(body, "keep_alive"), "keep_alive",
                                      &err));
    expect_4xx(request_set_voice(&req, json_object_get(body, "voice"), "voice", &err));
    expect_4xx(request_set_speed(&req, json_object_get(body, "speed"), "speed", &err));
    expect_4xx(request_set_language(&req, json_object_get(body, "language"), "language", &err));
    expect_4xx(request_set_phrases(&req, json_object_get(body, "phrases"), "phrases", &err));
    expect_4xx(request_set_overrides(&req, json_object_get(body, "provider_overrides"),
                                     "provider_overrides", &err));
    expect_4xx(request_set_inputs(&req, json_object_get(body, "input"), "input", &err));
    expect_4xx(request_set_reference_images(&req, json_object_get(body, "files"), "files", &err));
    for (size_t i = 0; i < req.images.n_refs; i++) /* accepted: a picture it can name */
        if (!req.images.refs[i].type || !req.images.refs[i].size)
            abort();
    const char *size_text = json_string_value(json_object_get(body, "size"));
    unsigned w, h;
    if (size_text && provider_parse_size(size_text, &w, &h) == 0 &&
        (w < 1 || w > 16384 || h < 1 || h > 16384))
        abort(); /* an accepted size is always in range */
    request_cleanup(&req);
    json_decref(body);
    return 0;
}
