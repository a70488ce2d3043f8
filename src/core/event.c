/* event.c -- names for event values. */
#include "core/event.h"

const char *finish_name(enum sy_finish finish)
{
    switch (finish) {
    case SY_FINISH_STOP: return "stop";
    case SY_FINISH_LENGTH: return "length";
    case SY_FINISH_CANCELLED: return "cancelled";
    }
    return "stop";
}
