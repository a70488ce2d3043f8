/* test_capabilities.c -- the capability gate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/capabilities.h"
#include "t.h"

static struct sy_capabilities text_model(bool chat)
{
    struct sy_capabilities caps = {
        .tasks = SY_TASK_BIT(SY_TASK_TEXT_GENERATION),
        .settings = SY_LLAMA_SETTINGS,
        .chat = chat,
        .context_length = 2048,
    };
    return caps;
}

static void test_accepts(void)
{
    struct sy_request req;
    request_init(&req);
    req.settings.given = SY_SETTING_BIT(SY_SETTING_TEMPERATURE) | SY_SETTING_BIT(SY_SETTING_SEED);
    struct sy_capabilities caps = text_model(false);
    T_EQ_INT(capabilities_check(&caps, "m", &req, NULL), SY_OK);
    request_cleanup(&req);
}

static void test_refuses_task(void)
{
    struct sy_request req;
    request_init(&req);
    req.task = SY_TASK_TEXT_TO_IMAGE;
    struct sy_capabilities caps = text_model(true);
    struct sy_err err;
    T_EQ_INT(capabilities_check(&caps, "tiny", &req, &err), SY_EUNSUPPORTED);
    T_EQ_STR(err.param, "task");
    T_CONTAINS(err.msg, "'tiny'");
    T_CONTAINS(err.msg, "text-to-image");
    T_CONTAINS(err.msg, "text-generation");
    request_cleanup(&req);
}

static void test_refuses_settings_by_client_name(void)
{
    struct sy_request req;
    request_init(&req);
    req.settings.given = SY_SETTING_BIT(SY_SETTING_GUIDANCE_SCALE);
    req.settings.given_as[SY_SETTING_GUIDANCE_SCALE] = "parameters.guidance_scale";
    struct sy_capabilities caps = text_model(true);
    struct sy_err err;
    T_EQ_INT(capabilities_check(&caps, "tiny", &req, &err), SY_EUNSUPPORTED);
    T_EQ_STR(err.param, "parameters.guidance_scale");
    request_cleanup(&req);
}

static void test_refuses_chat_and_images(void)
{
    struct sy_request req;
    request_init(&req);
    req.messages = calloc(1, sizeof *req.messages);
    req.n_messages = 1;
    req.messages[0].role = strdup("user");
    req.messages[0].content = strdup("hi");
    struct sy_capabilities caps = text_model(false);
    struct sy_err err;
    T_EQ_INT(capabilities_check(&caps, "base", &req, &err), SY_EUNSUPPORTED);
    T_EQ_STR(err.param, "messages");
    T_CONTAINS(err.msg, "chat template");
    caps.chat = true;
    req.has_images = true;
    T_EQ_INT(capabilities_check(&caps, "base", &req, &err), SY_EUNSUPPORTED);
    T_CONTAINS(err.msg, "images");
    request_cleanup(&req);
}

/* A video's length: one of those the model makes; quality, never. */
static void test_media_lengths(void)
{
    struct sy_capabilities caps = {.tasks = SY_TASK_BIT(SY_TASK_TEXT_TO_VIDEO),
                                   .takes_duration = true, .durations = "4,8,12"};
    struct sy_request req;
    request_init(&req);
    req.task = SY_TASK_TEXT_TO_VIDEO;
    snprintf(req.options_at, sizeof req.options_at, "inputs.");
    struct sy_err err;
    T_EQ_INT(capabilities_check(&caps, "v", &req, &err), SY_OK); /* the model's choice */
    req.media.duration_s = 8;
    T_EQ_INT(capabilities_check(&caps, "v", &req, &err), SY_OK);
    req.media.duration_s = 5;
    T_EQ_INT(capabilities_check(&caps, "v", &req, &err), SY_EUNSUPPORTED);
    T_EQ_STR(err.param, "inputs.duration");
    T_CONTAINS(err.msg, "4,8,12 seconds");
    caps.durations[0] = '\0'; /* any length */
    T_EQ_INT(capabilities_check(&caps, "v", &req, &err), SY_OK);
    caps.takes_duration = false;
    T_EQ_INT(capabilities_check(&caps, "v", &req, &err), SY_EUNSUPPORTED);
    T_CONTAINS(err.msg, "decides its own length");
    req.media.duration_s = 0;
    snprintf(req.media.quality, sizeof req.media.quality, "hd");
    T_EQ_INT(capabilities_check(&caps, "v", &req, &err), SY_EUNSUPPORTED);
    T_EQ_STR(err.param, "inputs.quality");
    request_cleanup(&req);
}

int main(void)
{
    T_RUN(test_accepts);
    T_RUN(test_refuses_task);
    T_RUN(test_refuses_settings_by_client_name);
    T_RUN(test_refuses_chat_and_images);
    T_RUN(test_media_lengths);
    return t_done();
}
