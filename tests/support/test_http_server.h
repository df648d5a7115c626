// A loopback HTTP/1.1 server for tests (libevent evhttp on a thread of its
// own, with its own event_base), answering each path as the test configured
// it: a fixed response, an echo, a streamed (chunked) response, or one that
// never ends. It counts connections and requests so that a test can check
// what the server saw, e.g. that a cancelled transfer closed its connection.
//
// Thread safety: every public method may be called from any thread, while
// the server runs. Behaviours may change at any time; a request uses the
// behaviour its path had when the request arrived.
//
//   TestHttpServer server;
//   server.set("/hello", HttpBehaviour::fixed(200, "hi").with_header("X-A", "1"));
//   server.set("/sse", HttpBehaviour::stream(5, /*gap_ms=*/20));
//   if (!server.start(&err)) ...;
//   fetch(server.url("/hello"));
//   server.wait_for(&HttpServerCounters::connections_closed, 1, std::chrono::seconds(10));
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace toolorch::test {

struct HttpBehaviour {
  enum class Kind {
    kFixed,   // status, headers, body
    kEcho,    // 200 with the request body; X-Echo-Method and X-Echo-Uri headers
    kStream,  // status and headers at once, then `chunks` one by one (chunked encoding)
    kHang,    // no answer at all until the client goes away
  };
  Kind kind = Kind::kFixed;
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // added to the response
  std::string body;                 // kFixed
  std::vector<std::string> chunks;  // kStream, in order
  int chunk_gap_ms = 0;             // kStream: pause between two chunks
  bool finish = true;               // kStream: false leaves the response open after the last chunk
  int delay_ms = 0;                 // every kind: wait this long before answering

  static HttpBehaviour fixed(int status, std::string body);
  static HttpBehaviour echo();
  // n chunks "chunk 0\n", "chunk 1\n", ... with gap_ms between them.
  static HttpBehaviour stream(int n, int gap_ms);
  static HttpBehaviour stream(std::vector<std::string> chunks, int gap_ms);
  static HttpBehaviour hang();
  // Builders, for one-line set-ups.
  HttpBehaviour &with_header(std::string name, std::string value);
  HttpBehaviour &with_delay(int ms);
  HttpBehaviour &unfinished();  // kStream: never end the response
};

struct HttpServerCounters {
  // A connection counts as opened when its first request arrives (evhttp
  // tells nothing earlier), and as closed when evhttp drops it, whichever
  // side closed it. So a connection that never sent a request is not seen.
  uint64_t connections_opened = 0;
  uint64_t connections_closed = 0;
  uint64_t requests = 0;            // requests received, body complete
  uint64_t responses_finished = 0;  // responses handed whole to evhttp
  uint64_t requests_abandoned = 0;  // connection closed before the response was finished
};

struct SeenRequest {
  std::string method;  // "GET", "POST", ...
  std::string uri;     // as sent: path and query
  std::string path;    // without the query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // A header's value (case-insensitive name), or nullptr.
  const std::string *header(std::string_view name) const;
};

class TestHttpServer {
 public:
  TestHttpServer();
  ~TestHttpServer();  // stops
  TestHttpServer(const TestHttpServer &) = delete;
  TestHttpServer &operator=(const TestHttpServer &) = delete;

  // Binds 127.0.0.1 on a free port and starts the server thread.
  bool start(std::string *err = nullptr);
  // Closes every connection and joins the thread. Idempotent.
  void stop();

  uint16_t port() const;
  // "http://127.0.0.1:<port>" + path
  std::string url(std::string_view path) const;

  // How to answer `path` (the part before '?'). Unset paths get the default
  // behaviour: 404 "not found" unless set_default changed it.
  void set(const std::string &path, HttpBehaviour behaviour);
  void set_default(HttpBehaviour behaviour);

  HttpServerCounters counters() const;
  // Every request received so far (the first 10,000), oldest first.
  std::vector<SeenRequest> requests() const;

  // Blocks until pred(counters) holds or the timeout passes; true if it holds.
  bool wait_until(const std::function<bool(const HttpServerCounters &)> &pred,
                  std::chrono::milliseconds timeout) const;
  // E.g. wait_for(&HttpServerCounters::connections_closed, 1, 10s).
  bool wait_for(uint64_t HttpServerCounters::*counter, uint64_t at_least,
                std::chrono::milliseconds timeout) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace toolorch::test
