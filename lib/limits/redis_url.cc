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

// host[:port] (host: IPv4, [IPv6] or localhost) into numeric host and port.
bool parse_host_port(const std::string &authority, std::string *host_out, int *port_out, std::string *err) {
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
    *port_out = static_cast<int>(v);
  }
  if (host == "localhost") host = "127.0.0.1";
  unsigned char buf[16];
  if (inet_pton(AF_INET, host.c_str(), buf) != 1 && inet_pton(AF_INET6, host.c_str(), buf) != 1)
    return fail(err, "the host '" + host +
                         "' is not a numeric address or localhost (names are not resolved: "
                         "that would block the loop)");
  *host_out = host;
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
  const std::string scheme = "redis://", cluster_scheme = "redis+cluster://";
  std::string rest;
  if (url.compare(0, cluster_scheme.size(), cluster_scheme) == 0) {
    out->cluster = true;
    rest = url.substr(cluster_scheme.size());
  } else if (url.compare(0, scheme.size(), scheme) == 0) {
    rest = url.substr(scheme.size());
  } else {
    return fail(err, "must start with redis://, redis+cluster:// or unix://");
  }
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) {
    std::string db = rest.substr(slash + 1);
    long v = 0;
    if (!db.empty() && !parse_int(db, 0, 1000000, &v)) return fail(err, "the database after '/' must be a number");
    out->db = static_cast<int>(v);
    if (out->cluster && v != 0) return fail(err, "a Redis Cluster has only database 0");
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
  if (!out->cluster) return parse_host_port(authority, &out->host, &out->port, err);
  // Seeds separated by ',': each host:port as above.
  size_t start = 0;
  while (true) {
    size_t comma = authority.find(',', start);
    std::string one = authority.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    RedisAddress::Node node;
    if (!parse_host_port(one, &node.host, &node.port, err)) return false;
    out->seeds.push_back(node);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  out->host = out->seeds[0].host;
  out->port = out->seeds[0].port;
  return true;
}

}  // namespace toolorch::limits
