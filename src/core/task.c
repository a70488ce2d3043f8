/* task.c -- task names. */
#include "core/task.h"

#include <stdio.h>
#include <string.h>

static const char *const names[SY_TASK_COUNT] = {
    [SY_TASK_TEXT_GENERATION] = "text-generation",
    [SY_TASK_IMAGE_TEXT_TO_TEXT] = "image-text-to-text",
    [SY_TASK_FEATURE_EXTRACTION] = "feature-extraction",
    [SY_TASK_TEXT_TO_IMAGE] = "text-to-image",
    [SY_TASK_AUTOMATIC_SPEECH_RECOGNITION] = "automatic-speech-recognition",
    [SY_TASK_TEXT_TO_SPEECH] = "text-to-speech",
    [SY_TASK_TEXT_TO_VIDEO] = "text-to-video",
    [SY_TASK_TEXT_TO_AUDIO] = "text-to-audio",
};

const char *task_name(enum sy_task task)
{
    return task < SY_TASK_COUNT ? names[task] : "unknown";
}

void task_list(uint32_t mask, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int t = 0; t < SY_TASK_COUNT; t++) {
        if (!(mask & SY_TASK_BIT(t)))
            continue;
        int n = snprintf(out + used, size - used, "%s%s", used ? ", " : "", names[t]);
        if (n < 0 || (size_t)n >= size - used)
            return;
        used += (size_t)n;
    }
}

sy_code task_parse(const char *name, enum sy_task *out, struct sy_err *err)
{
    for (int t = 0; t < SY_TASK_COUNT; t++) {
        if (strcmp(name, names[t]) == 0) {
            *out = (enum sy_task)t;
            return SY_OK;
        }
    }
    char known[256];
    task_list((UINT32_C(1) << SY_TASK_COUNT) - 1, known, sizeof known);
    return sy_errp(err, SY_EINVAL, "task", "unknown task '%s'; tasks are: %s", name, known);
}
