// The test kit (include/toolorch/testing.h) against itself: each
// expectation holds on a history that satisfies it and fails, with a
// message that says why, on one that does not; the server tells what it saw
// (calls issued, results answered, ids that matched nothing) over real
// loopback HTTP.
#include <toolorch/testing.h>
#include <toolorch/toolorch.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>

#include "cmocka_cpp.h"
#include "mock_client.h"

namespace {

char msg[4096];

bool contains(const char *hay, const char *needle) { return strstr(hay, needle) != nullptr; }

void started(toolorch_testing_recorder *r, const char *id, const char *tool, const char *args) {
  assert_int_equal(toolorch_testing_record_fields(r, TOOLORCH_EVENT_CALL_STARTED, id, tool, args, "", 2, 0), 0);
}
void ended(toolorch_testing_recorder *r, const char *id, const char *tool, int state = TOOLORCH_CALL_SUCCEEDED) {
  assert_int_equal(toolorch_testing_record_fields(r, TOOLORCH_EVENT_CALL_RESULT, id, tool, "", "ok", state, 0), 0);
}

void test_parallel_and_max_running(void **) {
  toolorch_testing_recorder *r = toolorch_testing_recorder_new();
  // No starts recorded: the expectation says how to get them.
  ended(r, "c0", "fetch");
  assert_int_equal(toolorch_testing_expect_parallel(r, nullptr, msg, sizeof msg), -1);
  assert_true(contains(msg, "2 needed"));
  assert_int_equal(toolorch_testing_expect_max_running(r, 5, msg, sizeof msg), -1);
  assert_true(contains(msg, "emit_call_started"));
  toolorch_testing_recorder_clear(r);

  // a and b overlap; c runs after both.
  started(r, "a", "fetch", "{}");
  started(r, "b", "fetch", "{}");
  ended(r, "a", "fetch");
  ended(r, "b", "fetch");
  started(r, "c", "write", "{}");
  ended(r, "c", "write");
  assert_int_equal(toolorch_testing_expect_parallel(r, "fetch", msg, sizeof msg), 0);
  assert_string_equal(msg, "");
  assert_int_equal(toolorch_testing_recorder_max_running(r), 2);
  assert_int_equal(toolorch_testing_expect_max_running(r, 2, msg, sizeof msg), 0);
  assert_int_equal(toolorch_testing_expect_max_running(r, 1, msg, sizeof msg), -1);
  assert_true(contains(msg, "2 calls ran at once, at most 1 expected"));
  assert_int_equal(toolorch_testing_expect_parallel(r, nullptr, msg, sizeof msg), -1);
  assert_true(contains(msg, "ended (event #2) before call write {} [c] started (event #4)"));
  // A TOOL_CALL is a start too (external tools), CALL_STARTED wins over it.
  toolorch_testing_recorder_clear(r);
  assert_int_equal(toolorch_testing_record_fields(r, TOOLORCH_EVENT_TOOL_CALL, "x", "ext", "{}", "", 0, 0), 0);
  assert_int_equal(toolorch_testing_record_fields(r, TOOLORCH_EVENT_TOOL_CALL, "y", "ext", "{}", "", 0, 0), 0);
  ended(r, "x", "ext");
  ended(r, "y", "ext");
  assert_int_equal(toolorch_testing_expect_parallel(r, "ext", msg, sizeof msg), 0);
  assert_int_equal(toolorch_testing_recorder_count(r, TOOLORCH_EVENT_CALL_RESULT), 2);
  assert_int_equal(toolorch_testing_recorder_count(r, TOOLORCH_EVENT_NONE), 4);
  toolorch_testing_recorder_free(r);
}

void test_expect_calls(void **) {
  toolorch_testing_recorder *r = toolorch_testing_recorder_new();
  assert_int_equal(toolorch_testing_record_fields(r, TOOLORCH_EVENT_LLM_TOOL_CALL, "a", "search",
                                                  "{\"q\": \"x\", \"opts\": {\"n\": 2, \"lang\": \"en\"}}", "", 0, 0),
                   0);
  assert_int_equal(
      toolorch_testing_record_fields(r, TOOLORCH_EVENT_LLM_TOOL_CALL, "b", "search", "{\"q\":\"y\"}", "", 0, 0), 0);
  assert_int_equal(toolorch_testing_record_fields(r, TOOLORCH_EVENT_LLM_TOOL_CALL, "c", "fetch", "{}", "", 0, 0), 0);
  // Any order, key order and spacing ignored.
  const char *both = "[{\"tool\":\"search\",\"arguments\":{\"q\":\"y\"}},"
                     "{\"tool\":\"search\",\"arguments\":{\"opts\":{\"lang\":\"en\",\"n\":2},\"q\":\"x\"}}]";
  assert_int_equal(toolorch_testing_expect_calls(r, both, 0, msg, sizeof msg), 0);
  // ONLY: fetch was made too.
  assert_int_equal(toolorch_testing_expect_calls(r, both, TOOLORCH_TESTING_ONLY, msg, sizeof msg), -1);
  assert_true(contains(msg, "1 call(s) made but not expected:\n  fetch {} [c]"));
  // A wildcard does not steal the call an exact expectation needs.
  assert_int_equal(toolorch_testing_expect_calls(r,
                                                 "[{\"tool\":\"search\"},{\"tool\":\"search\",\"arguments\":{\"q\":\"x\","
                                                 "\"opts\":{\"n\":2,\"lang\":\"en\"}}},{\"tool\":\"fetch\"}]",
                                                 TOOLORCH_TESTING_ONLY, msg, sizeof msg),
                   0);
  // Wrong arguments, a number that differs, a call expected twice.
  assert_int_equal(toolorch_testing_expect_calls(r, "[{\"tool\":\"search\",\"arguments\":{\"q\":\"z\"}}]", 0, msg,
                                                 sizeof msg),
                   -1);
  assert_true(contains(msg, "1 expected call(s) not made:\n  search {\"q\":\"z\"}"));
  assert_true(contains(msg, "3 call(s) recorded:"));
  assert_int_equal(
      toolorch_testing_expect_calls(r, "[{\"tool\":\"fetch\"},{\"tool\":\"fetch\"}]", 0, msg, sizeof msg), -1);
  // Bad expectations are failures with a reason, not crashes.
  assert_int_equal(toolorch_testing_expect_calls(r, "[{\"tool\":", 0, msg, sizeof msg), -1);
  assert_true(contains(msg, "must be a JSON array"));
  assert_int_equal(toolorch_testing_expect_calls(r, "[{\"name\":\"x\"}]", 0, msg, sizeof msg), -1);
  assert_true(contains(msg, "needs a \"tool\" string"));
  assert_int_equal(toolorch_testing_expect_calls(r, "[{\"tool\":\"x\",\"args\":{}}]", 0, msg, sizeof msg), -1);
  assert_true(contains(msg, "unknown key \"args\""));
  assert_int_equal(toolorch_testing_expect_calls(nullptr, "[]", 0, msg, sizeof msg), -1);
  // A tiny buffer is cut, never overrun.
  char small[8];
  assert_int_equal(toolorch_testing_expect_calls(r, "[{\"tool\":\"nope\"}]", 0, small, sizeof small), -1);
  assert_int_equal(strlen(small), 7);
  assert_int_equal(toolorch_testing_expect_calls(r, "[{\"tool\":\"nope\"}]", 0, nullptr, 0), -1);
  toolorch_testing_recorder_free(r);
}

void test_cancelled_answer_duplicates(void **) {
  toolorch_testing_recorder *r = toolorch_testing_recorder_new();
  started(r, "a", "slow", "{}");
  ended(r, "a", "slow", TOOLORCH_CALL_TIMED_OUT);
  assert_int_equal(toolorch_testing_expect_cancelled(r, "slow", msg, sizeof msg), -1);
  assert_true(contains(msg, "slow {} [a]: ended, not cancelled"));
  started(r, "b", "slow", "{}");
  ended(r, "b", "slow", TOOLORCH_CALL_CANCELLED);
  assert_int_equal(toolorch_testing_expect_cancelled(r, "slow", msg, sizeof msg), 0);
  assert_int_equal(toolorch_testing_expect_cancelled(r, "b", msg, sizeof msg), 0);
  assert_int_equal(toolorch_testing_expect_cancelled(r, "a", msg, sizeof msg), -1);
  assert_int_equal(toolorch_testing_expect_cancelled(r, nullptr, msg, sizeof msg), 0);

  assert_int_equal(toolorch_testing_expect_answer(r, "42", msg, sizeof msg), -1);
  assert_true(contains(msg, "no JOB_DONE"));
  assert_int_equal(toolorch_testing_record_fields(r, TOOLORCH_EVENT_JOB_DONE, "", "", "[transcript]", "41", 0, 0), 0);
  assert_int_equal(toolorch_testing_expect_answer(r, "42", msg, sizeof msg), -1);
  assert_true(contains(msg, "the job answered \"41\""));
  assert_int_equal(toolorch_testing_record_fields(r, TOOLORCH_EVENT_JOB_DONE, "", "", "", "42", 0, 0), 0);
  assert_int_equal(toolorch_testing_expect_answer(r, "42", msg, sizeof msg), 0);
  assert_int_equal(toolorch_testing_record_fields(r, TOOLORCH_EVENT_JOB_DONE, "", "", "", "boom", 0,
                                                  TOOLORCH_EMAXROUNDS),
                   0);
  assert_int_equal(toolorch_testing_expect_answer(r, "42", msg, sizeof msg), -1);
  assert_true(contains(msg, "the job failed with"));

  assert_int_equal(toolorch_testing_expect_no_duplicate_results(r, nullptr, msg, sizeof msg), 0);
  ended(r, "b", "slow");
  assert_int_equal(toolorch_testing_expect_no_duplicate_results(r, nullptr, msg, sizeof msg), -1);
  assert_true(contains(msg, "slow {} [b]: 2 CALL_RESULT events"));
  // The events as JSON, for a failing test's log.
  const char *json = toolorch_testing_recorder_json(r);
  mocktest::Json doc = mocktest::parse(json);
  assert_non_null(doc.get());
  assert_int_equal(cJSON_GetArraySize(doc.get()), toolorch_testing_recorder_count(r, TOOLORCH_EVENT_NONE));
  assert_true(contains(json, "\"type\":\"job_done\""));
  toolorch_testing_recorder_free(r);
}

void test_server_start_errors(void **) {
  toolorch_testing_server *s = nullptr;
  char err[512];
  assert_int_equal(toolorch_testing_server_start("{\"rounds\": [{\"tool_calls\": [{\"name\": \"\"}]}]}", 0, &s, err,
                                                 sizeof err),
                   TOOLORCH_ECONFIG);
  assert_null(s);
  assert_true(contains(err, "rounds[0].tool_calls[0].name"));
  assert_int_equal(toolorch_testing_server_start_file("/nonexistent/script.json", 0, &s, err, sizeof err),
                   TOOLORCH_EIO);
  assert_true(contains(err, "/nonexistent/script.json"));
  assert_int_equal(toolorch_testing_server_start(nullptr, 70000, &s, err, sizeof err), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_testing_server_start(nullptr, 0, nullptr, err, sizeof err), TOOLORCH_EINVAL);
  // A port in use.
  assert_int_equal(toolorch_testing_server_start(nullptr, 0, &s, err, sizeof err), TOOLORCH_OK);
  toolorch_testing_server *t = nullptr;
  assert_int_equal(toolorch_testing_server_start(nullptr, toolorch_testing_server_port(s), &t, err, sizeof err),
                   TOOLORCH_EIO);
  assert_true(contains(err, "cannot listen"));
  assert_null(toolorch_testing_server_url(s, "carrier-pigeon"));
  assert_non_null(toolorch_testing_server_url(s, nullptr));
  assert_int_equal(toolorch_testing_server_set_script(s, "{}", err, sizeof err), TOOLORCH_ECONFIG);
  assert_true(contains(err, "rounds"));
  assert_int_equal(toolorch_testing_server_stat(s, "no.such.counter"), -1);
  toolorch_testing_server_stop(s);
  toolorch_testing_server_stop(nullptr);
  // From a file.
  char path[] = "/tmp/toolorch-kit-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  const char script[] = "{\"rounds\": [{\"text\": \"from a file\"}]}";
  assert_int_equal(write(fd, script, sizeof script - 1), static_cast<ssize_t>(sizeof script - 1));
  close(fd);
  assert_int_equal(toolorch_testing_server_start_file(path, 0, &s, err, sizeof err), TOOLORCH_OK);
  unlink(path);
  mocktest::HttpResult res = mocktest::post(std::string(toolorch_testing_server_url(s, "openai")) +
                                                "/v1/chat/completions",
                                            mocktest::openai_request("[{\"role\":\"user\",\"content\":\"hi\"}]", false));
  assert_int_equal(res.status, 200);
  assert_true(contains(res.body.c_str(), "from a file"));
  toolorch_testing_server_stop(s);
}

// What the server saw of a conversation, over HTTP: the calls it issued, the
// results answered, and a result that answered an id it never issued.
void test_server_seen(void **) {
  toolorch_testing_server *s = nullptr;
  char err[512];
  assert_int_equal(toolorch_testing_server_start("{\"rounds\": [{\"tool_calls\": [{\"name\": \"search\", "
                                                 "\"arguments\": {\"q\": \"a\"}}]}, {\"text\": \"done\"}]}",
                                                 0, &s, err, sizeof err),
                   TOOLORCH_OK);
  const std::string url = std::string(toolorch_testing_server_url(s, "openai")) + "/v1/chat/completions";
  mocktest::HttpResult r0 =
      mocktest::post(url, mocktest::openai_request("[{\"role\":\"user\",\"content\":\"go\"}]", false));
  mocktest::Answer a;
  assert_true(mocktest::read_openai_body(r0.body, &a));
  assert_int_equal(a.calls.size(), 1);
  const std::string id = a.calls[0].id;
  // Round 1: the real id answered, and one nobody issued.
  const std::string msgs = "[{\"role\":\"user\",\"content\":\"go\"},{\"role\":\"assistant\",\"content\":null,"
                           "\"tool_calls\":[{\"id\":\"" + id + "\",\"type\":\"function\",\"function\":{\"name\":"
                           "\"search\",\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"" + id +
                           "\",\"content\":\"found it\"},{\"role\":\"tool\",\"tool_call_id\":\"call_bogus\","
                           "\"content\":\"stray\"}]";
  mocktest::HttpResult r1 = mocktest::post(url, mocktest::openai_request(msgs, false));
  assert_int_equal(r1.status, 200);

  mocktest::Json seen = mocktest::parse(toolorch_testing_server_seen(s));
  assert_non_null(seen.get());
  const cJSON *calls = cJSON_GetObjectItem(seen.get(), "calls");
  assert_int_equal(cJSON_GetArraySize(calls), 1);
  const cJSON *c0 = cJSON_GetArrayItem(calls, 0);
  assert_string_equal(cJSON_GetObjectItem(c0, "id")->valuestring, id.c_str());
  assert_string_equal(cJSON_GetObjectItem(c0, "name")->valuestring, "search");
  assert_string_equal(cJSON_GetObjectItem(c0, "arguments")->valuestring, "{\"q\":\"a\"}");
  const cJSON *results = cJSON_GetObjectItem(seen.get(), "results");
  assert_int_equal(cJSON_GetArraySize(results), 2);
  assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(results, 0), "content")->valuestring, "found it");
  assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(results, 0), "known")));
  assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(results, 1), "known")));
  const cJSON *unknown = cJSON_GetObjectItem(seen.get(), "unknown_result_ids");
  assert_int_equal(cJSON_GetArraySize(unknown), 1);
  assert_string_equal(cJSON_GetArrayItem(unknown, 0)->valuestring, "call_bogus");
  const cJSON *reqs = cJSON_GetObjectItem(seen.get(), "requests");
  assert_int_equal(cJSON_GetArraySize(reqs), 2);
  assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(reqs, 1), "round")->valueint, 1);
  assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(reqs, 0), "calls")->valueint, 1);
  assert_int_equal(toolorch_testing_server_stat(s, "unknown_result_ids"), 1);
  assert_int_equal(toolorch_testing_server_stat(s, "round_requests.1"), 1);

  assert_int_equal(toolorch_testing_expect_results_matched(s, msg, sizeof msg), -1);
  assert_true(contains(msg, "call_bogus: answers no call the server issued"));
  toolorch_testing_recorder *rec = toolorch_testing_recorder_new();
  assert_int_equal(toolorch_testing_expect_no_duplicate_results(rec, s, msg, sizeof msg), 0);
  toolorch_testing_recorder_free(rec);

  // reset forgets it all.
  assert_int_equal(toolorch_testing_server_reset(s), TOOLORCH_OK);
  assert_int_equal(toolorch_testing_expect_results_matched(s, msg, sizeof msg), 0);
  assert_int_equal(toolorch_testing_server_stat(s, "requests.total"), 0);
  toolorch_testing_server_stop(s);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_parallel_and_max_running),
      cmocka_unit_test(test_expect_calls),
      cmocka_unit_test(test_cancelled_answer_duplicates),
      cmocka_unit_test(test_server_start_errors),
      cmocka_unit_test(test_server_seen),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
