// Option sections owned by other layers ("rate_limits", "llm", "job", ...):
// each is checked by its layer's own parser, so an unknown key deep inside a
// section is rejected by name too.
#pragma once

#include <string>

#include "json/json.h"
#include "llm/provider_config.h"

namespace toolorch::core {

// OK, or ECONFIG with *err naming the key (an unknown section included).
int check_section(const char *name, const cJSON *value, std::string *err);

// The provider configuration of the "llm" section (its "model" key is the
// jobs' default model and is not part of it).
bool llm_provider_config(const cJSON *llm_section, llm::ProviderConfig *out, std::string *err);

}  // namespace toolorch::core
