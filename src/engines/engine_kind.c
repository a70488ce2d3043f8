/* engine_kind.c -- engine names. */
#include "engines/engine_kind.h"

const char *engine_kind_name(enum engine_kind kind)
{
    switch (kind) {
    case ENGINE_LLAMA: return "llama.cpp";
    case ENGINE_ESPEAK: return "espeak-ng";
    case ENGINE_POCKETSPHINX: return "pocketsphinx";
    case ENGINE_WHISPER: return "whisper.cpp";
    }
    return "unknown";
}
