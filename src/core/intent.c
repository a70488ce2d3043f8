/* intent.c -- the table of intents. */
#include "core/intent.h"

#include "core/task.h"

static const struct sy_intent table[] = {
    {"chat", "Chat", "Talk with a model, turn by turn.",
     SY_TASK_BIT(SY_TASK_TEXT_GENERATION) | SY_TASK_BIT(SY_TASK_IMAGE_TEXT_TO_TEXT)},
    {"write", "Write", "Draft or continue a text from a prompt.",
     SY_TASK_BIT(SY_TASK_TEXT_GENERATION)},
    {"summarise", "Summarise", "Shorten a long text to its main points.",
     SY_TASK_BIT(SY_TASK_TEXT_GENERATION)},
    {"describe-image", "Describe an image", "Ask questions about a picture.",
     SY_TASK_BIT(SY_TASK_IMAGE_TEXT_TO_TEXT)},
    {"transcribe", "Transcribe", "Turn speech in an audio file into text.",
     SY_TASK_BIT(SY_TASK_AUTOMATIC_SPEECH_RECOGNITION)},
    {"speak", "Speak", "Read a text aloud.", SY_TASK_BIT(SY_TASK_TEXT_TO_SPEECH)},
    {"draw", "Draw", "Make an image from a description.", SY_TASK_BIT(SY_TASK_TEXT_TO_IMAGE)},
    {"search", "Search by meaning", "Turn texts into vectors to find similar ones.",
     SY_TASK_BIT(SY_TASK_FEATURE_EXTRACTION)},
    {"video", "Make a video", "Make a short clip from a description.",
     SY_TASK_BIT(SY_TASK_TEXT_TO_VIDEO)},
    {"music", "Make music", "Make music or sound from a description.",
     SY_TASK_BIT(SY_TASK_TEXT_TO_AUDIO)},
};

const struct sy_intent *intents(size_t *n)
{
    *n = sizeof table / sizeof table[0];
    return table;
}
