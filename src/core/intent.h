/* intent.h -- what a person wants to do (chat, write, summarise, transcribe,
 * speak, draw, ...), each mapped onto tasks of the one taxonomy (task.h).
 * The playground starts from these (GET /api/intents) and shows the models
 * whose tasks meet them; the table lives here so the server and the page can
 * never disagree about it. */
#ifndef SY_INTENT_H
#define SY_INTENT_H

#include <stddef.h>
#include <stdint.h>

struct sy_intent {
    const char *id;          /* "chat" */
    const char *label;       /* "Chat" */
    const char *description; /* one sentence, for a person */
    uint32_t tasks;          /* SY_TASK_BIT of each task that serves it */
};

/* Returns: the table, *n entries, in the order a person meets them. */
const struct sy_intent *intents(size_t *n);

#endif
