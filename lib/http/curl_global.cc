#include "http/curl_global.h"

#include <curl/curl.h>

#include <mutex>

namespace toolorch::http {

bool ensure_curl_global_init(std::string *err) {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  // Never paired with curl_global_cleanup: other code in the process may
  // use libcurl after the last Client is gone.
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) {
    if (err) *err = std::string("curl_global_init failed: ") + curl_easy_strerror(result);
    return false;
  }
  return true;
}

}  // namespace toolorch::http
