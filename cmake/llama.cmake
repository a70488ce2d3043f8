# llama.cmake -- builds llama.cpp (CPU only) from the llama.rn npm tarball's cpp/ tree.
#
# That tree is upstream llama.cpp with ggml symbols renamed lm_ggml_*; the llama_* API
# is upstream's. We compile it as one static library, `sy_llama`, that the llama worker
# and the model generator link. Nothing from the tree is committed: scripts/setup.sh
# unpacks it into build/deps/llama.rn.
set(LLAMA_RN_DIR ${CMAKE_SOURCE_DIR}/build/deps/llama.rn/cpp)
# For extra developer build trees: link an already built libsy_llama.a instead of
# compiling llama.cpp again (it takes minutes). make never sets this.
set(SY_LLAMA_PREBUILT "" CACHE FILEPATH "an existing libsy_llama.a to link instead of building one")
if(NOT EXISTS ${LLAMA_RN_DIR}/llama.h)
  message(FATAL_ERROR "llama.rn sources missing at ${LLAMA_RN_DIR}: run scripts/setup.sh (make does)")
endif()

file(GLOB SY_LLAMA_SOURCES CONFIGURE_DEPENDS
  ${LLAMA_RN_DIR}/llama*.cpp
  ${LLAMA_RN_DIR}/models/*.cpp
  ${LLAMA_RN_DIR}/ggml-cpu/*.c
  ${LLAMA_RN_DIR}/ggml-cpu/*.cpp
  ${LLAMA_RN_DIR}/ggml-cpu/amx/*.cpp
  ${LLAMA_RN_DIR}/common/*.cpp
  ${LLAMA_RN_DIR}/common/jinja/*.cpp
  ${LLAMA_RN_DIR}/tools/mtmd/*.cpp
  ${LLAMA_RN_DIR}/tools/mtmd/models/*.cpp)
list(APPEND SY_LLAMA_SOURCES
  ${LLAMA_RN_DIR}/ggml.c
  ${LLAMA_RN_DIR}/ggml-alloc.c
  ${LLAMA_RN_DIR}/ggml-quants.c
  ${LLAMA_RN_DIR}/ggml-backend.cpp
  ${LLAMA_RN_DIR}/ggml-backend-dl.cpp
  ${LLAMA_RN_DIR}/ggml-backend-meta.cpp
  ${LLAMA_RN_DIR}/ggml-backend-reg.cpp
  ${LLAMA_RN_DIR}/ggml-opt.cpp
  ${LLAMA_RN_DIR}/ggml-threading.cpp
  ${LLAMA_RN_DIR}/gguf.cpp
  ${LLAMA_RN_DIR}/unicode.cpp
  ${LLAMA_RN_DIR}/unicode-data.cpp
  ${LLAMA_RN_DIR}/anyascii.c)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  list(APPEND SY_LLAMA_SOURCES
    ${LLAMA_RN_DIR}/ggml-cpu/arch/x86/quants.c
    ${LLAMA_RN_DIR}/ggml-cpu/arch/x86/repack.cpp)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  list(APPEND SY_LLAMA_SOURCES
    ${LLAMA_RN_DIR}/ggml-cpu/arch/arm/quants.c
    ${LLAMA_RN_DIR}/ggml-cpu/arch/arm/repack.cpp)
endif()
list(FILTER SY_LLAMA_SOURCES EXCLUDE REGEX "/(debug|jsi)/")

if(SY_LLAMA_PREBUILT)
  add_library(sy_llama STATIC IMPORTED)
  set_target_properties(sy_llama PROPERTIES IMPORTED_LOCATION ${SY_LLAMA_PREBUILT})
  target_include_directories(sy_llama SYSTEM INTERFACE
    ${LLAMA_RN_DIR} ${LLAMA_RN_DIR}/common ${LLAMA_RN_DIR}/tools/mtmd)
  target_compile_definitions(sy_llama INTERFACE LM_GGML_USE_CPU)
  find_package(Threads REQUIRED)
  target_link_libraries(sy_llama INTERFACE Threads::Threads m)
  return()
endif()

add_library(sy_llama STATIC ${SY_LLAMA_SOURCES})
target_include_directories(sy_llama SYSTEM PUBLIC
  ${LLAMA_RN_DIR} ${LLAMA_RN_DIR}/common ${LLAMA_RN_DIR}/tools/mtmd)
target_include_directories(sy_llama PRIVATE ${LLAMA_RN_DIR}/ggml-cpu ${LLAMA_RN_DIR}/common/jinja)
target_compile_definitions(sy_llama PUBLIC LM_GGML_USE_CPU)
target_compile_definitions(sy_llama PRIVATE LM_GGML_USE_CPU_REPACK _GNU_SOURCE NDEBUG)
# The build runs on the machine that runs it (make builds in place), so native is right.
target_compile_options(sy_llama PRIVATE -O3 -march=native -w)
set_target_properties(sy_llama PROPERTIES CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON
  POSITION_INDEPENDENT_CODE OFF)
find_package(Threads REQUIRED)
target_link_libraries(sy_llama PUBLIC Threads::Threads m)
