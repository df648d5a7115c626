# Warnings for the project's own code only (generated SWIG wrappers opt out).
add_library(toolorch_warnings INTERFACE)
target_compile_options(toolorch_warnings INTERFACE -Wall -Wextra
  $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor>
  $<$<BOOL:${TOOLORCH_WERROR}>:-Werror>)
