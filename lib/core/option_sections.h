// Option sections owned by other layers ("rate_limits", "llm", "job", ...):
// each is checked by its layer's own parser, so an unknown key deep inside a
// section is rejected by name too.
#pragma once

#include <string>

#include "json/json.h"

namespace toolorch::core {

// OK, or ECONFIG with *err naming the key (an unknown section included).
int check_section(const char *name, const cJSON *value, std::string *err);

}  // namespace toolorch::core
