// libcurl's process-wide initialisation, done once whatever the number of
// Clients or threads: curl_global_init is not safe to race with itself.
#pragma once

#include <string>

namespace toolorch::http {

// True when libcurl is initialised (the first call does it; the result of
// that call is remembered). On failure *err names the reason.
bool ensure_curl_global_init(std::string *err);

}  // namespace toolorch::http
