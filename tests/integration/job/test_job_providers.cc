// The OpenAI Responses and Gemini providers end to end: jobs over loopback
// HTTP against the scripted LLM server speaking each protocol, streamed and
// not. Two rounds with parallel calls; calls dispatched as their own
// arguments seal, before the response ends; invalid arguments and unknown
// tools going back to the model; a cut stream; a 429 with retry; an error
// event mid-stream. (test_job_roundtrip.cc covers Chat Completions and
// Anthropic the same way.)
#include <algorithm>
#include <cstring>

#include "job_harness.h"

using toolorch::test::JobHarness;
using toolorch::test::JobRun;

static const char *const kProtocols[] = {"openai-responses", "gemini"};

static std::string request(bool stream, const std::string &extra = "") {
  return std::string("{\"prompt\": \"fan out\", \"stream\": ") + (stream ? "true" : "false") +
         ", \"llm_backoff_base_ms\": 10" + extra + "}";
}

static size_t pos(const JobRun &r, const std::string &entry) {
  auto it = std::find(r.log.begin(), r.log.end(), entry);
  if (it == r.log.end()) fail_msg("no \"%s\" in the log", entry.c_str());
  return static_cast<size_t>(it - r.log.begin());
}

static std::string nth_with_prefix(const JobRun &r, const std::string &prefix, int n) {
  for (const std::string &e : r.log)
    if (e.compare(0, prefix.size(), prefix) == 0 && n-- == 0) return e.substr(prefix.size());
  fail_msg("no %s entry", prefix.c_str());
  return "";
}

static void expect_clean_results(JobHarness &h, long seen) {
  assert_int_equal(h.server_stat("tool_results_seen"), seen);
  assert_int_equal(h.server_stat("unknown_result_ids"), 0);
  assert_int_equal(h.server_stat("missing_results"), 0);
  assert_int_equal(h.server_stat("duplicate_results"), 0);
  assert_int_equal(h.server_stat("signature_mismatches"), 0);  // Gemini thoughtSignatures came back exactly
}

// Round 0: three parallel calls; round 1: three more; then the answer.
static void two_rounds_parallel_calls(void **) {
  const char *script =
      "{\"rounds\": ["
      "{\"text\": \"Looking.\", \"repeat\": {\"name\": \"fetch\", \"count\": 3, \"arguments\": {\"i\": \"a{i}\"}}},"
      "{\"repeat\": {\"name\": \"fetch\", \"count\": 3, \"arguments\": {\"i\": \"b{i}\"}}},"
      "{\"text\": \"round {round}: {tool_result_count} results: {tool_results}\"}]}";
  for (const char *protocol : kProtocols) {
    for (bool stream : {true, false}) {
      JobHarness h(script, protocol);
      h.add_tools(3);  // the three calls of a round run at the same time
      JobRun r = h.run(request(stream));
      if (r.done_status != TOOLORCH_OK) fail_msg("%s: %s", protocol, r.done_text.c_str());
      assert_int_equal(r.rounds, 2);
      assert_string_equal(r.done_text.c_str(),
                          "round 2: 3 results: ok:{\"i\":\"b0\"},ok:{\"i\":\"b1\"},ok:{\"i\":\"b2\"}");
      assert_int_equal(h.stat("max_running"), 3);
      assert_int_equal(h.stat("calls_succeeded"), 6);
      expect_clean_results(h, 6);
      assert_true(r.input_tokens > 0 && r.output_tokens > 0);
      if (stream) assert_true(r.deltas > 1);
      assert_null(strstr(r.transcript.c_str(), "sk-test-secret"));
    }
  }
}

// previous_response_id mode: each round sends only what is new, the server
// knows the rest from the id.
static void responses_chained_by_previous_response_id(void **) {
  const char *script =
      "{\"rounds\": [{\"repeat\": {\"name\": \"fetch\", \"count\": 2, \"arguments\": {\"i\": \"{i}\"}}},"
      "{\"repeat\": {\"name\": \"fetch\", \"count\": 2, \"arguments\": {\"i\": \"x{i}\"}}},"
      "{\"text\": \"round {round}: {tool_results}\"}]}";
  for (bool stream : {true, false}) {
    JobHarness h(script, "openai-responses", "", ", \"responses_state\": \"previous_response_id\"");
    h.add_tools(2);
    JobRun r = h.run(request(stream));
    if (r.done_status != TOOLORCH_OK) fail_msg("%s", r.done_text.c_str());
    // The server played rounds 0, 1, 2 although each request held one user
    // turn at most: the rounds came from previous_response_id.
    assert_int_equal(r.rounds, 2);
    assert_string_equal(r.done_text.c_str(), "round 2: ok:{\"i\":\"x0\"},ok:{\"i\":\"x1\"}");
    expect_clean_results(h, 4);
  }
}

static void early_dispatch_as_arguments_seal(void **) {
  const char *script =
      "{\"chunk_gap_ms\": 5, \"rounds\": [{\"tool_calls\": ["
      "{\"name\": \"fetch\", \"arguments\": {\"i\": \"first\"}},"
      "{\"name\": \"fetch\", \"arguments\": {\"i\": \"second\"}},"
      "{\"name\": \"fetch\", \"arguments\": {\"i\": \"third, with longer arguments to stream\"}}]},"
      "{\"text\": \"ok\"}]}";
  for (const char *protocol : kProtocols) {
    {
      JobHarness h(script, protocol);
      h.add_tools(1);
      JobRun r = h.run(request(true));
      if (r.done_status != TOOLORCH_OK) fail_msg("%s: %s", protocol, r.done_text.c_str());
      std::string first = nth_with_prefix(r, "llm:", 0), last = nth_with_prefix(r, "llm:", 2);
      // The first call's tool ran, and finished, before the model had sent
      // the last call: the response was still under way.
      assert_true(pos(r, "tool:" + first) < pos(r, "llm:" + last));
      assert_true(pos(r, "result:" + first + ":succeeded") < pos(r, "llm:" + last));
    }
    {
      JobHarness h(script, protocol);
      h.add_tools(1);
      JobRun r = h.run(request(true, ", \"eager_dispatch\": \"off\""));
      std::string first = nth_with_prefix(r, "llm:", 0), last = nth_with_prefix(r, "llm:", 2);
      assert_true(pos(r, "tool:" + first) > pos(r, "llm:" + last));
    }
  }
}

// ---- faults ----

static std::string with_fault(const char *fault) {
  return std::string(
             "{\"rounds\": [{\"tool_calls\": [{\"name\": \"fetch\", \"arguments\": {\"i\": \"0\"}}, "
             "{\"name\": \"fetch\", \"arguments\": {\"i\": \"1\"}}, {\"name\": \"fetch\", \"arguments\": {\"i\": \"2\"}}]}, "
             "{\"text\": \"answer: {tool_results}\"}], \"chunk_gap_ms\": 1, \"faults\": [") +
         fault + "]}";
}

static JobRun run_fault(const char *fault, const char *protocol, bool stream, JobHarness **keep = nullptr) {
  auto *h = new JobHarness(with_fault(fault), protocol);
  h->add_tools(1);
  JobRun r = h->run(request(stream));
  if (keep) *keep = h;
  else delete h;
  return r;
}

static void bad_arguments_and_unknown_tools_go_back_to_the_model(void **) {
  for (const char *protocol : kProtocols) {
    for (bool stream : {true, false}) {
      JobHarness *h = nullptr;
      JobRun r = run_fault(
          "{\"round\": 0, \"kind\": \"invalid_json_args\", \"call\": 1},"
          "{\"round\": 0, \"kind\": \"unknown_tool\", \"call\": 2, \"name\": \"teleport\"}",
          protocol, stream, &h);
      if (r.done_status != TOOLORCH_OK) fail_msg("%s: %s", protocol, r.done_text.c_str());
      assert_non_null(strstr(r.done_text.c_str(), "ok:{\"i\":\"0\"}"));
      assert_non_null(strstr(r.done_text.c_str(), "invalid JSON"));
      assert_non_null(strstr(r.done_text.c_str(), "teleport"));
      assert_int_equal(h->stat("calls_failed"), 2);
      // Gemini marks a failed call's functionResponse with "error".
      if (!strcmp(protocol, "gemini")) assert_int_equal(h->server_stat("is_error_results"), 2);
      expect_clean_results(*h, 3);
      delete h;
    }
  }
}

static void cut_stream_retried_once(void **) {
  for (const char *protocol : kProtocols) {
    JobHarness *h = nullptr;
    JobRun r = run_fault("{\"round\": 0, \"kind\": \"drop_mid_stream\", \"after_tool_calls\": 2, \"times\": 1}",
                         protocol, true, &h);
    if (r.done_status != TOOLORCH_OK) fail_msg("%s: %s", protocol, r.done_text.c_str());
    // The two calls sealed before the cut were taken over by the retry.
    assert_int_equal(h->stat("calls_started"), 3);
    assert_int_equal(h->server_stat("dropped_streams"), 1);
    delete h;
    JobRun twice = run_fault("{\"round\": 0, \"kind\": \"drop_mid_stream\", \"after_tool_calls\": 1, \"times\": 2}",
                             protocol, true);
    assert_int_equal(twice.done_status, TOOLORCH_EPROTOCOL);
    assert_non_null(strstr(twice.done_text.c_str(), "dropped again"));
  }
}

static void rate_limited_then_retried(void **) {
  for (const char *protocol : kProtocols) {
    for (bool stream : {true, false}) {
      JobHarness *h = nullptr;
      JobRun r = run_fault("{\"round\": 0, \"kind\": \"http_429\", \"retry_after_ms\": 30, \"times\": 1}", protocol,
                           stream, &h);
      if (r.done_status != TOOLORCH_OK) fail_msg("%s: %s", protocol, r.done_text.c_str());
      assert_int_equal(h->round_requests(0), 2);  // refused once, then answered
      delete h;
    }
    // Never accepted: the job ends rate limited, with the provider's words.
    JobRun r = run_fault("{\"round\": 0, \"kind\": \"http_429\", \"retry_after_ms\": 1, \"times\": -1, "
                         "\"message\": \"quota exceeded\"}",
                         protocol, true);
    assert_int_equal(r.done_status, TOOLORCH_ERATELIMITED);
    assert_non_null(strstr(r.done_text.c_str(), "quota exceeded"));
  }
}

static void error_event_mid_stream(void **) {
  for (const char *protocol : kProtocols) {
    JobRun once = run_fault(
        "{\"round\": 0, \"kind\": \"stream_error\", \"after_tool_calls\": 1, \"times\": 1, \"message\": \"overloaded\"}",
        protocol, true);
    if (once.done_status != TOOLORCH_OK) fail_msg("%s: %s", protocol, once.done_text.c_str());
    JobRun always = run_fault(
        "{\"round\": 0, \"kind\": \"stream_error\", \"after_tool_calls\": 1, \"times\": -1, \"message\": \"melted\"}",
        protocol, true);
    assert_int_equal(always.done_status, TOOLORCH_EPROVIDER);
    assert_non_null(strstr(always.done_text.c_str(), "melted"));
  }
}

static void client_error_ends_with_providers_message(void **) {
  for (const char *protocol : kProtocols) {
    JobRun r = run_fault("{\"round\": 0, \"kind\": \"http_400\", \"message\": \"bad model\"}", protocol, false);
    assert_int_equal(r.done_status, TOOLORCH_EPROVIDER);
    assert_non_null(strstr(r.done_text.c_str(), "bad model"));
    JobRun s = run_fault("{\"round\": 1, \"kind\": \"http_503\", \"times\": 2}", protocol, true);
    assert_int_equal(s.done_status, TOOLORCH_OK);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(two_rounds_parallel_calls),
      cmocka_unit_test(responses_chained_by_previous_response_id),
      cmocka_unit_test(early_dispatch_as_arguments_seal),
      cmocka_unit_test(bad_arguments_and_unknown_tools_go_back_to_the_model),
      cmocka_unit_test(cut_stream_retried_once),
      cmocka_unit_test(rate_limited_then_retried),
      cmocka_unit_test(error_event_mid_stream),
      cmocka_unit_test(client_error_ends_with_providers_message),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
