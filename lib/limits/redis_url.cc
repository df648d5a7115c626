#include "limits/redis_url.h"

#include <arpa/inet.h>

#include <cstdlib>

namespace toolorch::limits {
namespace {

bool fail(std::string *err, const std::string &why) {
  if (err) *err = why;
  return false;
}

bool parse_int(const std::string &s, long min, long max, long *out) {
  if (s.empty() || s.size() > 10) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  long v = std::strtol(s.c_str(), nullptr, 10);
  if (v < min || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

bool parse_redis_url(const std::string &url, RedisAddress *out, std::string *err) {
  *out = RedisAddress{};
  const std::string unix_scheme = "unix:";
  if (url.compare(0, unix_scheme.size(), unix_scheme) == 0) {
    std::string p = url.substr(unix_scheme.size());
    if (p.compare(0, 2, "//") == 0) p = p.substr(2);
    if (p.empty() || p[0] != '/') return fail(err, "a unix socket URL needs an absolute path (unix:///path)");
    out->unix_path = p;
    return true;
  }
  const std::string scheme = "redis://";
  if (url.compare(0, scheme.size(), scheme) != 0)
    return fail(err, "must start with redis:// or unix://");
  std::string rest = url.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) {
    std::string db = rest.substr(slash + 1);
    long v = 0;
    if (!db.empty() && !parse_int(db, 0, 1000000, &v)) return fail(err, "the database after '/' must be a number");
    out->db = static_cast<int>(v);
  }
  size_t at = authority.rfind('@');
  if (at != std::string::npos) {
    std::string cred = authority.substr(0, at);
    authority = authority.substr(at + 1);
    size_t colon = cred.find(':');
    if (colon == std::string::npos) {
      out->password = cred;  // redis://password@host, as some clients accept
    } else {
      out->user = cred.substr(0, colon);
      out->password = cred.substr(colon + 1);
    }
  }
  std::string host, port;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos) return fail(err, "an IPv6 address needs its closing ']'");
    host = authority.substr(1, close - 1);
    std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return fail(err, "unexpected text after the IPv6 address");
      port = after.substr(1);
    }
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (host.empty()) return fail(err, "the host is missing");
  if (!port.empty()) {
    long v = 0;
    if (!parse_int(port, 1, 65535, &v)) return fail(err, "the port must be a number from 1 to 65535");
    out->port = static_cast<int>(v);
  }
  if (host == "localhost") host = "127.0.0.1";
  unsigned char buf[16];
  if (inet_pton(AF_INET, host.c_str(), buf) != 1 && inet_pton(AF_INET6, host.c_str(), buf) != 1)
    return fail(err, "the host '" + host +
                         "' is not a numeric address or localhost (names are not resolved: "
                         "that would block the loop)");
  out->host = host;
  return true;
}

}  // namespace toolorch::limits
