/* hf_mapping.c -- reading the Hub's inferenceProviderMapping. */
#include "providers/hf_mapping.h"

#include <stdio.h>
#include <string.h>

#include "core/task.h"
#include "hub/catalog.h"

/* The task of ours an hf-inference mapping runs, or -1 if it relays none. */
static int relayed_task(const char *task)
{
    if (strcmp(task, "text-to-image") == 0 || strcmp(task, "image-to-image") == 0)
        return SY_TASK_TEXT_TO_IMAGE; /* a drawing, from a picture or not */
    if (strcmp(task, "feature-extraction") == 0 || strcmp(task, "sentence-similarity") == 0)
        return SY_TASK_FEATURE_EXTRACTION;
    if (strcmp(task, "text-to-audio") == 0)
        return SY_TASK_TEXT_TO_AUDIO; /* music: the file's bytes */
    return -1;
}

void hf_mapping_read(const json_t *info, struct hf_mapping *out)
{
    memset(out, 0, sizeof *out);
    const char *tag = json_string_value(json_object_get(info, "pipeline_tag"));
    snprintf(out->pipeline_tag, sizeof out->pipeline_tag, "%s", tag ? tag : "");
    json_t *list = catalog_inference_providers(json_object_get(info, "inferenceProviderMapping"));
    size_t i, used = 0;
    const json_t *entry;
    json_array_foreach(list, i, entry) {
        const char *provider = json_string_value(json_object_get(entry, "provider"));
        const char *task = json_string_value(json_object_get(entry, "task"));
        const char *status = json_string_value(json_object_get(entry, "status"));
        if (status && strcmp(status, "live") != 0)
            continue; /* "staging": not for everyone yet */
        int ours = relayed_task(task);
        if (strcmp(provider, "hf-inference") == 0 && ours >= 0) {
            out->tasks |= SY_TASK_BIT(ours);
            out->from_text |= strcmp(task, "text-to-image") == 0;
            out->from_picture |= strcmp(task, "image-to-image") == 0;
            continue;
        }
        int w = snprintf(out->elsewhere + used, sizeof out->elsewhere - used, "%s%s (%s)",
                         used ? ", " : "", provider, task);
        if (w > 0 && (size_t)w < sizeof out->elsewhere - used)
            used += (size_t)w;
    }
    json_decref(list);
}
