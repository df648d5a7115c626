// Checking a URL the way libcurl will parse it (its URL API, CURLU), so a
// malformed one ("http://", "http://[::1") is refused when it is configured,
// not when the first transfer fails.
#pragma once

#include <string>

namespace toolorch::http {

// True if url is an absolute http:// or https:// URL with a host that
// libcurl accepts. Otherwise *err says why (never quoting the URL, which may
// carry credentials).
bool check_http_url(const std::string &url, std::string *err);

}  // namespace toolorch::http
