// http::Client against the loopback test server: requests, responses,
// headers, streaming, and the transport failures.
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

#include <stdexcept>

#include "http/http_client.h"
#include "http/transfer.h"
#include "http_recorder.h"
#include "http_fixture.h"
#include "http_test_loop.h"
#include "test_http_server.h"
#include "toolorch/status.h"

using toolorch::http::Client;
using toolorch::http::Request;
using namespace toolorch::test;

namespace {

using Fixture = HttpFixture;

void get_with_echo(void **) {
  Fixture f;
  f.server.set("/echo", HttpBehaviour::echo());
  Recorder rec;
  Request req = get_request(f.server.url("/echo?x=1"));
  req.headers.push_back("X-Test: hello");
  f.client->start(req, rec.callbacks());
  assert_true(f.loop.run_until([&] { return rec.done_calls == 1; }));
  assert_int_equal(rec.result.status, TOOLORCH_OK);
  assert_int_equal(rec.result.http_status, 200);
  assert_string_equal(rec.result.body.c_str(), "");
  const std::string *method = toolorch::http::find_header(rec.result.headers, "x-echo-method");
  assert_non_null(method);
  assert_string_equal(method->c_str(), "GET");
  auto seen = f.server.requests();
  assert_int_equal(seen.size(), 1);
  assert_string_equal(seen[0].uri.c_str(), "/echo?x=1");
  assert_non_null(seen[0].header("x-test"));
  assert_string_equal(seen[0].header("x-test")->c_str(), "hello");
  assert_int_equal(f.client->stats().completed, 1);
  assert_int_equal(f.client->stats().active, 0);
}

void post_with_echo(void **) {
  Fixture f;
  f.server.set("/echo", HttpBehaviour::echo());
  Recorder rec;
  Request req;
  req.url = f.server.url("/echo");
  req.headers.push_back("Content-Type: application/json");
  // Over 1 KiB: a POST that would wait for "100 Continue" if we let it.
  req.body = "{\"k\":\"" + std::string(4000, 'v') + "\"}";
  f.client->start(req, rec.callbacks());
  assert_true(f.loop.run_until([&] { return rec.done_calls == 1; }));
  assert_int_equal(rec.result.status, TOOLORCH_OK);
  assert_int_equal(rec.result.http_status, 200);
  assert_true(rec.result.body == req.body);
  const std::string *ct = toolorch::http::find_header(rec.result.headers, "Content-Type");
  assert_non_null(ct);
  assert_string_equal(ct->c_str(), "application/json");
  assert_string_equal(f.server.requests().at(0).method.c_str(), "POST");
}

void other_methods(void **) {
  Fixture f;
  f.server.set("/echo", HttpBehaviour::echo());
  for (const char *method : {"PUT", "DELETE", "PATCH"}) {
    Recorder rec;
    Request req;
    req.method = method;
    req.url = f.server.url("/echo");
    req.body = std::string(method) == "DELETE" ? "" : "payload";
    f.client->start(req, rec.callbacks());
    assert_true(f.loop.run_until([&] { return rec.done_calls == 1; }));
    assert_int_equal(rec.result.status, TOOLORCH_OK);
    assert_string_equal(toolorch::http::find_header(rec.result.headers, "X-Echo-Method")->c_str(), method);
    assert_true(rec.result.body == req.body);
  }
}

void headers_received_before_body(void **) {
  Fixture f;
  f.server.set("/h", HttpBehaviour::fixed(201, "made").with_header("X-One", "1").with_header("X-Two", "two words"));
  Recorder rec;
  f.client->start(get_request(f.server.url("/h")), rec.callbacks(/*stream=*/true));
  assert_true(f.loop.run_until([&] { return rec.done_calls == 1; }));
  assert_int_equal(rec.headers_calls, 1);
  assert_int_equal(rec.data_before_headers, 0);
  assert_int_equal(rec.http_status, 201);
  assert_int_equal(rec.result.http_status, 201);
  const std::string *two = toolorch::http::find_header(rec.headers, "x-TWO");
  assert_non_null(two);
  assert_string_equal(two->c_str(), "two words");
  assert_null(toolorch::http::find_header(rec.headers, "X-Three"));
  // Streamed: the body went to on_data, not into the result.
  assert_string_equal(rec.streamed().c_str(), "made");
  assert_true(rec.result.body.empty());
}

void http_error_status_is_a_transport_success(void **) {
  Fixture f;
  Recorder rec;  // unset path: the server answers 404
  f.client->start(get_request(f.server.url("/nowhere")), rec.callbacks());
  assert_true(f.loop.run_until([&] { return rec.done_calls == 1; }));
  assert_int_equal(rec.result.status, TOOLORCH_OK);
  assert_int_equal(rec.result.http_status, 404);
  assert_string_equal(rec.result.body.c_str(), "not found");
}

void streamed_response_in_order_and_whole(void **) {
  Fixture f;
  f.server.set("/stream", HttpBehaviour::stream(20, 5));
  Recorder rec;
  f.client->start(get_request(f.server.url("/stream")), rec.callbacks(/*stream=*/true));
  assert_true(f.loop.run_until([&] { return rec.done_calls == 1; }));
  assert_int_equal(rec.result.status, TOOLORCH_OK);
  std::string expected;
  for (int i = 0; i < 20; ++i) expected += "chunk " + std::to_string(i) + "\n";
  assert_string_equal(rec.streamed().c_str(), expected.c_str());
  // With gaps between the chunks they cannot all come in one read.
  assert_true(rec.data_calls > 1);
  assert_int_equal(rec.headers_calls, 1);
  assert_int_equal(rec.data_before_headers, 0);
}

void collected_stream_is_whole(void **) {
  Fixture f;
  f.server.set("/stream", HttpBehaviour::stream(10, 2));
  Recorder rec;
  f.client->start(get_request(f.server.url("/stream")), rec.callbacks());
  assert_true(f.loop.run_until([&] { return rec.done_calls == 1; }));
  std::string expected;
  for (int i = 0; i < 10; ++i) expected += "chunk " + std::to_string(i) + "\n";
  assert_string_equal(rec.result.body.c_str(), expected.c_str());
}

// A port where nothing listens: bound but not listening refuses at once.
struct RefusingPort {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  uint16_t port = 0;
  RefusingPort() {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sin;
    if (bind(fd, reinterpret_cast<sockaddr *>(&sin), sizeof sin) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr *>(&sin), &len) != 0)
      fail_msg("could not bind a loopback port");
    port = ntohs(sin.sin_port);
  }
  ~RefusingPort() { close(fd); }
};

void connection_refused(void **) {
  Fixture f;
  RefusingPort closed;
  Recorder rec;
  Request req = get_request("http://127.0.0.1:" + std::to_string(closed.port) + "/x");
  req.headers.push_back("Authorization: Bearer sk-secret-key-123456");
  f.client->start(req, rec.callbacks(true));
  assert_true(f.loop.run_until([&] { return rec.done_calls == 1; }));
  assert_int_equal(rec.result.status, TOOLORCH_EHTTP);
  assert_int_equal(rec.result.http_status, 0);
  assert_int_equal(rec.headers_calls + rec.data_calls, 0);
  assert_false(rec.result.error.empty());
  assert_true(rec.result.error.find("sk-secret") == std::string::npos);
  assert_int_equal(f.client->stats().failed, 1);
}

void transfer_timeout(void **) {
  Fixture f;
  f.server.set("/hang", HttpBehaviour::hang());
  Recorder rec;
  Request req = get_request(f.server.url("/hang"));
  req.timeout_ms = 200;
  f.client->start(req, rec.callbacks());
  assert_true(f.loop.run_until([&] { return rec.done_calls == 1; }));
  assert_int_equal(rec.result.status, TOOLORCH_ETIMEDOUT);
  assert_false(rec.result.error.empty());
  // The timed-out connection is closed, not pooled: the server sees it go.
  assert_true(f.loop.run_until([&] { return f.server.counters().requests_abandoned == 1; }));
}

void invalid_requests_fail_through_on_done(void **) {
  Fixture f;
  Recorder bad_header, bad_method;
  Request req = get_request(f.server.url("/x"));
  req.headers.push_back("X-Key: sk-injected\r\nX-Evil: 1");
  f.client->start(req, bad_header.callbacks());
  Request req2 = get_request(f.server.url("/x"));
  req2.method = "GET /x HTTP/1.1\r\n";
  f.client->start(req2, bad_method.callbacks());
  // Never synchronously from start().
  assert_int_equal(bad_header.done_calls + bad_method.done_calls, 0);
  assert_true(f.loop.run_until([&] { return bad_header.done_calls == 1 && bad_method.done_calls == 1; }));
  assert_int_equal(bad_header.result.status, TOOLORCH_EHTTP);
  assert_int_equal(bad_method.result.status, TOOLORCH_EHTTP);
  assert_true(bad_header.result.error.find("sk-injected") == std::string::npos);
  assert_int_equal(f.server.counters().requests, 0);
}

void max_response_bytes(void **) {
  Fixture f;
  f.server.set("/big", HttpBehaviour::fixed(200, std::string(100000, 'b')));
  Recorder rec;
  Request req = get_request(f.server.url("/big"));
  req.max_response_bytes = 1000;
  f.client->start(req, rec.callbacks());
  assert_true(f.loop.run_until([&] { return rec.done_calls == 1; }));
  assert_int_equal(rec.result.status, TOOLORCH_ETOOBIG);
  assert_true(rec.result.body.size() <= 1000);
}

// An exception must not unwind through libcurl: the transfer fails instead.
void throwing_callback_fails_the_transfer(void **) {
  Fixture f;
  f.server.set("/stream", HttpBehaviour::stream(50, 5));
  Recorder rec;
  toolorch::http::Callbacks cb = rec.callbacks(true);
  auto record = cb.on_data;
  cb.on_data = [record](std::string_view chunk) {
    record(chunk);
    throw std::runtime_error("user bug");
  };
  f.client->start(get_request(f.server.url("/stream")), std::move(cb));
  assert_true(f.loop.run_until([&] { return rec.done_calls == 1; }));
  assert_int_equal(rec.data_calls, 1);
  assert_int_equal(rec.result.status, TOOLORCH_EHTTP);
  assert_true(rec.result.error.find("threw") != std::string::npos);
}

void scrub_keeps_keys_out_of_errors(void **) {
  // The error path's last line of defence, checked directly.
  std::string text = "failed: Bearer sk-abcdefgh123 rejected, token sk-abcdefgh123";
  std::string out = toolorch::http::scrub_header_values(text, {"Authorization: Bearer sk-abcdefgh123", "X-N: 1"});
  assert_true(out.find("sk-abcdefgh123") == std::string::npos);
  assert_true(out.find("failed:") != std::string::npos);
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(get_with_echo),
      cmocka_unit_test(post_with_echo),
      cmocka_unit_test(other_methods),
      cmocka_unit_test(headers_received_before_body),
      cmocka_unit_test(http_error_status_is_a_transport_success),
      cmocka_unit_test(streamed_response_in_order_and_whole),
      cmocka_unit_test(collected_stream_is_whole),
      cmocka_unit_test(connection_refused),
      cmocka_unit_test(transfer_timeout),
      cmocka_unit_test(invalid_requests_fail_through_on_done),
      cmocka_unit_test(max_response_bytes),
      cmocka_unit_test(throwing_callback_fails_the_transfer),
      cmocka_unit_test(scrub_keeps_keys_out_of_errors),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
