// An HTTP tool's retries honour the server's Retry-After as the LLM path
// does ("also noticed" in issue 9): a Retry-After past the call's deadline,
// or longer than the 60 s toolorch waits, is not slept on -- the call ends
// at once with the server's answer -- where a plain backoff of 1 ms would
// have retried (and here succeeded, the server's second answer being 200).
#include "test_http_server.h"
#include "tools_test_util.h"

using namespace tools_test;
using toolorch::test::HttpBehaviour;
using toolorch::test::TestHttpServer;

namespace {

void start(TestHttpServer &srv) {
  std::string err;
  if (!srv.start(&err)) fail_msg("server: %s", err.c_str());
}

void add_retrying_tool(toolorch_ctx *ctx, const char *name, const std::string &url, int64_t timeout_ms) {
  toolorch_tool *t = toolorch_tool_new(name);
  assert_int_equal(toolorch_tool_set_http(t, url.c_str()), TOOLORCH_OK);
  assert_int_equal(toolorch_tool_set_retry(t, 3, TOOLORCH_BACKOFF_FIXED, 1, 1), TOOLORCH_OK);
  assert_int_equal(toolorch_tool_set_timeout_ms(t, timeout_ms), TOOLORCH_OK);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);
}

void check_not_retried(const char *retry_after, int64_t timeout_ms, const char *why) {
  TestHttpServer srv;
  srv.set("/busy", HttpBehaviour::fixed(429, "slow down").with_header("Retry-After", retry_after));
  start(srv);
  toolorch_ctx *ctx = new_ctx();
  add_retrying_tool(ctx, "busy", srv.url("/busy"), timeout_ms);
  // The first request arrives, then the server would say yes.
  toolorch_batch *b = submit_batch(ctx, "busy", {"{}"});
  assert_true(srv.wait_for(&toolorch::test::HttpServerCounters::requests, 1, std::chrono::seconds(20)));
  srv.set("/busy", HttpBehaviour::fixed(200, "fine"));
  std::vector<Result> r = collect(ctx, b);
  toolorch_batch_free(b);
  assert_int_equal(r.size(), 1);
  fprintf(stderr, "result: %s\n", r[0].text.c_str());
  assert_int_equal(r[0].state, TOOLORCH_CALL_FAILED);
  assert_int_equal(r[0].attempts, 1);
  assert_true(contains(r[0].text, "HTTP 429: slow down"));
  assert_true(contains(r[0].text, why));
  assert_int_equal(srv.counters().requests, 1);
  toolorch_free(ctx);
}

void retry_after_past_the_deadline_is_not_slept_on(void **) {
  check_not_retried("30", 5000, "past the call's deadline");
}

void retry_after_past_the_cap_is_not_slept_on(void **) {
  check_not_retried("3600", 3600 * 1000 * 2, "longer than the 60000 ms");
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(retry_after_past_the_deadline_is_not_slept_on),
      cmocka_unit_test(retry_after_past_the_cap_is_not_slept_on),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
