# Every dependency is a Debian -dev package found through pkg-config.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(LIBEVENT REQUIRED IMPORTED_TARGET libevent libevent_pthreads)
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(CJSON REQUIRED IMPORTED_TARGET libcjson)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
# The result store's compression (lib/core/result_store.cc).
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
if(TOOLORCH_BUILD_TESTS)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
endif()
