# tests.cmake -- every test runs twice: against the plain build and the -asan build.
#
# Unit tests: tests/unit/test_<module>.c, one per module, linked with sy_server.
# Integration tests: tests/integration/test_<surface>.c; they start the real
# switchyard binary (and its worker) on port 0, generate their models with
# switchyard-make-model into a temporary directory, and talk HTTP over loopback.
file(GLOB SY_UNIT_TESTS CONFIGURE_DEPENDS tests/unit/test_*.c)
file(GLOB SY_INTEGRATION_TESTS CONFIGURE_DEPENDS tests/integration/test_*.c)

foreach(suffix "" "-asan")
  foreach(src ${SY_UNIT_TESTS})
    get_filename_component(name ${src} NAME_WE)
    add_executable(${name}${suffix} ${src})
    target_link_libraries(${name}${suffix} PRIVATE sy_server${suffix} sy_testsupport${suffix})
    add_test(NAME unit/${name}${suffix} COMMAND ${name}${suffix})
  endforeach()
  foreach(src ${SY_INTEGRATION_TESTS})
    get_filename_component(name ${src} NAME_WE)
    # Fault injection exists only in the test (sanitizer) build.
    if(name STREQUAL "test_faults" AND suffix STREQUAL "")
      continue()
    endif()
    add_executable(${name}${suffix} ${src})
    target_link_libraries(${name}${suffix} PRIVATE sy_util${suffix} sy_testsupport${suffix})
    if(name STREQUAL "test_speech" OR name STREQUAL "test_whisper") # the server's codec module
      target_link_libraries(${name}${suffix} PRIVATE sy_server${suffix})
    endif()
    add_test(NAME integration/${name}${suffix} COMMAND ${name}${suffix})
    set_tests_properties(integration/${name}${suffix} PROPERTIES
      TIMEOUT 600
      ENVIRONMENT "SY_TEST_SERVER=$<TARGET_FILE:switchyard${suffix}>;SY_TEST_WORKER=$<TARGET_FILE:switchyard-llama${suffix}>;SY_TEST_MAKE_MODEL=$<TARGET_FILE:switchyard-make-model>;SY_TEST_MAKE_WHISPER=$<TARGET_FILE:switchyard-make-whisper>;LSAN_OPTIONS=suppressions=${CMAKE_SOURCE_DIR}/tests/lsan.supp:print_suppressions=0")
  endforeach()
endforeach()

# The playground's client layer and page-side validation (Vitest).
add_test(NAME web/vitest COMMAND ${SY_NPM} test --silent WORKING_DIRECTORY ${SY_WEB_DIR})

# The playground end to end: Debian's Chromium, driven by playwright-core,
# against the real server; screenshots and the server's log land in
# build/e2e-artifacts.
add_test(NAME web/e2e COMMAND ${SY_NPM} run --silent e2e WORKING_DIRECTORY ${SY_WEB_DIR})
set_tests_properties(web/e2e PROPERTIES
  TIMEOUT 600
  ENVIRONMENT "SY_TEST_SERVER=$<TARGET_FILE:switchyard>;SY_TEST_WORKER=$<TARGET_FILE:switchyard-llama>;SY_TEST_MAKE_MODEL=$<TARGET_FILE:switchyard-make-model>;SY_TEST_MAKE_WHISPER=$<TARGET_FILE:switchyard-make-whisper>;SY_TEST_HUB=$<TARGET_FILE:switchyard-test-hub>;SY_TEST_IMAGES=$<TARGET_FILE:switchyard-test-images>;SY_TEST_MEDIA=$<TARGET_FILE:switchyard-test-media>;SY_WEB_ROOT=${CMAKE_BINARY_DIR}/web;SY_E2E_ARTIFACTS=${CMAKE_BINARY_DIR}/e2e-artifacts;SY_CHROMIUM=/usr/bin/chromium")

# Every libFuzzer target briefly (scripts/fuzz.sh; `make fuzz` runs them longer).
add_test(NAME fuzz/smoke COMMAND ${CMAKE_SOURCE_DIR}/scripts/fuzz.sh 3)
set_tests_properties(fuzz/smoke PROPERTIES TIMEOUT 600)
