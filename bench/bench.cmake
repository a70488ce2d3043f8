# bench.cmake -- benchmarks: `make bench` builds and runs them one after another.
# They drive the real binaries, so they learn their paths the way tests do.
foreach(bench bench_llama bench_concurrency bench_providers)
  add_executable(${bench} bench/${bench}.c bench/bench_streams.c)
  target_link_libraries(${bench} PRIVATE sy_server sy_testsupport sy_llama)
  set_target_properties(${bench} PROPERTIES LINKER_LANGUAGE CXX)
  target_compile_definitions(${bench} PRIVATE
    SY_BENCH_SERVER="$<TARGET_FILE:switchyard>"
    SY_BENCH_WORKER="$<TARGET_FILE:switchyard-llama>"
    SY_BENCH_MAKE_MODEL="$<TARGET_FILE:switchyard-make-model>")
endforeach()

# Speech: the speech worker over its protocol versus the API.
add_executable(bench_speech bench/bench_speech.c)
target_link_libraries(bench_speech PRIVATE sy_server sy_testsupport)
target_compile_definitions(bench_speech PRIVATE
  SY_BENCH_SERVER="$<TARGET_FILE:switchyard>"
  SY_BENCH_WORKER="$<TARGET_FILE:switchyard-llama>"
  SY_BENCH_SPEECH_WORKER="$<TARGET_FILE:switchyard-speech>"
  SY_BENCH_WHISPER_WORKER="$<TARGET_FILE:switchyard-whisper>"
  SY_BENCH_MAKE_WHISPER="$<TARGET_FILE:switchyard-make-whisper>"
  SY_BENCH_ESPEAK_DATA="/usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/espeak-ng-data"
  SY_BENCH_POCKETSPHINX_MODEL="/usr/share/pocketsphinx/model/en-us")
