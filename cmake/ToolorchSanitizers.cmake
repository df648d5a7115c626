# Sanitizer builds apply to everything compiled here, so the tests see it too.
if(TOOLORCH_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(TOOLORCH_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT TOOLORCH_SANITIZE STREQUAL "")
  message(FATAL_ERROR "TOOLORCH_SANITIZE must be '', 'address' or 'thread'")
endif()

# Fuzzing (tests/fuzz, scripts/fuzz.sh): everything is compiled with
# libFuzzer's coverage hooks and ASan+UBSan; only the fuzz targets link the
# libFuzzer driver itself (-fsanitize=fuzzer, tests/fuzz/CMakeLists.txt).
if(TOOLORCH_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang" OR NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TOOLORCH_FUZZ needs clang: CC=clang CXX=clang++")
  endif()
  if(NOT TOOLORCH_SANITIZE STREQUAL "")
    message(FATAL_ERROR "TOOLORCH_FUZZ brings its own sanitizers: leave TOOLORCH_SANITIZE empty")
  endif()
  # UBSan stays recoverable here so that tests/fuzz/ubsan.supp can list a
  # known finding while its fix is under way; scripts/fuzz.sh still halts on
  # every other report (halt_on_error=1).
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
