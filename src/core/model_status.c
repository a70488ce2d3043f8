/* model_status.c -- names of model states. */
#include "core/model_status.h"

const char *model_state_name(enum sy_model_state state)
{
    switch (state) {
    case SY_MODEL_UNLOADED: return "unloaded";
    case SY_MODEL_LOADING: return "loading";
    case SY_MODEL_LOADED: return "loaded";
    case SY_MODEL_UNLOADING: return "unloading";
    case SY_MODEL_FAILED: return "failed";
    }
    return "unknown";
}
