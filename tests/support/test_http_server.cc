#include "test_http_server.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace toolorch::test {

// ---- HttpBehaviour ---------------------------------------------------------

HttpBehaviour HttpBehaviour::fixed(int status, std::string body) {
  HttpBehaviour b;
  b.status = status;
  b.body = std::move(body);
  return b;
}

HttpBehaviour HttpBehaviour::echo() {
  HttpBehaviour b;
  b.kind = Kind::kEcho;
  return b;
}

HttpBehaviour HttpBehaviour::stream(int n, int gap_ms) {
  std::vector<std::string> chunks;
  for (int i = 0; i < n; ++i) chunks.push_back("chunk " + std::to_string(i) + "\n");
  return stream(std::move(chunks), gap_ms);
}

HttpBehaviour HttpBehaviour::stream(std::vector<std::string> chunks, int gap_ms) {
  HttpBehaviour b;
  b.kind = Kind::kStream;
  b.chunks = std::move(chunks);
  b.chunk_gap_ms = gap_ms;
  return b;
}

HttpBehaviour HttpBehaviour::hang() {
  HttpBehaviour b;
  b.kind = Kind::kHang;
  return b;
}

HttpBehaviour &HttpBehaviour::with_header(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

HttpBehaviour &HttpBehaviour::with_delay(int ms) {
  delay_ms = ms;
  return *this;
}

HttpBehaviour &HttpBehaviour::unfinished() {
  finish = false;
  return *this;
}

const std::string *SeenRequest::header(std::string_view name) const {
  for (const auto &h : headers)
    if (h.first.size() == name.size() && strncasecmp(h.first.data(), name.data(), name.size()) == 0)
      return &h.second;
  return nullptr;
}

// ---- the server --------------------------------------------------------------

namespace {

constexpr size_t kMaxSeenRequests = 10000;

const char *reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

const char *method_name(evhttp_cmd_type cmd) {
  switch (cmd) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_HEAD: return "HEAD";
    case EVHTTP_REQ_PUT: return "PUT";
    case EVHTTP_REQ_DELETE: return "DELETE";
    case EVHTTP_REQ_OPTIONS: return "OPTIONS";
    case EVHTTP_REQ_TRACE: return "TRACE";
    case EVHTTP_REQ_CONNECT: return "CONNECT";
    case EVHTTP_REQ_PATCH: return "PATCH";
  }
  return "?";
}

}  // namespace

struct TestHttpServer::Impl {
  // A request being answered: waiting for its delay, between chunks, or
  // hanging. Server thread only.
  struct Pending {
    Impl *impl = nullptr;
    evhttp_request *req = nullptr;
    evhttp_connection *conn = nullptr;
    std::shared_ptr<const HttpBehaviour> behaviour;
    SeenRequest seen;  // for the echo
    event *timer = nullptr;
    event *watch = nullptr;  // readable connection while we owe an answer
    size_t next_chunk = 0;
    bool started = false;  // the status line and headers went out (stream)
  };

  // Shared with the test threads, guarded by mu.
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  HttpServerCounters counters;
  std::vector<SeenRequest> seen;
  std::unordered_map<std::string, std::shared_ptr<const HttpBehaviour>> behaviours;
  std::shared_ptr<const HttpBehaviour> fallback =
      std::make_shared<const HttpBehaviour>(HttpBehaviour::fixed(404, "not found"));

  // Set up before the thread starts, torn down after it is joined; in
  // between, touched by the server thread only.
  event_base *base = nullptr;
  evhttp *http = nullptr;
  int wake_fd = -1;
  event *wake_ev = nullptr;
  std::unordered_map<evhttp_connection *, std::vector<Pending *>> conns;

  std::mutex lifecycle_mu;  // start / stop
  std::thread thread;
  std::atomic<uint16_t> port{0};

  template <typename Fn>
  void update(Fn &&fn) {
    {
      std::lock_guard<std::mutex> lock(mu);
      fn(counters);
    }
    cv.notify_all();
  }

  static void on_request(evhttp_request *req, void *arg);
  static void on_close(evhttp_connection *conn, void *arg);
  static void on_timer(evutil_socket_t, short, void *arg);
  static void on_wake(evutil_socket_t, short, void *arg);
  static void on_client_readable(evutil_socket_t fd, short, void *arg);
  static void release(Pending *p);  // frees its events and itself
  void advance(Pending *p);
  void arm(Pending *p, int ms);
  void add_headers(Pending *p, const HttpBehaviour &b);
  void forget(Pending *p);  // out of conns, timer freed, deleted
  void teardown();
};

void TestHttpServer::Impl::on_request(evhttp_request *req, void *arg) {
  auto *impl = static_cast<Impl *>(arg);
  evhttp_connection *conn = evhttp_request_get_connection(req);
  auto slot = impl->conns.try_emplace(conn);
  if (slot.second) {
    evhttp_connection_set_closecb(conn, &Impl::on_close, impl);
    impl->update([](HttpServerCounters &c) { ++c.connections_opened; });
  }

  auto *p = new Pending;
  p->impl = impl;
  p->req = req;
  p->conn = conn;
  SeenRequest &s = p->seen;
  s.method = method_name(evhttp_request_get_command(req));
  s.uri = evhttp_request_get_uri(req);
  const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
  s.path = path && *path ? path : "/";
  evkeyvalq *in = evhttp_request_get_input_headers(req);
  for (evkeyval *kv = in->tqh_first; kv; kv = kv->next.tqe_next) s.headers.emplace_back(kv->key, kv->value);
  evbuffer *body = evhttp_request_get_input_buffer(req);
  s.body.resize(evbuffer_get_length(body));
  if (!s.body.empty()) evbuffer_copyout(body, &s.body[0], s.body.size());

  {
    std::lock_guard<std::mutex> lock(impl->mu);
    auto it = impl->behaviours.find(s.path);
    p->behaviour = it != impl->behaviours.end() ? it->second : impl->fallback;
    if (impl->seen.size() < kMaxSeenRequests) impl->seen.push_back(s);
    ++impl->counters.requests;
  }
  impl->cv.notify_all();

  slot.first->second.push_back(p);
  const HttpBehaviour &b = *p->behaviour;
  bool immediate = b.delay_ms == 0 && (b.kind == HttpBehaviour::Kind::kFixed || b.kind == HttpBehaviour::Kind::kEcho);
  if (!immediate) {
    // evhttp stops reading a connection while its request is being
    // answered, so it would not notice the client leaving until a write
    // fails (never, for a hang). Watch for the EOF ourselves.
    evutil_socket_t fd = bufferevent_getfd(evhttp_connection_get_bufferevent(conn));
    p->watch = event_new(impl->base, fd, EV_READ | EV_PERSIST, &Impl::on_client_readable, p);
    if (p->watch) event_add(p->watch, nullptr);
  }
  if (b.delay_ms > 0) impl->arm(p, b.delay_ms);
  else impl->advance(p);
}

void TestHttpServer::Impl::on_client_readable(evutil_socket_t fd, short, void *arg) {
  auto *p = static_cast<Pending *>(arg);
  char c;
  ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n > 0) {
    // The client sent more (a pipelined request): evhttp reads it later;
    // stop watching rather than spin on a readable socket.
    event_free(p->watch);
    p->watch = nullptr;
    return;
  }
  // EOF or reset: the client went away. Freeing the connection runs
  // on_close, which accounts for (and frees) p and this event.
  evhttp_connection_free(p->conn);
}

void TestHttpServer::Impl::release(Pending *p) {
  if (p->timer) event_free(p->timer);  // fine from inside their own callbacks
  if (p->watch) event_free(p->watch);
  delete p;
}

void TestHttpServer::Impl::add_headers(Pending *p, const HttpBehaviour &b) {
  evkeyvalq *out = evhttp_request_get_output_headers(p->req);
  for (const auto &h : b.headers) evhttp_add_header(out, h.first.c_str(), h.second.c_str());
  if (b.kind == HttpBehaviour::Kind::kEcho) {
    evhttp_add_header(out, "X-Echo-Method", p->seen.method.c_str());
    evhttp_add_header(out, "X-Echo-Uri", p->seen.uri.c_str());
    if (const std::string *ct = p->seen.header("Content-Type")) evhttp_add_header(out, "Content-Type", ct->c_str());
  }
}

void TestHttpServer::Impl::advance(Pending *p) {
  const HttpBehaviour &b = *p->behaviour;
  switch (b.kind) {
    case HttpBehaviour::Kind::kHang:
      return;  // until on_close
    case HttpBehaviour::Kind::kFixed:
    case HttpBehaviour::Kind::kEcho: {
      add_headers(p, b);
      const std::string &text = b.kind == HttpBehaviour::Kind::kEcho ? p->seen.body : b.body;
      evbuffer *buf = evbuffer_new();
      evbuffer_add(buf, text.data(), text.size());
      evhttp_request *req = p->req;
      int status = b.status;
      forget(p);  // evhttp owns the request from here on
      evhttp_send_reply(req, status, reason_phrase(status), buf);
      evbuffer_free(buf);
      update([](HttpServerCounters &c) { ++c.responses_finished; });
      return;
    }
    case HttpBehaviour::Kind::kStream: {
      if (!p->started) {
        add_headers(p, b);
        evhttp_send_reply_start(p->req, b.status, reason_phrase(b.status));
        p->started = true;
      }
      if (p->next_chunk < b.chunks.size()) {
        const std::string &chunk = b.chunks[p->next_chunk++];
        if (!chunk.empty()) {  // an empty chunk would end the chunked body
          evbuffer *buf = evbuffer_new();
          evbuffer_add(buf, chunk.data(), chunk.size());
          evhttp_send_reply_chunk(p->req, buf);
          evbuffer_free(buf);
        }
      }
      if (p->next_chunk < b.chunks.size()) {
        arm(p, b.chunk_gap_ms);
      } else if (b.finish) {
        evhttp_request *req = p->req;
        forget(p);
        evhttp_send_reply_end(req);
        update([](HttpServerCounters &c) { ++c.responses_finished; });
      }
      return;
    }
  }
}

void TestHttpServer::Impl::arm(Pending *p, int ms) {
  if (!p->timer) p->timer = evtimer_new(base, &Impl::on_timer, p);
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  evtimer_add(p->timer, &tv);
}

void TestHttpServer::Impl::on_timer(evutil_socket_t, short, void *arg) {
  auto *p = static_cast<Pending *>(arg);
  p->impl->advance(p);
}

void TestHttpServer::Impl::forget(Pending *p) {
  auto it = conns.find(p->conn);
  if (it != conns.end()) {
    auto &v = it->second;
    for (size_t i = 0; i < v.size(); ++i)
      if (v[i] == p) {
        v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
  }
  release(p);
}

void TestHttpServer::Impl::on_close(evhttp_connection *conn, void *arg) {
  auto *impl = static_cast<Impl *>(arg);
  auto it = impl->conns.find(conn);
  if (it == impl->conns.end()) return;
  std::vector<Pending *> unfinished = std::move(it->second);
  impl->conns.erase(it);
  for (Pending *p : unfinished) {
    // When the client went away mid-request, evhttp detaches the request
    // from the connection and leaves it to us; otherwise it frees it itself.
    if (evhttp_request_get_connection(p->req) == nullptr) evhttp_request_free(p->req);
    release(p);
  }
  impl->update([&](HttpServerCounters &c) {
    ++c.connections_closed;
    c.requests_abandoned += unfinished.size();
  });
}

void TestHttpServer::Impl::on_wake(evutil_socket_t fd, short, void *arg) {
  auto *impl = static_cast<Impl *>(arg);
  uint64_t n;
  (void)!read(fd, &n, sizeof n);
  impl->teardown();
  event_base_loopbreak(impl->base);
}

// Server thread (or after it was joined): closes every connection (their
// close callbacks run) and the listener.
void TestHttpServer::Impl::teardown() {
  if (http) evhttp_free(http);
  http = nullptr;
  for (auto &entry : conns) {  // connections evhttp_free closed without telling
    for (Pending *p : entry.second) release(p);
  }
  conns.clear();
}

TestHttpServer::TestHttpServer() : impl_(new Impl) {}

TestHttpServer::~TestHttpServer() { stop(); }

bool TestHttpServer::start(std::string *err) {
  Impl &m = *impl_;
  std::lock_guard<std::mutex> lock(m.lifecycle_mu);
  auto fail = [&](const char *what) {
    if (err) *err = std::string("test http server: ") + what + (errno ? std::string(": ") + strerror(errno) : "");
    m.teardown();
    if (m.wake_ev) event_free(m.wake_ev);
    m.wake_ev = nullptr;
    if (m.wake_fd >= 0) close(m.wake_fd);
    m.wake_fd = -1;
    if (m.base) event_base_free(m.base);
    m.base = nullptr;
    return false;
  };
  if (m.base) {
    if (err) *err = "test http server: already started";
    return false;
  }
  errno = 0;
  m.base = event_base_new();
  if (!m.base) return fail("event_base_new");
  m.http = evhttp_new(m.base);
  if (!m.http) return fail("evhttp_new");
  evhttp_set_allowed_methods(m.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
                                         EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
  evhttp_set_gencb(m.http, &Impl::on_request, &m);

  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = 0;
  // Our own listener for its backlog: a thousand clients connecting at
  // once must not wait for SYN retries.
  evconnlistener *listener =
      evconnlistener_new_bind(m.base, nullptr, nullptr, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
                              1024, reinterpret_cast<sockaddr *>(&sin), sizeof sin);
  if (!listener) return fail("bind 127.0.0.1:0");
  if (!evhttp_bind_listener(m.http, listener)) {
    evconnlistener_free(listener);
    return fail("evhttp_bind_listener");
  }
  socklen_t len = sizeof sin;
  if (getsockname(evconnlistener_get_fd(listener), reinterpret_cast<sockaddr *>(&sin), &len) != 0)
    return fail("getsockname");
  m.port = ntohs(sin.sin_port);

  m.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (m.wake_fd < 0) return fail("eventfd");
  m.wake_ev = event_new(m.base, m.wake_fd, EV_READ, &Impl::on_wake, &m);
  if (!m.wake_ev || event_add(m.wake_ev, nullptr) != 0) return fail("event_new");
  m.thread = std::thread([&m] { event_base_dispatch(m.base); });
  return true;
}

void TestHttpServer::stop() {
  Impl &m = *impl_;
  std::lock_guard<std::mutex> lock(m.lifecycle_mu);
  if (!m.thread.joinable()) return;
  uint64_t one = 1;
  (void)!write(m.wake_fd, &one, sizeof one);
  m.thread.join();
  m.teardown();  // no-op unless the loop ended some other way
  event_free(m.wake_ev);
  m.wake_ev = nullptr;
  close(m.wake_fd);
  m.wake_fd = -1;
  event_base_free(m.base);
  m.base = nullptr;
}

uint16_t TestHttpServer::port() const { return impl_->port; }

std::string TestHttpServer::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
}

void TestHttpServer::set(const std::string &path, HttpBehaviour behaviour) {
  auto b = std::make_shared<const HttpBehaviour>(std::move(behaviour));
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->behaviours[path] = std::move(b);
}

void TestHttpServer::set_default(HttpBehaviour behaviour) {
  auto b = std::make_shared<const HttpBehaviour>(std::move(behaviour));
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->fallback = std::move(b);
}

HttpServerCounters TestHttpServer::counters() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->counters;
}

std::vector<SeenRequest> TestHttpServer::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->seen;
}

bool TestHttpServer::wait_until(const std::function<bool(const HttpServerCounters &)> &pred,
                                std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return pred(impl_->counters); });
}

bool TestHttpServer::wait_for(uint64_t HttpServerCounters::*counter, uint64_t at_least,
                              std::chrono::milliseconds timeout) const {
  return wait_until([&](const HttpServerCounters &c) { return c.*counter >= at_least; }, timeout);
}

}  // namespace toolorch::test
