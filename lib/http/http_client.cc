#include "http/http_client.h"

#include <strings.h>

#include "http/multi_client.h"

namespace toolorch::http {

const std::string *find_header(const std::vector<Header> &headers, std::string_view name) {
  for (const Header &h : headers) {
    if (h.name.size() == name.size() && strncasecmp(h.name.data(), name.data(), name.size()) == 0)
      return &h.value;
  }
  return nullptr;
}

std::unique_ptr<Client> Client::create(event_base *base, std::string *err) {
  return MultiClient::make(base, Options{}, err);
}

std::unique_ptr<Client> Client::create(event_base *base, const Options &options, std::string *err) {
  return MultiClient::make(base, options, err);
}

}  // namespace toolorch::http
