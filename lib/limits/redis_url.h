// redis_url parsing. Accepted:
//   redis://[[user]:password@]host[:port][/db]   host: IPv4, [IPv6] or localhost
//   unix:///path/to/redis.sock  (or unix:/path)
// Names other than "localhost" are refused: hiredis 0.14 resolves with a
// blocking getaddrinfo on the calling (loop) thread, so only addresses that
// need no DNS are taken, and "localhost" is mapped to 127.0.0.1 up front.
// Error texts never contain the password.
#pragma once

#include <string>

namespace toolorch::limits {

struct RedisAddress {
  std::string host;       // numeric, empty for a unix socket
  int port = 6379;
  std::string unix_path;  // set for unix sockets
  std::string user;
  std::string password;   // empty: no AUTH
  int db = 0;
};

bool parse_redis_url(const std::string &url, RedisAddress *out, std::string *err);

}  // namespace toolorch::limits
