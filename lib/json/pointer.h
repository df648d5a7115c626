// JSON Pointer (RFC 6901): "" is the whole document, "/a/0/b~1c" walks
// object members and array indices ("~1" is '/', "~0" is '~').
#pragma once

#include <string>
#include <string_view>

#include "json/json.h"

namespace toolorch::json {

// Whether text is a well-formed pointer ("" or starting with '/', every '~'
// followed by '0' or '1'); false with *err saying why.
bool pointer_valid(std::string_view pointer, std::string *err);
// The value at pointer inside doc, or null with *err naming the first
// token that is not there ("no member \"x\" at /a", "index 5 out of range
// (3 items) at /a/5", "/a/b: \"a\" is a string, not an object or array").
const cJSON *pointer_get(const cJSON *doc, std::string_view pointer, std::string *err);

}  // namespace toolorch::json
