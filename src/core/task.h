/* task.h -- the task taxonomy (Hugging Face pipeline_tag names).
 *
 * One list shared by every surface, the capability check and, later, the
 * playground. A task we know but no engine here can run is still a task: the
 * capability check refuses it with 422 naming what the model can do. */
#ifndef SY_TASK_H
#define SY_TASK_H

#include <stdint.h>

#include "util/err.h"

enum sy_task {
    SY_TASK_TEXT_GENERATION,
    SY_TASK_IMAGE_TEXT_TO_TEXT,
    SY_TASK_FEATURE_EXTRACTION,
    SY_TASK_TEXT_TO_IMAGE,
    SY_TASK_AUTOMATIC_SPEECH_RECOGNITION,
    SY_TASK_TEXT_TO_SPEECH,
    SY_TASK_TEXT_TO_VIDEO, /* made by providers only (OpenAI's /videos jobs) */
    SY_TASK_TEXT_TO_AUDIO, /* music, by providers only (hf-inference's) */
    SY_TASK_COUNT
};

#define SY_TASK_BIT(t) (UINT32_C(1) << (t))

/* Returns: the pipeline_tag name of task ("text-generation"). */
const char *task_name(enum sy_task task);

/* Parses a pipeline_tag name. Returns: SY_OK; SY_EINVAL naming the known tasks. */
sy_code task_parse(const char *name, enum sy_task *out, struct sy_err *err);

/* Writes the names of the tasks in mask, comma-separated, into out. */
void task_list(uint32_t mask, char *out, size_t size);

#endif
