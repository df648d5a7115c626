// redis_url parsing. Accepted:
//   redis://[[user]:password@]host[:port][/db]   host: IPv4, [IPv6] or localhost
//   unix:///path/to/redis.sock  (or unix:/path)
//   redis+cluster://[[user]:password@]host:port[,host:port...]
//       a Redis Cluster: the seed nodes the slot map is first asked from
//       (every master is learned from CLUSTER NODES); no /db but /0.
// Names other than "localhost" are refused: hiredis 0.14 resolves with a
// blocking getaddrinfo on the calling (loop) thread, so only addresses that
// need no DNS are taken, and "localhost" is mapped to 127.0.0.1 up front.
// Error texts never contain the password.
#pragma once

#include <string>
#include <vector>

namespace toolorch::limits {

struct RedisAddress {
  std::string host;       // numeric, empty for a unix socket
  int port = 6379;
  std::string unix_path;  // set for unix sockets
  std::string user;
  std::string password;   // empty: no AUTH
  int db = 0;
  // redis+cluster://: every seed (host/port above are the first one's).
  struct Node {
    std::string host;
    int port = 6379;
  };
  bool cluster = false;
  std::vector<Node> seeds;
};

bool parse_redis_url(const std::string &url, RedisAddress *out, std::string *err);

}  // namespace toolorch::limits
