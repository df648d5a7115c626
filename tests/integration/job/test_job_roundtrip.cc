// Jobs end to end over loopback HTTP against the scripted LLM server, both
// protocols, streamed and not: one decision fanning out into 50 calls at
// once, several rounds, every fault the issue lists, and early dispatch
// shown by the order of what happened.
#include <algorithm>
#include <cstring>

#include "job_harness.h"

using toolorch::test::JobHarness;
using toolorch::test::JobRun;

static const char *kFifty =
    "{\"rounds\": [{\"text\": \"Looking.\", \"repeat\": {\"name\": \"fetch\", \"count\": 50, "
    "\"arguments\": {\"i\": \"{i}\"}}}, {\"text\": \"done: {tool_result_count} results\"}]}";

static std::string request(bool stream, const std::string &extra = "") {
  return std::string("{\"prompt\": \"fan out\", \"stream\": ") + (stream ? "true" : "false") +
         ", \"llm_backoff_base_ms\": 10" + extra + "}";
}

static void fifty_calls_at_once(const char *protocol, bool stream) {
  JobHarness h(kFifty, protocol);
  h.add_tools(50);  // no call is answered until all 50 run at once
  JobRun r = h.run(request(stream));
  assert_int_equal(r.done_status, TOOLORCH_OK);
  assert_string_equal(r.done_text.c_str(), "done: 50 results");
  assert_int_equal(h.stat("max_running"), 50);
  assert_int_equal(h.stat("calls_succeeded"), 50);
  assert_int_equal(r.rounds, 1);
  assert_int_equal(h.server_stat("tool_results_seen"), 50);
  assert_int_equal(h.server_stat("unknown_result_ids"), 0);
  assert_int_equal(h.server_stat("missing_results"), 0);
  assert_true(r.input_tokens > 0 && r.output_tokens > 0);
  assert_true(r.deltas > 0);
  // The key never shows in what the caller sees.
  assert_null(strstr(r.transcript.c_str(), "sk-test-secret"));
}

static void fifty_openai_stream(void **) { fifty_calls_at_once("openai", true); }
static void fifty_openai_whole(void **) { fifty_calls_at_once("openai", false); }
static void fifty_anthropic_stream(void **) { fifty_calls_at_once("anthropic", true); }
static void fifty_anthropic_whole(void **) { fifty_calls_at_once("anthropic", false); }

static void three_rounds(void **) {
  for (const char *protocol : {"openai", "anthropic"}) {
    const char *script =
        "{\"rounds\": ["
        "{\"tool_calls\": [{\"name\": \"fetch\", \"arguments\": {\"i\": \"a\"}}, {\"name\": \"write\"}]},"
        "{\"tool_calls\": [{\"name\": \"fetch\", \"arguments\": {\"i\": \"b\"}}, {\"name\": \"write\"}]},"
        "{\"tool_calls\": [{\"name\": \"fetch\", \"arguments\": {\"i\": \"c\"}}]},"
        "{\"text\": \"final after round {round}: {tool_results}\"}]}";
    JobHarness h(script, protocol);
    h.add_tools(1);
    JobRun r = h.run(request(true));
    assert_int_equal(r.done_status, TOOLORCH_OK);
    assert_int_equal(r.rounds, 3);
    assert_string_equal(r.done_text.c_str(), "final after round 3: ok:{\"i\":\"c\"}");
    assert_int_equal(h.stat("calls_succeeded"), 5);
    assert_int_equal(h.server_stat("unknown_result_ids"), 0);
  }
}

static void split_every_byte(void **) {
  const char *script =
      "{\"chunk_bytes\": 1, \"chunk_gap_ms\": 1, \"rounds\": [{\"text\": \"hm\", \"tool_calls\": "
      "[{\"name\": \"fetch\", \"arguments\": {\"i\": \"xyz\"}}, {\"name\": \"fetch\", \"arguments\": {\"i\": "
      "\"uvw\"}}]}, {\"text\": \"got {tool_results}\"}]}";
  for (const char *protocol : {"openai", "anthropic"}) {
    JobHarness h(script, protocol);
    h.add_tools(2);
    JobRun r = h.run(request(true));
    assert_int_equal(r.done_status, TOOLORCH_OK);
    assert_string_equal(r.done_text.c_str(), "got ok:{\"i\":\"xyz\"},ok:{\"i\":\"uvw\"}");
  }
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

static void early_dispatch_by_state(void **) {
  const char *script =
      "{\"chunk_gap_ms\": 5, \"rounds\": [{\"tool_calls\": ["
      "{\"name\": \"fetch\", \"arguments\": {\"i\": \"first\"}},"
      "{\"name\": \"fetch\", \"arguments\": {\"i\": \"second\"}},"
      "{\"name\": \"fetch\", \"arguments\": {\"i\": \"third, with longer arguments to stream\"}}]},"
      "{\"text\": \"ok\"}]}";
  for (const char *protocol : {"openai", "anthropic"}) {
    {
      JobHarness h(script, protocol);
      h.add_tools(1);
      JobRun r = h.run(request(true));
      assert_int_equal(r.done_status, TOOLORCH_OK);
      std::string first = nth_with_prefix(r, "llm:", 0), last = nth_with_prefix(r, "llm:", 2);
      // The first call's tool ran, and even finished, before the model had
      // finished sending the last call's arguments.
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

static const char *with_fault(const char *fault) {
  static std::string s;
  s = std::string(
          "{\"rounds\": [{\"tool_calls\": [{\"name\": \"fetch\", \"arguments\": {\"i\": \"0\"}}, "
          "{\"name\": \"fetch\", \"arguments\": {\"i\": \"1\"}}, {\"name\": \"fetch\", \"arguments\": {\"i\": \"2\"}}]}, "
          "{\"text\": \"answer: {tool_results}\"}], \"chunk_gap_ms\": 1, \"faults\": [") +
      fault + "]}";
  return s.c_str();
}

static JobRun run_fault(const char *fault, const char *protocol = "openai", bool stream = true,
                        JobHarness **keep = nullptr) {
  auto *h = new JobHarness(with_fault(fault), protocol);
  h->add_tools(1);
  JobRun r = h->run(request(stream));
  if (keep) *keep = h;
  else delete h;
  return r;
}

static void rate_limited_then_retried(void **) {
  JobRun r = run_fault("{\"round\": 0, \"kind\": \"http_429\", \"retry_after_s\": 1, \"times\": 1}");
  assert_int_equal(r.done_status, TOOLORCH_OK);
}

static void server_errors_retried(void **) {
  for (const char *protocol : {"openai", "anthropic"}) {
    JobRun r = run_fault("{\"round\": 1, \"kind\": \"http_500\", \"times\": 2}", protocol);
    assert_int_equal(r.done_status, TOOLORCH_OK);
  }
}

static void client_error_ends_with_providers_message(void **) {
  for (const char *protocol : {"openai", "anthropic"}) {
    JobRun r = run_fault("{\"round\": 0, \"kind\": \"http_400\", \"message\": \"bad model\"}", protocol);
    assert_int_equal(r.done_status, TOOLORCH_EPROVIDER);
    assert_non_null(strstr(r.done_text.c_str(), "bad model"));
  }
}

static void dropped_stream_retried_once_with_calls_reused(void **) {
  JobHarness *h = nullptr;
  JobRun r = run_fault("{\"round\": 0, \"kind\": \"drop_mid_stream\", \"after_tool_calls\": 2, \"times\": 1}",
                       "openai", true, &h);
  if (r.done_status != TOOLORCH_OK) fail_msg("job failed: %s", r.done_text.c_str());
  // The two calls completed before the drop were taken over by the retry:
  // 3 calls ran, not 5.
  assert_int_equal(h->stat("calls_started"), 3);
  delete h;
  JobRun twice = run_fault("{\"round\": 0, \"kind\": \"drop_mid_stream\", \"after_tool_calls\": 1, \"times\": 2}");
  assert_int_equal(twice.done_status, TOOLORCH_ESTREAM);
  assert_non_null(strstr(twice.done_text.c_str(), "dropped again"));
}

static void bad_arguments_and_unknown_tools_go_back_to_the_model(void **) {
  for (const char *protocol : {"openai", "anthropic"}) {
    JobHarness *h = nullptr;
    JobRun r = run_fault(
        "{\"round\": 0, \"kind\": \"invalid_json_args\", \"call\": 1},"
        "{\"round\": 0, \"kind\": \"unknown_tool\", \"call\": 2, \"name\": \"teleport\"}",
        protocol, true, &h);
    assert_int_equal(r.done_status, TOOLORCH_OK);  // the job went on
    assert_non_null(strstr(r.done_text.c_str(), "ok:{\"i\":\"0\"}"));
    assert_non_null(strstr(r.done_text.c_str(), "invalid JSON"));
    assert_non_null(strstr(r.done_text.c_str(), "unknown tool \\\"teleport\\\"") ? "" :
                    strstr(r.done_text.c_str(), "unknown tool \"teleport\""));
    if (!strcmp(protocol, "anthropic")) assert_int_equal(h->server_stat("is_error_results"), 2);
    assert_int_equal(h->server_stat("unknown_result_ids"), 0);
    delete h;
  }
}

static void empty_and_garbage_bodies_are_clear_errors(void **) {
  for (bool stream : {true, false}) {
    JobRun e = run_fault("{\"round\": 0, \"kind\": \"empty_body\", \"times\": -1}", "openai", stream);
    // Streamed, an empty 200 is a stream that ended before its end: dropped.
    assert_int_equal(e.done_status, stream ? TOOLORCH_ESTREAM : TOOLORCH_EPROTOCOL);
    assert_true(e.done_text.size() > 10);
    JobRun g = run_fault("{\"round\": 0, \"kind\": \"non_json_body\", \"times\": -1}", "anthropic", stream);
    assert_int_equal(g.done_status, TOOLORCH_EPROTOCOL);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(fifty_openai_stream),
      cmocka_unit_test(fifty_openai_whole),
      cmocka_unit_test(fifty_anthropic_stream),
      cmocka_unit_test(fifty_anthropic_whole),
      cmocka_unit_test(three_rounds),
      cmocka_unit_test(split_every_byte),
      cmocka_unit_test(early_dispatch_by_state),
      cmocka_unit_test(rate_limited_then_retried),
      cmocka_unit_test(server_errors_retried),
      cmocka_unit_test(client_error_ends_with_providers_message),
      cmocka_unit_test(dropped_stream_retried_once_with_calls_reused),
      cmocka_unit_test(bad_arguments_and_unknown_tools_go_back_to_the_model),
      cmocka_unit_test(empty_and_garbage_bodies_are_clear_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
