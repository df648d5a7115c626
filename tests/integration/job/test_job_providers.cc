// What only one provider has, end to end over loopback HTTP against the
// scripted LLM server. (What every provider does: test_job_roundtrip.cc and
// test_job_faults.cc.)
#include "job_harness.h"

using namespace toolorch::test;

// OpenAI Responses in previous_response_id mode: each round sends only what
// is new, the server knows the rest from the id.
static void responses_chained_by_previous_response_id(void **) {
  const char *script =
      "{\"rounds\": [{\"repeat\": {\"name\": \"fetch\", \"count\": 2, \"arguments\": {\"i\": \"{i}\"}}},"
      "{\"repeat\": {\"name\": \"fetch\", \"count\": 2, \"arguments\": {\"i\": \"x{i}\"}}},"
      "{\"text\": \"round {round}: {tool_results}\"}]}";
  for (bool stream : {true, false}) {
    JobHarness h(script, "openai-responses", "", ", \"responses_state\": \"previous_response_id\"");
    h.add_tools(2);
    JobRun r = h.run(job_request(stream));
    if (r.done_status != TOOLORCH_OK) fail_msg("%s", r.done_text.c_str());
    // The server played rounds 0, 1, 2 although each request held one user
    // turn at most: the rounds came from previous_response_id.
    assert_int_equal(r.rounds, 2);
    assert_string_equal(r.done_text.c_str(), "round 2: ok:{\"i\":\"x0\"},ok:{\"i\":\"x1\"}");
    expect_clean_results(h, 4);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(responses_chained_by_previous_response_id),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
