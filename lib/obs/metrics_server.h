// The built-in GET /metrics endpoint: an evhttp server on the library's
// loop, bound to one address (loopback unless configured otherwise). The
// page is rendered on the loop; it reads counters, it never waits on a call.
#pragma once

#include <functional>
#include <memory>
#include <string>

struct event_base;
struct evhttp;
struct evhttp_request;

namespace toolorch::obs {

class MetricsServer {
 public:
  // listen: "ADDR:PORT" (numeric IPv4 or [IPv6]; port 0 picks a free one).
  // nullptr and *err when it cannot be parsed or bound. Loop thread.
  static std::unique_ptr<MetricsServer> create(event_base *base, const std::string &listen,
                                               std::function<std::string()> render, std::string *err);
  ~MetricsServer();  // loop thread (or after the loop stopped)
  int port() const { return port_; }

  // "ADDR:PORT" split; false when malformed.
  static bool parse_listen(const std::string &listen, std::string *addr, int *port);

 private:
  MetricsServer() = default;
  static void on_request(struct evhttp_request *req, void *self);
  evhttp *http_ = nullptr;
  int port_ = 0;
  std::function<std::string()> render_;
};

}  // namespace toolorch::obs
