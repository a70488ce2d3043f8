/* engine_kind.h -- which engine runs a local model, and so which worker.
 *
 * llama.cpp runs GGUF models in switchyard-llama; whisper.cpp runs whisper
 * models in switchyard-whisper; the built-in speech engines run in
 * switchyard-speech (docs/PROTOCOL.md). */
#ifndef SY_ENGINE_KIND_H
#define SY_ENGINE_KIND_H

enum engine_kind { ENGINE_LLAMA, ENGINE_ESPEAK, ENGINE_POCKETSPHINX, ENGINE_WHISPER };

/* Returns: the name the worker knows the engine by ("llama.cpp", "espeak-ng",
 * "pocketsphinx", "whisper.cpp"). */
const char *engine_kind_name(enum engine_kind kind);

#endif
