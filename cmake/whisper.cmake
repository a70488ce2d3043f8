# whisper.cmake -- builds whisper.cpp (CPU only) from the whisper.rn npm tarball's cpp/ tree.
#
# That tree is upstream whisper.cpp with ggml renamed wsp_ggml_*, so it cannot
# clash with llama.cpp's lm_ggml_* (though only the whisper worker links it). We
# compile it as one static library, `sy_whisper`. Nothing from the tree is
# committed: scripts/setup.sh unpacks it into build/deps/whisper.rn.
set(WHISPER_RN_DIR ${CMAKE_SOURCE_DIR}/build/deps/whisper.rn/cpp)
if(NOT EXISTS ${WHISPER_RN_DIR}/whisper.h)
  message(FATAL_ERROR "whisper.rn sources missing at ${WHISPER_RN_DIR}: run scripts/setup.sh (make does)")
endif()

file(GLOB SY_WHISPER_SOURCES CONFIGURE_DEPENDS
  ${WHISPER_RN_DIR}/ggml-cpu/*.c
  ${WHISPER_RN_DIR}/ggml-cpu/*.cpp
  ${WHISPER_RN_DIR}/ggml-cpu/amx/*.cpp)
list(APPEND SY_WHISPER_SOURCES
  ${WHISPER_RN_DIR}/whisper.cpp
  ${WHISPER_RN_DIR}/ggml.c
  ${WHISPER_RN_DIR}/ggml.cpp
  ${WHISPER_RN_DIR}/ggml-alloc.c
  ${WHISPER_RN_DIR}/ggml-quants.c
  ${WHISPER_RN_DIR}/ggml-backend.cpp
  ${WHISPER_RN_DIR}/ggml-backend-dl.cpp
  ${WHISPER_RN_DIR}/ggml-backend-meta.cpp
  ${WHISPER_RN_DIR}/ggml-backend-reg.cpp
  ${WHISPER_RN_DIR}/ggml-opt.cpp
  ${WHISPER_RN_DIR}/ggml-threading.cpp
  ${WHISPER_RN_DIR}/gguf.cpp)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  list(APPEND SY_WHISPER_SOURCES
    ${WHISPER_RN_DIR}/ggml-cpu/arch/x86/quants.c
    ${WHISPER_RN_DIR}/ggml-cpu/arch/x86/repack.cpp)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  list(APPEND SY_WHISPER_SOURCES
    ${WHISPER_RN_DIR}/ggml-cpu/arch/arm/quants.c
    ${WHISPER_RN_DIR}/ggml-cpu/arch/arm/repack.cpp)
endif()

add_library(sy_whisper STATIC ${SY_WHISPER_SOURCES})
target_include_directories(sy_whisper SYSTEM PUBLIC ${WHISPER_RN_DIR})
target_include_directories(sy_whisper PRIVATE ${WHISPER_RN_DIR}/ggml-cpu)
target_compile_definitions(sy_whisper PUBLIC WSP_GGML_USE_CPU)
target_compile_definitions(sy_whisper PRIVATE WSP_GGML_USE_CPU_REPACK _GNU_SOURCE NDEBUG)
# The build runs on the machine that runs it (make builds in place), so native is right.
target_compile_options(sy_whisper PRIVATE -O3 -march=native -w)
set_target_properties(sy_whisper PROPERTIES CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON
  POSITION_INDEPENDENT_CODE OFF)
find_package(Threads REQUIRED)
target_link_libraries(sy_whisper PUBLIC Threads::Threads m)
