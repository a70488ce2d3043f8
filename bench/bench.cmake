# bench.cmake -- benchmarks: `make bench` builds and runs bench_llama.
# It drives the real binaries, so it learns their paths the way tests do.
add_executable(bench_llama bench/bench_llama.c)
target_link_libraries(bench_llama PRIVATE sy_server sy_testsupport sy_llama)
set_target_properties(bench_llama PROPERTIES LINKER_LANGUAGE CXX)
target_compile_definitions(bench_llama PRIVATE
  SY_BENCH_SERVER="$<TARGET_FILE:switchyard>"
  SY_BENCH_WORKER="$<TARGET_FILE:switchyard-llama>"
  SY_BENCH_MAKE_MODEL="$<TARGET_FILE:switchyard-make-model>")
