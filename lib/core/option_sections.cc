#include "core/option_sections.h"

#include <toolorch/status.h>

namespace toolorch::core {

int check_section(const char *name, const cJSON *value, std::string *err) {
  (void)value;
  *err = std::string("unknown option \"") + name + "\"";
  return TOOLORCH_ECONFIG;
}

}  // namespace toolorch::core
