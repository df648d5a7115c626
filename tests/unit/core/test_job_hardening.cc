// Issue 9 on the fake clock: a Retry-After the job cannot honour ends it at
// once with the provider's 429 message (defect 13); tool results that are
// not valid UTF-8 reach the model as valid UTF-8 (defect 3); usage with
// cached tokens is reported apart and counted in the input (defect 12).
#include "job_fixture.h"

using namespace toolorch;
using test::JobFixture;

// 30 s asked, 5 s left: no sleeping into "exceeded total_timeout_ms".
static void retry_after_past_the_deadline_ends_the_job_now(void **) {
  JobFixture f;
  f.start("{\"prompt\":\"go\",\"model\":\"m\",\"total_timeout_ms\":5000,\"llm_backoff_max_ms\":1000}");
  f.provider.fail_request(TOOLORCH_ERATELIMITED, true, 30000, "Rate limit reached for requests");
  const core::Event *done = f.job_done();
  assert_non_null(done);  // at once: the clock did not move
  assert_int_equal(done->status, TOOLORCH_ERATELIMITED);
  assert_non_null(strstr(done->text.c_str(), "Rate limit reached for requests"));
  assert_non_null(strstr(done->text.c_str(), "30000 ms"));
  assert_null(strstr(done->text.c_str(), "total_timeout_ms)"));  // not the timeout's message
  assert_int_equal(f.provider.sent.size(), 1);
}

// Past the cap (60 s) it is not waited for either, whatever the deadline.
static void retry_after_past_the_cap_ends_the_job_now(void **) {
  JobFixture f;
  f.start("{\"prompt\":\"go\",\"model\":\"m\",\"total_timeout_ms\":3600000}");
  f.provider.fail_request(TOOLORCH_ERATELIMITED, true, 61000, "quota exhausted");
  const core::Event *done = f.job_done();
  assert_non_null(done);
  assert_int_equal(done->status, TOOLORCH_ERATELIMITED);
  assert_non_null(strstr(done->text.c_str(), "quota exhausted"));
  assert_non_null(strstr(done->text.c_str(), "at most 60000 ms"));
}

// Up to the cap, Retry-After is a floor even above llm_backoff_max_ms.
static void retry_after_within_the_cap_is_honoured_over_backoff_max(void **) {
  JobFixture f;
  f.start("{\"prompt\":\"go\",\"model\":\"m\",\"llm_backoff_max_ms\":100}");
  f.provider.fail_request(TOOLORCH_ERATELIMITED, true, 60000, "slow down");
  assert_null(f.job_done());
  f.sched.advance(59999 * 1000);
  assert_int_equal(f.provider.sent.size(), 1);
  f.sched.advance(1000);
  assert_int_equal(f.provider.sent.size(), 2);
}

static void tool_result_bytes_reach_the_model_as_valid_utf8(void **) {
  JobFixture f;
  f.start();
  f.provider.call_ready(0, "c0", "search", "{\"q\":\"a\"}");
  f.provider.call_ready(1, "c1", "search", "{\"q\":\"b\"}");
  f.provider.finish_with_calls({{"c0", "search", "{\"q\":\"a\"}"}, {"c1", "search", "{\"q\":\"b\"}"}});
  // A stray byte, a truncated sequence, an encoded surrogate; then valid text.
  assert_int_equal(f.search.complete_one("a\xff" "b\xe2\x82" "c\xed\xa0\x80"), TOOLORCH_OK);
  assert_int_equal(f.search.complete_one("caf\xc3\xa9 \xe2\x82\xac"), TOOLORCH_OK);
  f.sched.advance(0);
  assert_int_equal(f.provider.sent.size(), 2);
  const auto &msgs = f.provider.request().messages;
  size_t n = msgs.size();
  assert_string_equal(msgs[n - 2].text.c_str(),
                      "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  assert_string_equal(msgs[n - 1].text.c_str(), "caf\xc3\xa9 \xe2\x82\xac");  // valid text unchanged
  f.provider.finish_with_text("done");
  const core::Event *done = f.job_done();
  assert_non_null(done);
  assert_true(json::is_valid_utf8(done->json));
  assert_non_null(json::parse(done->json).get());
}

static void cached_tokens_are_reported_apart(void **) {
  JobFixture f;
  f.start();
  llm::Usage u;
  u.input_tokens = 1210;
  u.output_tokens = 50;
  u.cache_read_tokens = 1000;
  u.cache_write_tokens = 200;
  f.provider.listener()->on_usage(u);
  f.provider.finish_with_text("done");
  const core::Event *done = f.job_done();
  assert_non_null(done);
  assert_int_equal(done->input_tokens, 1210);
  assert_int_equal(done->cache_read_tokens, 1000);
  assert_int_equal(done->cache_write_tokens, 200);
  assert_int_equal(done->output_tokens, 50);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(retry_after_past_the_deadline_ends_the_job_now),
      cmocka_unit_test(retry_after_past_the_cap_ends_the_job_now),
      cmocka_unit_test(retry_after_within_the_cap_is_honoured_over_backoff_max),
      cmocka_unit_test(tool_result_bytes_reach_the_model_as_valid_utf8),
      cmocka_unit_test(cached_tokens_are_reported_apart),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
