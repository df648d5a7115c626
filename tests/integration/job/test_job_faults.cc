// Every fault of the scripted LLM server, in every protocol, over loopback
// HTTP: 429s and 5xx retried, 4xx ending with the provider's words, a cut
// stream retried once with the sealed calls taken over, an error event
// mid-stream, bad arguments and unknown tools going back to the model, and
// empty or garbage bodies as clear errors.
#include <cstring>

#include "job_harness.h"

using namespace toolorch::test;

static void rate_limited_then_retried(void **) {
  for (const char *protocol : kAllProtocols) {
    for (bool stream : {true, false}) {
      std::unique_ptr<JobHarness> h;
      JobRun r = run_with_faults("{\"round\": 0, \"kind\": \"http_429\", \"retry_after_ms\": 30, \"times\": 1}",
                                 protocol, stream, &h);
      if (r.done_status != TOOLORCH_OK) fail_msg("%s: %s", protocol, r.done_text.c_str());
      assert_int_equal(h->round_requests(0), 2);  // refused once, then answered
    }
    // Retry-After in seconds is honoured too.
    JobRun s = run_with_faults("{\"round\": 0, \"kind\": \"http_429\", \"retry_after_s\": 1, \"times\": 1}", protocol,
                               true);
    assert_int_equal(s.done_status, TOOLORCH_OK);
    // Never accepted: the job ends rate limited, with the provider's words.
    JobRun r = run_with_faults(
        "{\"round\": 0, \"kind\": \"http_429\", \"retry_after_ms\": 1, \"times\": -1, \"message\": \"quota exceeded\"}",
        protocol, true);
    assert_int_equal(r.done_status, TOOLORCH_ERATELIMITED);
    assert_non_null(strstr(r.done_text.c_str(), "quota exceeded"));
  }
}

static void server_errors_retried(void **) {
  for (const char *protocol : kAllProtocols) {
    for (const char *kind : {"http_500", "http_503"}) {
      std::string fault = std::string("{\"round\": 1, \"kind\": \"") + kind + "\", \"times\": 2}";
      JobRun r = run_with_faults(fault, protocol, true);
      if (r.done_status != TOOLORCH_OK) fail_msg("%s, %s: %s", protocol, kind, r.done_text.c_str());
    }
  }
}

static void client_error_ends_with_providers_message(void **) {
  for (const char *protocol : kAllProtocols) {
    JobRun r = run_with_faults("{\"round\": 0, \"kind\": \"http_400\", \"message\": \"bad model\"}", protocol, false);
    assert_int_equal(r.done_status, TOOLORCH_EPROVIDER);
    assert_non_null(strstr(r.done_text.c_str(), "bad model"));
  }
}

static void cut_stream_retried_once_with_calls_taken_over(void **) {
  for (const char *protocol : kAllProtocols) {
    std::unique_ptr<JobHarness> h;
    JobRun r = run_with_faults("{\"round\": 0, \"kind\": \"drop_mid_stream\", \"after_tool_calls\": 2, \"times\": 1}",
                               protocol, true, &h);
    if (r.done_status != TOOLORCH_OK) fail_msg("%s: %s", protocol, r.done_text.c_str());
    // The two calls sealed before the cut were taken over by the retry:
    // 3 calls ran, not 5.
    assert_int_equal(h->stat("calls_started"), 3);
    assert_int_equal(h->server_stat("dropped_streams"), 1);
    JobRun twice = run_with_faults(
        "{\"round\": 0, \"kind\": \"drop_mid_stream\", \"after_tool_calls\": 1, \"times\": 2}", protocol, true);
    assert_int_equal(twice.done_status, TOOLORCH_ESTREAM);
    assert_non_null(strstr(twice.done_text.c_str(), "dropped again"));
  }
}

static void error_event_mid_stream(void **) {
  for (const char *protocol : kAllProtocols) {
    JobRun once = run_with_faults(
        "{\"round\": 0, \"kind\": \"stream_error\", \"after_tool_calls\": 1, \"times\": 1, \"message\": \"overloaded\"}",
        protocol, true);
    if (once.done_status != TOOLORCH_OK) fail_msg("%s: %s", protocol, once.done_text.c_str());
    JobRun always = run_with_faults(
        "{\"round\": 0, \"kind\": \"stream_error\", \"after_tool_calls\": 1, \"times\": -1, \"message\": \"melted\"}",
        protocol, true);
    assert_int_equal(always.done_status, TOOLORCH_EPROVIDER);
    assert_non_null(strstr(always.done_text.c_str(), "melted"));
  }
}

static void bad_arguments_and_unknown_tools_go_back_to_the_model(void **) {
  for (const char *protocol : kAllProtocols) {
    for (bool stream : {true, false}) {
      std::unique_ptr<JobHarness> h;
      JobRun r = run_with_faults(
          "{\"round\": 0, \"kind\": \"invalid_json_args\", \"call\": 1},"
          "{\"round\": 0, \"kind\": \"unknown_tool\", \"call\": 2, \"name\": \"teleport\"}",
          protocol, stream, &h);
      // The job went on.
      if (r.done_status != TOOLORCH_OK) fail_msg("%s: %s", protocol, r.done_text.c_str());
      for (const char *want : {"ok:{\"i\":\"0\"}", "invalid JSON", "teleport"})
        if (!strstr(r.done_text.c_str(), want))
          fail_msg("%s, %s: no %s in %s", protocol, stream ? "streamed" : "whole", want, r.done_text.c_str());
      assert_int_equal(h->stat("calls_failed"), 2);
      // Anthropic (is_error) and Gemini ("error") mark a failed call's result.
      if (!strcmp(protocol, "anthropic") || !strcmp(protocol, "gemini"))
        assert_int_equal(h->server_stat("is_error_results"), 2);
      expect_clean_results(*h, 3);
    }
  }
}

static void empty_and_garbage_bodies_are_clear_errors(void **) {
  for (const char *protocol : kAllProtocols) {
    for (bool stream : {true, false}) {
      JobRun e = run_with_faults("{\"round\": 0, \"kind\": \"empty_body\", \"times\": -1}", protocol, stream);
      // Streamed, an empty 200 is a stream that ended before its end: dropped.
      if (e.done_status != (stream ? TOOLORCH_ESTREAM : TOOLORCH_EPROTOCOL))
        fail_msg("%s, empty body: %s", protocol, e.done_text.c_str());
      assert_true(e.done_text.size() > 10);
      JobRun g = run_with_faults("{\"round\": 0, \"kind\": \"non_json_body\", \"times\": -1}", protocol, stream);
      if (g.done_status != TOOLORCH_EPROTOCOL) fail_msg("%s, garbage body: %s", protocol, g.done_text.c_str());
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(rate_limited_then_retried),
      cmocka_unit_test(server_errors_retried),
      cmocka_unit_test(client_error_ends_with_providers_message),
      cmocka_unit_test(cut_stream_retried_once_with_calls_taken_over),
      cmocka_unit_test(error_event_mid_stream),
      cmocka_unit_test(bad_arguments_and_unknown_tools_go_back_to_the_model),
      cmocka_unit_test(empty_and_garbage_bodies_are_clear_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
