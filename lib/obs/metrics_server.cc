#include "obs/metrics_server.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace toolorch::obs {

bool MetricsServer::parse_listen(const std::string &listen, std::string *addr, int *port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= listen.size()) return false;
  std::string a = listen.substr(0, colon), p = listen.substr(colon + 1);
  if (a.front() == '[') {
    if (a.back() != ']' || a.size() < 3) return false;
    a = a.substr(1, a.size() - 2);
  }
  for (char c : p)
    if (c < '0' || c > '9') return false;
  if (p.size() > 5) return false;
  int n = std::stoi(p);
  if (n > 65535) return false;
  // Numeric addresses only: no DNS lookup on the loop.
  unsigned char buf[sizeof(in6_addr)];
  if (inet_pton(AF_INET, a.c_str(), buf) != 1 && inet_pton(AF_INET6, a.c_str(), buf) != 1) return false;
  *addr = a;
  *port = n;
  return true;
}

std::unique_ptr<MetricsServer> MetricsServer::create(event_base *base, const std::string &listen,
                                                     std::function<std::string()> render, std::string *err) {
  std::string addr;
  int port = 0;
  if (!parse_listen(listen, &addr, &port)) {
    *err = "metrics listen address \"" + listen + "\" is not ADDR:PORT with a numeric address";
    return nullptr;
  }
  std::unique_ptr<MetricsServer> s(new MetricsServer());
  s->render_ = std::move(render);
  s->http_ = evhttp_new(base);
  if (!s->http_) {
    *err = "cannot create the metrics HTTP server";
    return nullptr;
  }
  evhttp_set_allowed_methods(s->http_, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
  evhttp_set_gencb(s->http_, &MetricsServer::on_request, s.get());
  evhttp_bound_socket *sock = evhttp_bind_socket_with_handle(s->http_, addr.c_str(), static_cast<uint16_t>(port));
  if (!sock) {
    *err = "cannot listen for metrics on " + listen + ": " + std::strerror(errno);
    return nullptr;
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(evhttp_bound_socket_get_fd(sock), reinterpret_cast<sockaddr *>(&ss), &len) == 0)
    s->port_ = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port
                                              : reinterpret_cast<sockaddr_in *>(&ss)->sin_port);
  return s;
}

MetricsServer::~MetricsServer() {
  if (http_) evhttp_free(http_);
}

void MetricsServer::on_request(evhttp_request *req, void *self) {
  auto *s = static_cast<MetricsServer *>(self);
  const char *uri = evhttp_request_get_uri(req);
  std::string path = uri ? uri : "";
  path = path.substr(0, path.find('?'));
  if (path != "/metrics") {
    evhttp_send_error(req, HTTP_NOTFOUND, "only /metrics is served here");
    return;
  }
  std::string body;
  try {
    body = s->render_();
  } catch (...) {
    evhttp_send_error(req, HTTP_INTERNAL, "cannot render the metrics");
    return;
  }
  evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  evbuffer *buf = evbuffer_new();
  if (!buf) {
    evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
    return;
  }
  evbuffer_add(buf, body.data(), body.size());
  evhttp_send_reply(req, HTTP_OK, "OK", buf);
  evbuffer_free(buf);
}

}  // namespace toolorch::obs
