// cmocka for C++ test files: its header wants these includes first and has
// no extern "C" of its own.
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include <cmocka.h>
}
