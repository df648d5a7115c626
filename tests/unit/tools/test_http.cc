// HTTP tools (toolorch_tool_set_http) against the loopback TestHttpServer:
// results, failures, headers, retries, and that a timeout or a cancel
// closes the connection the server sees.
#include "test_http_server.h"
#include "tools_test_util.h"

using namespace tools_test;
using toolorch::test::HttpBehaviour;
using toolorch::test::HttpServerCounters;
using toolorch::test::TestHttpServer;

namespace {

constexpr auto kWait = std::chrono::seconds(20);

void start(TestHttpServer &srv) {
  std::string err;
  if (!srv.start(&err)) fail_msg("server: %s", err.c_str());
}

void result_is_the_body(void **) {
  TestHttpServer srv;
  srv.set("/echo", HttpBehaviour::echo());
  start(srv);
  toolorch_ctx *ctx = new_ctx();
  add_http_tool(ctx, "echo", srv.url("/echo"), {"X-Api-Key: s3cret"});

  Result r = run_one(ctx, "echo", "{\"q\":\"parallel tools\",\"n\":1}");
  assert_int_equal(r.state, TOOLORCH_CALL_SUCCEEDED);
  assert_string_equal(r.text.c_str(), "{\"q\":\"parallel tools\",\"n\":1}");

  std::vector<toolorch::test::SeenRequest> seen = srv.requests();
  assert_int_equal(seen.size(), 1);
  assert_string_equal(seen[0].method.c_str(), "POST");
  assert_string_equal(seen[0].body.c_str(), "{\"q\":\"parallel tools\",\"n\":1}");
  assert_non_null(seen[0].header("Content-Type"));
  assert_string_equal(seen[0].header("Content-Type")->c_str(), "application/json");
  assert_non_null(seen[0].header("X-Api-Key"));
  assert_string_equal(seen[0].header("X-Api-Key")->c_str(), "s3cret");
  toolorch_free(ctx);
}

void non_2xx_fails_with_the_code(void **) {
  TestHttpServer srv;
  srv.set("/teapot", HttpBehaviour::fixed(418, std::string(2000, 't')));
  start(srv);
  toolorch_ctx *ctx = new_ctx();
  add_http_tool(ctx, "missing", srv.url("/nowhere"));
  add_http_tool(ctx, "teapot", srv.url("/teapot"));

  Result r = run_one(ctx, "missing", "{}");
  assert_int_equal(r.state, TOOLORCH_CALL_FAILED);
  assert_int_equal(r.status, TOOLORCH_ETOOL);
  assert_string_equal(r.text.c_str(), "HTTP 404: not found");

  // The body is cut at 500 bytes in the message.
  r = run_one(ctx, "teapot", "{}");
  assert_int_equal(r.state, TOOLORCH_CALL_FAILED);
  assert_string_equal(r.text.c_str(), ("HTTP 418: " + std::string(500, 't')).c_str());
  toolorch_free(ctx);
}

void transport_error_fails(void **) {
  std::string dead_url;
  {
    TestHttpServer gone;
    start(gone);
    dead_url = gone.url("/x");
  }  // stopped: its port now refuses connections
  toolorch_ctx *ctx = new_ctx();
  add_http_tool(ctx, "dead", dead_url);
  Result r = run_one(ctx, "dead", "{}");
  assert_int_equal(r.state, TOOLORCH_CALL_FAILED);
  assert_true(contains(r.text, "HTTP transfer failed"));
  toolorch_free(ctx);
}

void body_over_max_result_bytes_fails(void **) {
  TestHttpServer srv;
  srv.set("/big", HttpBehaviour::fixed(200, std::string(5000, 'x')));
  start(srv);
  toolorch_ctx *ctx = new_ctx({{"max_result_bytes", 1000}});
  add_http_tool(ctx, "big", srv.url("/big"));
  Result r = run_one(ctx, "big", "{}");
  assert_int_equal(r.state, TOOLORCH_CALL_FAILED);
  assert_true(contains(r.text, "exceeds max_result_bytes"));
  toolorch_free(ctx);
}

// max_result_policy "truncate": the first bytes and the marker, within the cap.
void body_over_max_result_bytes_truncated(void **) {
  TestHttpServer srv;
  std::string body;
  for (int i = 0; i < 500; ++i) body += "0123456789";
  srv.set("/big", HttpBehaviour::fixed(200, body));
  start(srv);
  toolorch_ctx *ctx = new_ctx_json("{\"max_result_bytes\": 1000, \"max_result_policy\": \"truncate\"}");
  add_http_tool(ctx, "big", srv.url("/big"));
  Result r = run_one(ctx, "big", "{}");
  assert_int_equal(r.state, TOOLORCH_CALL_SUCCEEDED);
  assert_true(r.text.size() <= 1000);
  size_t at = r.text.find("\n[toolorch: result truncated at max_result_bytes (1000)");
  assert_true(at != std::string::npos && at > 500);
  assert_true(body.compare(0, at, r.text, 0, at) == 0);
  assert_true(contains(r.text, "bytes of more than 1000 bytes kept]"));
  assert_int_equal(toolorch_stat(ctx, "results_truncated"), 1);
  toolorch_free(ctx);
}

// 5xx is retryable, 404 is not: the server counts the attempts.
void retries_5xx_not_404(void **) {
  TestHttpServer srv;
  srv.set("/busy", HttpBehaviour::fixed(503, "busy"));
  start(srv);
  toolorch_ctx *ctx = new_ctx();
  for (const char *name : {"busy", "gone"}) {
    toolorch_tool *t = toolorch_tool_new(name);
    assert_int_equal(toolorch_tool_set_http(t, srv.url(std::string("/") + name).c_str()), TOOLORCH_OK);
    assert_int_equal(toolorch_tool_set_retry(t, 2, TOOLORCH_BACKOFF_FIXED, 1, 1), TOOLORCH_OK);
    assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
    toolorch_tool_free(t);
  }
  Result r = run_one(ctx, "busy", "{}");
  assert_int_equal(r.state, TOOLORCH_CALL_FAILED);
  assert_string_equal(r.text.c_str(), "HTTP 503: busy");
  assert_int_equal(r.attempts, 3);
  assert_int_equal(srv.counters().requests, 3);

  r = run_one(ctx, "gone", "{}");
  assert_int_equal(r.state, TOOLORCH_CALL_FAILED);
  assert_int_equal(r.attempts, 1);
  assert_int_equal(srv.counters().requests, 4);
  toolorch_free(ctx);
}

void timeout_closes_the_connection(void **) {
  TestHttpServer srv;
  srv.set("/hang", HttpBehaviour::hang());
  start(srv);
  toolorch_ctx *ctx = new_ctx();
  add_http_tool(ctx, "slow", srv.url("/hang"), {}, /*timeout_ms=*/200);

  std::vector<Result> r = run_batch(ctx, "slow", {"{}"});
  assert_int_equal(r.size(), 1);  // one end, once
  assert_int_equal(r[0].state, TOOLORCH_CALL_TIMED_OUT);
  assert_int_equal(r[0].status, TOOLORCH_ETIMEDOUT);
  assert_true(srv.wait_for(&HttpServerCounters::connections_closed, 1, kWait));
  assert_int_equal(srv.counters().requests_abandoned, 1);
  assert_int_equal(toolorch_stat(ctx, "calls_timed_out"), 1);
  assert_int_equal(toolorch_stat(ctx, "late_completions"), 0);
  assert_queue_empty(ctx);
  toolorch_free(ctx);
}

// 20 transfers in flight, one batch cancel: 20 closes seen by the server,
// every call cancelled, nothing delivered afterwards.
void batch_cancel_closes_every_transfer(void **) {
  TestHttpServer srv;
  srv.set("/hang", HttpBehaviour::hang());
  start(srv);
  toolorch_ctx *ctx = new_ctx();
  add_http_tool(ctx, "slow", srv.url("/hang"));

  toolorch_batch *b = submit_batch(ctx, "slow", numbered_args(20));
  assert_true(srv.wait_for(&HttpServerCounters::requests, 20, kWait));
  assert_int_equal(toolorch_stat(ctx, "running"), 20);
  assert_int_equal(srv.counters().connections_closed, 0);

  assert_int_equal(toolorch_batch_cancel(b), TOOLORCH_OK);
  std::vector<Result> r = collect(ctx, b);
  assert_int_equal(r.size(), 20);
  for (const Result &x : r) assert_int_equal(x.state, TOOLORCH_CALL_CANCELLED);
  assert_true(srv.wait_for(&HttpServerCounters::connections_closed, 20, kWait));
  assert_int_equal(srv.counters().requests_abandoned, 20);
  assert_int_equal(srv.counters().responses_finished, 0);

  assert_queue_empty(ctx);
  assert_int_equal(toolorch_stat(ctx, "calls_cancelled"), 20);
  assert_int_equal(toolorch_stat(ctx, "late_completions"), 0);
  assert_int_equal(toolorch_stat(ctx, "running"), 0);
  toolorch_batch_free(b);
  toolorch_free(ctx);
}

// Freeing the context with transfers in flight releases them (ASan checks
// the leaks) and the server sees the connections go.
void free_with_transfers_in_flight(void **) {
  TestHttpServer srv;
  srv.set("/hang", HttpBehaviour::hang());
  start(srv);
  toolorch_ctx *ctx = new_ctx();
  add_http_tool(ctx, "slow", srv.url("/hang"));
  submit_batch(ctx, "slow", numbered_args(5));
  assert_true(srv.wait_for(&HttpServerCounters::requests, 5, kWait));
  toolorch_free(ctx);  // the batch goes with it
  assert_true(srv.wait_for(&HttpServerCounters::connections_closed, 5, kWait));
}

void bad_definitions_are_refused(void **) {
  toolorch_tool *t = toolorch_tool_new("t");
  assert_int_equal(toolorch_tool_set_http(t, "ftp://example.com/x"), TOOLORCH_EINVAL);
  assert_true(contains(toolorch_last_error(nullptr), "http://"));
  assert_int_equal(toolorch_tool_set_http(t, "http://127.0.0.1/a\r\nX: y"), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_tool_set_http(nullptr, "http://x"), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_tool_set_http(t, nullptr), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_tool_add_http_header(t, "no colon"), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_tool_add_http_header(t, ": empty name"), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_tool_add_http_header(t, "Bad Name: v"), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_tool_add_http_header(t, "X-A: v\r\nX-B: w"), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_tool_add_http_header(t, "X-A: v"), TOOLORCH_OK);
  toolorch_tool_free(t);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(result_is_the_body),
      cmocka_unit_test(non_2xx_fails_with_the_code),
      cmocka_unit_test(transport_error_fails),
      cmocka_unit_test(body_over_max_result_bytes_fails),
      cmocka_unit_test(body_over_max_result_bytes_truncated),
      cmocka_unit_test(retries_5xx_not_404),
      cmocka_unit_test(timeout_closes_the_connection),
      cmocka_unit_test(batch_cancel_closes_every_transfer),
      cmocka_unit_test(free_with_transfers_in_flight),
      cmocka_unit_test(bad_definitions_are_refused),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
