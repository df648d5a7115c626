// Jobs end to end over loopback HTTP against the scripted LLM server, in
// every protocol, streamed and not: one decision fanning out into 50 calls
// at once, several rounds, streams split at every byte, and early dispatch
// shown by the order of what happened. (test_job_faults.cc: the faults;
// test_job_providers.cc: what only one provider has.)
#include <cstring>

#include "job_harness.h"

using namespace toolorch::test;

static const char *kFifty =
    "{\"rounds\": [{\"text\": \"Looking.\", \"repeat\": {\"name\": \"fetch\", \"count\": 50, "
    "\"arguments\": {\"i\": \"{i}\"}}}, {\"text\": \"done: {tool_result_count} results\"}]}";

static void fifty_calls_at_once(void **) {
  for (const char *protocol : kAllProtocols) {
    for (bool stream : {true, false}) {
      JobHarness h(kFifty, protocol);
      h.add_tools(50);  // no call is answered until all 50 run at once
      JobRun r = h.run(job_request(stream));
      if (r.done_status != TOOLORCH_OK) fail_msg("%s: %s", protocol, r.done_text.c_str());
      assert_string_equal(r.done_text.c_str(), "done: 50 results");
      assert_int_equal(h.stat("max_running"), 50);
      assert_int_equal(h.stat("calls_succeeded"), 50);
      assert_int_equal(r.rounds, 1);
      expect_clean_results(h, 50);
      assert_true(r.input_tokens > 0 && r.output_tokens > 0);
      assert_true(r.deltas > 0);
      // The key never shows in what the caller sees.
      assert_null(strstr(r.transcript.c_str(), "sk-test-secret"));
    }
  }
}

// Round 0: three parallel calls; round 1: three more; then the answer.
static void two_rounds_parallel_calls(void **) {
  const char *script =
      "{\"rounds\": ["
      "{\"text\": \"Looking.\", \"repeat\": {\"name\": \"fetch\", \"count\": 3, \"arguments\": {\"i\": \"a{i}\"}}},"
      "{\"repeat\": {\"name\": \"fetch\", \"count\": 3, \"arguments\": {\"i\": \"b{i}\"}}},"
      "{\"text\": \"round {round}: {tool_result_count} results: {tool_results}\"}]}";
  for (const char *protocol : kAllProtocols) {
    for (bool stream : {true, false}) {
      JobHarness h(script, protocol);
      h.add_tools(3);  // the three calls of a round run at the same time
      JobRun r = h.run(job_request(stream));
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

static void three_rounds(void **) {
  const char *script =
      "{\"rounds\": ["
      "{\"tool_calls\": [{\"name\": \"fetch\", \"arguments\": {\"i\": \"a\"}}, {\"name\": \"write\"}]},"
      "{\"tool_calls\": [{\"name\": \"fetch\", \"arguments\": {\"i\": \"b\"}}, {\"name\": \"write\"}]},"
      "{\"tool_calls\": [{\"name\": \"fetch\", \"arguments\": {\"i\": \"c\"}}]},"
      "{\"text\": \"final after round {round}: {tool_results}\"}]}";
  for (const char *protocol : kAllProtocols) {
    JobHarness h(script, protocol);
    h.add_tools(1);
    JobRun r = h.run(job_request(true));
    if (r.done_status != TOOLORCH_OK) fail_msg("%s: %s", protocol, r.done_text.c_str());
    assert_int_equal(r.rounds, 3);
    assert_string_equal(r.done_text.c_str(), "final after round 3: ok:{\"i\":\"c\"}");
    assert_int_equal(h.stat("calls_succeeded"), 5);
    expect_clean_results(h, 5);
  }
}

static void split_every_byte(void **) {
  const char *script =
      "{\"chunk_bytes\": 1, \"chunk_gap_ms\": 1, \"rounds\": [{\"text\": \"hm\", \"tool_calls\": "
      "[{\"name\": \"fetch\", \"arguments\": {\"i\": \"xyz\"}}, {\"name\": \"fetch\", \"arguments\": {\"i\": "
      "\"uvw\"}}]}, {\"text\": \"got {tool_results}\"}]}";
  for (const char *protocol : kAllProtocols) {
    JobHarness h(script, protocol);
    h.add_tools(2);
    JobRun r = h.run(job_request(true));
    if (r.done_status != TOOLORCH_OK) fail_msg("%s: %s", protocol, r.done_text.c_str());
    assert_string_equal(r.done_text.c_str(), "got ok:{\"i\":\"xyz\"},ok:{\"i\":\"uvw\"}");
  }
}

// A call runs as soon as its own arguments are sealed, while the model is
// still sending the others; with eager_dispatch off, only after the response.
static void early_dispatch_as_arguments_seal(void **) {
  const char *script =
      "{\"chunk_gap_ms\": 5, \"rounds\": [{\"tool_calls\": ["
      "{\"name\": \"fetch\", \"arguments\": {\"i\": \"first\"}},"
      "{\"name\": \"fetch\", \"arguments\": {\"i\": \"second\"}},"
      "{\"name\": \"fetch\", \"arguments\": {\"i\": \"third, with longer arguments to stream\"}}]},"
      "{\"text\": \"ok\"}]}";
  for (const char *protocol : kAllProtocols) {
    {
      JobHarness h(script, protocol);
      h.add_tools(1);
      JobRun r = h.run(job_request(true));
      if (r.done_status != TOOLORCH_OK) fail_msg("%s: %s", protocol, r.done_text.c_str());
      std::string first = r.nth("llm:", 0), last = r.nth("llm:", 2);
      // The first call's tool ran, and even finished, before the model had
      // finished sending the last call's arguments.
      assert_true(r.pos("tool:" + first) < r.pos("llm:" + last));
      assert_true(r.pos("result:" + first + ":succeeded") < r.pos("llm:" + last));
    }
    {
      JobHarness h(script, protocol);
      h.add_tools(1);
      JobRun r = h.run(job_request(true, ", \"eager_dispatch\": \"off\""));
      std::string first = r.nth("llm:", 0), last = r.nth("llm:", 2);
      assert_true(r.pos("tool:" + first) > r.pos("llm:" + last));
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(fifty_calls_at_once),
      cmocka_unit_test(two_rounds_parallel_calls),
      cmocka_unit_test(three_rounds),
      cmocka_unit_test(split_every_byte),
      cmocka_unit_test(early_dispatch_as_arguments_seal),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
