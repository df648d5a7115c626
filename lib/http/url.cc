#include "http/url.h"

#include <curl/curl.h>

#include <memory>

namespace toolorch::http {

bool check_http_url(const std::string &url, std::string *err) {
  std::unique_ptr<CURLU, void (*)(CURLU *)> u(curl_url(), curl_url_cleanup);
  if (!u) {
    *err = "out of memory";
    return false;
  }
  CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0);
  if (rc != CURLUE_OK) {
    *err = std::string("the URL is malformed: ") + curl_url_strerror(rc);
    return false;
  }
  char *scheme = nullptr;
  rc = curl_url_get(u.get(), CURLUPART_SCHEME, &scheme, 0);
  std::string s = rc == CURLUE_OK && scheme ? scheme : "";
  curl_free(scheme);
  if (s != "http" && s != "https") {
    *err = "the URL must start with http:// or https://";
    return false;
  }
  char *host = nullptr;
  rc = curl_url_get(u.get(), CURLUPART_HOST, &host, 0);
  bool has_host = rc == CURLUE_OK && host && *host;
  curl_free(host);
  if (!has_host) {
    *err = "the URL has no host";
    return false;
  }
  return true;
}

}  // namespace toolorch::http
