// The loopback test server itself (tests/support/test_http_server.h), seen
// through raw sockets so that it is checked independently of http::Client:
// each behaviour, the counters, and their use from several threads.
// cmocka 1.1 declares its C functions without extern "C".
extern "C" {
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
}

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <algorithm>
#include <thread>

#include "test_http_server.h"

using namespace toolorch::test;
using namespace std::chrono_literals;

namespace {

// A blocking client socket; the receive timeout is only a guard.
struct RawClient {
  int fd = -1;
  explicit RawClient(uint16_t port) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    timeval guard{30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &guard, sizeof guard);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = htons(port);
    if (connect(fd, reinterpret_cast<sockaddr *>(&sin), sizeof sin) != 0) fail_msg("connect failed");
  }
  ~RawClient() { close_now(); }
  void close_now() {
    if (fd >= 0) close(fd);
    fd = -1;
  }
  void send_text(const std::string &text) {
    if (::send(fd, text.data(), text.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(text.size())) fail_msg("send failed");
  }
  // Reads until `needle` shows up, the peer closes, or the guard passes.
  std::string read_until(const std::string &needle) {
    std::string got;
    char buf[4096];
    while (got.find(needle) == std::string::npos) {
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }
  std::string read_all() { return read_until(std::string(1, '\0') + "never"); }
  // One response on a kept-alive connection: headers, then Content-Length bytes.
  std::string read_response() {
    std::string got = read_until("\r\n\r\n");
    size_t end = got.find("\r\n\r\n");
    if (end == std::string::npos) return got;
    size_t cl = got.find("Content-Length: ");
    size_t want = cl == std::string::npos ? 0 : std::stoul(got.substr(cl + 16));
    char buf[4096];
    while (got.size() < end + 4 + want) {
      ssize_t n = recv(fd, buf, std::min(sizeof buf, end + 4 + want - got.size()), 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }
};

std::string get(const std::string &path, const std::string &extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra + "\r\n";
}

void start_or_fail(TestHttpServer &server) {
  std::string err;
  if (!server.start(&err)) fail_msg("%s", err.c_str());
}

void fixed_response_and_request_log(void **) {
  TestHttpServer server;
  server.set("/f", HttpBehaviour::fixed(418, "teapot body").with_header("X-Kind", "tea"));
  start_or_fail(server);
  assert_true(server.port() != 0);
  RawClient c(server.port());
  c.send_text(get("/f?q=1", "X-Api-Key: k1\r\n"));
  std::string resp = c.read_all();
  assert_true(resp.rfind("HTTP/1.1 418", 0) == 0);
  assert_true(resp.find("X-Kind: tea\r\n") != std::string::npos);
  assert_true(resp.find("\r\n\r\nteapot body") != std::string::npos);
  auto seen = server.requests();
  assert_int_equal(seen.size(), 1);
  assert_string_equal(seen[0].method.c_str(), "GET");
  assert_string_equal(seen[0].path.c_str(), "/f");
  assert_string_equal(seen[0].uri.c_str(), "/f?q=1");
  assert_string_equal(seen[0].header("x-api-key")->c_str(), "k1");
  assert_true(server.wait_for(&HttpServerCounters::connections_closed, 1, 30s));
  auto n = server.counters();
  assert_int_equal(n.connections_opened, 1);
  assert_int_equal(n.requests, 1);
  assert_int_equal(n.responses_finished, 1);
  assert_int_equal(n.requests_abandoned, 0);
}

void unknown_path_is_404_unless_a_default_is_set(void **) {
  TestHttpServer server;
  start_or_fail(server);
  {
    RawClient c(server.port());
    c.send_text(get("/nope"));
    assert_true(c.read_all().rfind("HTTP/1.1 404", 0) == 0);
  }
  server.set_default(HttpBehaviour::fixed(200, "anything"));
  RawClient c(server.port());
  c.send_text(get("/nope"));
  assert_true(c.read_all().find("anything") != std::string::npos);
}

void echo_returns_the_body(void **) {
  TestHttpServer server;
  server.set("/e", HttpBehaviour::echo());
  start_or_fail(server);
  RawClient c(server.port());
  c.send_text("POST /e HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
  std::string resp = c.read_all();
  assert_true(resp.find("X-Echo-Method: POST") != std::string::npos);
  assert_true(resp.find("Content-Type: text/plain") != std::string::npos);
  assert_true(resp.find("\r\n\r\nhello") != std::string::npos);
  assert_string_equal(server.requests().at(0).body.c_str(), "hello");
}

void stream_sends_chunks_in_order(void **) {
  TestHttpServer server;
  server.set("/s", HttpBehaviour::stream({"alpha", "beta", "gamma"}, 5));
  start_or_fail(server);
  RawClient c(server.port());
  c.send_text(get("/s"));
  std::string resp = c.read_all();
  assert_true(resp.find("Transfer-Encoding: chunked") != std::string::npos);
  size_t a = resp.find("alpha"), b = resp.find("beta"), g = resp.find("gamma");
  assert_true(a != std::string::npos && b != std::string::npos && g != std::string::npos);
  assert_true(a < b && b < g);
  assert_true(resp.find("\r\n0\r\n\r\n") != std::string::npos);  // the chunked body ended
  assert_int_equal(server.counters().responses_finished, 1);
}

void delay_then_answer(void **) {
  TestHttpServer server;
  server.set("/slow", HttpBehaviour::fixed(200, "late").with_delay(50));
  start_or_fail(server);
  RawClient c(server.port());
  c.send_text(get("/slow"));
  assert_true(c.read_all().find("late") != std::string::npos);
}

void hang_until_the_client_goes_away(void **) {
  TestHttpServer server;
  server.set("/hang", HttpBehaviour::hang());
  start_or_fail(server);
  RawClient c(server.port());
  c.send_text(get("/hang"));
  assert_true(server.wait_for(&HttpServerCounters::requests, 1, 30s));
  // Nothing is answered while the client stays.
  assert_false(server.wait_for(&HttpServerCounters::responses_finished, 1, 50ms));
  assert_int_equal(server.counters().connections_closed, 0);
  c.close_now();
  assert_true(server.wait_for(&HttpServerCounters::requests_abandoned, 1, 30s));
  assert_int_equal(server.counters().connections_closed, 1);
}

void unfinished_stream_and_delayed_answer_abandoned(void **) {
  TestHttpServer server;
  server.set("/open", HttpBehaviour::stream({"first"}, 0).unfinished());
  server.set("/slow", HttpBehaviour::fixed(200, "late").with_delay(60000));
  start_or_fail(server);
  RawClient open(server.port()), slow(server.port());
  open.send_text(get("/open"));
  slow.send_text(get("/slow"));
  assert_true(open.read_until("first").find("first") != std::string::npos);
  assert_true(server.wait_for(&HttpServerCounters::requests, 2, 30s));
  open.close_now();
  slow.close_now();
  assert_true(server.wait_for(&HttpServerCounters::requests_abandoned, 2, 30s));
  assert_true(server.wait_for(&HttpServerCounters::connections_closed, 2, 30s));
  assert_int_equal(server.counters().responses_finished, 0);
}

// Clients on several threads, behaviours changed meanwhile from another,
// a third thread waiting on the counters: all counts add up. Each client
// keeps one connection alive: no socket numbers are recycled between the
// threads while the server runs (TSan would see the recycling as a race).
void counters_across_threads(void **) {
  TestHttpServer server;
  server.set("/a", HttpBehaviour::fixed(200, "a"));
  // Before any client starts: a request for /b that came before the
  // setter's first change got a 404 and was not counted as answered.
  server.set("/b", HttpBehaviour::fixed(200, "b"));
  start_or_fail(server);
  constexpr int kThreads = 4, kEach = 25;
  std::atomic<int> answered{0};
  std::atomic<bool> waiter_saw{false};
  std::thread waiter([&] {
    waiter_saw = server.wait_for(&HttpServerCounters::requests, kThreads * kEach, 60s);
  });
  std::atomic<bool> stop_setter{false};
  std::thread setter([&] {
    // A short pause between changes, so the setter does not monopolise the
    // server's lock on a 2-core machine.
    for (int i = 0; !stop_setter; ++i) {
      server.set("/b", HttpBehaviour::fixed(200, "b" + std::to_string(i % 10)));
      std::this_thread::sleep_for(100us);
    }
  });
  std::vector<std::thread> clients;
  for (int t = 0; t < kThreads; ++t) {
    clients.emplace_back([&] {
      RawClient c(server.port());
      for (int i = 0; i < kEach; ++i) {
        c.send_text("GET " + std::string(i % 2 ? "/a" : "/b") + " HTTP/1.1\r\nHost: x\r\n\r\n");
        std::string resp = c.read_response();
        bool has_body = resp.find("\r\n\r\n") + 4 < resp.size();
        if (resp.rfind("HTTP/1.1 200", 0) == 0 && has_body) ++answered;
      }
      // Closed only when every thread is done (see above), or at the guard.
      auto guard = std::chrono::steady_clock::now() + 60s;
      while (answered < kThreads * kEach && std::chrono::steady_clock::now() < guard)
        std::this_thread::sleep_for(1ms);
    });
  }
  for (auto &c : clients) c.join();
  stop_setter = true;
  setter.join();
  waiter.join();
  assert_true(waiter_saw);
  assert_int_equal(answered.load(), kThreads * kEach);
  assert_true(server.wait_for(&HttpServerCounters::connections_closed, kThreads, 30s));
  auto n = server.counters();
  assert_int_equal(n.requests, kThreads * kEach);
  assert_int_equal(n.connections_opened, kThreads);
  assert_int_equal(n.responses_finished, kThreads * kEach);
}

void stop_is_idempotent_and_start_twice_fails(void **) {
  TestHttpServer server;
  start_or_fail(server);
  std::string err;
  assert_false(server.start(&err));
  assert_false(err.empty());
  server.stop();
  server.stop();
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(fixed_response_and_request_log),
      cmocka_unit_test(unknown_path_is_404_unless_a_default_is_set),
      cmocka_unit_test(echo_returns_the_body),
      cmocka_unit_test(stream_sends_chunks_in_order),
      cmocka_unit_test(delay_then_answer),
      cmocka_unit_test(hang_until_the_client_goes_away),
      cmocka_unit_test(unfinished_stream_and_delayed_answer_abandoned),
      cmocka_unit_test(counters_across_threads),
      cmocka_unit_test(stop_is_idempotent_and_start_twice_fails),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
