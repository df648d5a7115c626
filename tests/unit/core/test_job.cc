// The agent loop on the fake clock: early dispatch, rounds, the order of
// results, bad model output, retries and reuse, timeouts.
#include "job_fixture.h"

using namespace toolorch;
using llm::Message;
using test::JobFixture;

static void streamed_call_dispatched_when_its_arguments_are_complete(void **) {
  JobFixture f;
  f.start();
  f.provider.call_ready(0, "c0", "search", "{\"q\":\"a\"}");
  // The response is still streaming: call 0 already runs.
  assert_int_equal(f.search.invocations, 1);
  f.provider.call_ready(1, "c1", "search", "{\"q\":\"b\"}");
  assert_int_equal(f.search.invocations, 2);
  // A tool with side effects waits for the whole response under "safe".
  f.provider.call_ready(2, "c2", "write", "{}");
  assert_int_equal(f.write.invocations, 0);
  f.provider.finish_with_calls({{"c0", "search", "{\"q\":\"a\"}"}, {"c1", "search", "{\"q\":\"b\"}"},
                                {"c2", "write", "{}"}});
  assert_int_equal(f.write.invocations, 1);
  assert_int_equal(f.search.invocations, 2);  // not dispatched twice
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_LLM_TOOL_CALL), 3);
}

static void eager_off_and_all(void **) {
  {
    JobFixture f;
    f.start("{\"prompt\":\"hi\",\"model\":\"m\",\"eager_dispatch\":\"off\"}");
    f.provider.call_ready(0, "c0", "search", "{\"q\":\"a\"}");
    assert_int_equal(f.search.invocations, 0);
    f.provider.finish_with_calls({{"c0", "search", "{\"q\":\"a\"}"}});
    assert_int_equal(f.search.invocations, 1);
  }
  {
    JobFixture f;
    f.start("{\"prompt\":\"hi\",\"model\":\"m\",\"eager_dispatch\":\"all\"}");
    f.provider.call_ready(0, "c0", "write", "{}");
    assert_int_equal(f.write.invocations, 1);
  }
}

static void rounds_until_the_model_answers(void **) {
  JobFixture f;
  f.start("{\"prompt\":\"go\",\"model\":\"m\",\"system\":\"be brief\"}");
  assert_int_equal(f.provider.request().tools.size(), 2);
  for (int round = 0; round < 3; ++round) {
    f.provider.call_ready(0, "a" + std::to_string(round), "search", "{\"q\":\"x\"}");
    f.provider.call_ready(1, "b" + std::to_string(round), "search", "{\"q\":\"y\"}");
    f.provider.finish_with_calls({{"a" + std::to_string(round), "search", "{\"q\":\"x\"}"},
                                  {"b" + std::to_string(round), "search", "{\"q\":\"y\"}"}});
    // Complete the second call first: results still go back in call order.
    f.search.parked.push_back(f.search.parked.front());
    f.search.parked.erase(f.search.parked.begin());
    f.complete_all();
    assert_int_equal(f.provider.sent.size(), (size_t)round + 1);  // next request on a fresh pass
    f.sched.advance(0);
    assert_int_equal(f.provider.sent.size(), (size_t)round + 2);
  }
  const llm::Request &last = f.provider.request();
  // system, user, then (assistant + 2 tool results) x 3
  assert_int_equal(last.messages.size(), 1 + 1 + 3 * 3);
  assert_true(last.messages[0].role == Message::Role::kSystem);
  assert_true(last.messages[2].role == Message::Role::kAssistant);
  assert_int_equal(last.messages[2].tool_calls.size(), 2);
  assert_string_equal(last.messages[3].tool_call_id.c_str(), "a0");
  assert_string_equal(last.messages[3].text.c_str(), "r:{\"q\":\"x\"}");
  assert_string_equal(last.messages[4].tool_call_id.c_str(), "b0");
  f.provider.finish_with_text("the answer");
  const core::Event *done = f.job_done();
  assert_non_null(done);
  assert_int_equal(done->status, TOOLORCH_OK);
  assert_string_equal(done->text.c_str(), "the answer");
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_ROUND_DONE), 3);
  assert_non_null(strstr(done->json.c_str(), "\"tool_call_id\":\"b2\""));
  assert_non_null(strstr(done->json.c_str(), "\"content\":\"the answer\""));
}

static void bad_model_output_becomes_error_results(void **) {
  JobFixture f;
  f.start("{\"prompt\":\"go\",\"model\":\"m\",\"eager_dispatch\":\"all\"}");
  f.provider.call_ready(0, "u", "no_such_tool", "{}");
  f.provider.call_ready(1, "j", "search", "{\"q\": ");
  f.provider.call_ready(2, "s", "search", "{\"q\": 5}");
  f.provider.call_ready(3, "ok", "search", "{\"q\": \"fine\"}");
  f.provider.finish_with_calls({{"u", "no_such_tool", "{}"}, {"j", "search", "{\"q\": "},
                                {"s", "search", "{\"q\": 5}"}, {"ok", "search", "{\"q\": \"fine\"}"}});
  assert_int_equal(f.search.invocations, 1);
  f.complete_all();
  f.sched.advance(0);
  assert_int_equal(f.provider.sent.size(), 2);
  const auto &msgs = f.provider.request().messages;
  size_t n = msgs.size();
  assert_true(msgs[n - 4].is_error);
  assert_non_null(strstr(msgs[n - 4].text.c_str(), "unknown tool \"no_such_tool\""));
  assert_true(msgs[n - 3].is_error);
  assert_non_null(strstr(msgs[n - 3].text.c_str(), "invalid JSON"));
  assert_true(msgs[n - 2].is_error);
  assert_non_null(strstr(msgs[n - 2].text.c_str(), "expected string"));
  assert_false(msgs[n - 1].is_error);
  assert_null(f.job_done());  // the job goes on
}

static void rate_limited_request_waits_for_retry_after(void **) {
  JobFixture f;
  f.start("{\"prompt\":\"go\",\"model\":\"m\",\"llm_retries\":2}");
  f.provider.fail_request(TOOLORCH_ERATELIMITED, true, 2000, "slow down");
  f.sched.advance(1999 * 1000);
  assert_int_equal(f.provider.sent.size(), 1);
  f.sched.advance(1000);
  assert_int_equal(f.provider.sent.size(), 2);
  f.provider.fail_request(TOOLORCH_EPROVIDER, true, -1, "503");
  f.sched.advance(60 * 1000 * 1000);
  assert_int_equal(f.provider.sent.size(), 3);
  f.provider.fail_request(TOOLORCH_EPROVIDER, true, -1, "503 again");
  const core::Event *done = f.job_done();
  assert_non_null(done);
  assert_int_equal(done->status, TOOLORCH_EPROVIDER);
  assert_non_null(strstr(done->text.c_str(), "503 again"));
}

static void client_error_ends_the_job(void **) {
  JobFixture f;
  f.start();
  f.provider.fail_request(TOOLORCH_EPROVIDER, false, -1, "model not found");
  assert_int_equal(f.provider.sent.size(), 1);
  assert_int_equal(f.job_done()->status, TOOLORCH_EPROVIDER);
  assert_non_null(strstr(f.job_done()->text.c_str(), "model not found"));
}

static void dropped_stream_is_retried_once_and_calls_reused(void **) {
  JobFixture f;
  f.start();
  f.provider.call_ready(0, "c0", "search", "{\"q\":\"a\"}");
  f.provider.call_ready(1, "c1", "search", "{\"q\":\"b\"}");
  assert_int_equal(f.search.invocations, 2);
  f.provider.fail_request(TOOLORCH_EPROTOCOL, true, -1, "stream ended before the response was complete");
  f.sched.advance(0);
  assert_int_equal(f.provider.sent.size(), 2);
  // The retry asks for c0's call again (same arguments, other key order
  // irrelevant), not for c1's, and for a new one.
  f.provider.call_ready(0, "d0", "search", "{ \"q\" : \"a\" }");
  assert_int_equal(f.search.invocations, 2);  // reused, not run again
  f.provider.call_ready(1, "d1", "search", "{\"q\":\"c\"}");
  assert_int_equal(f.search.invocations, 3);
  f.provider.finish_with_calls({{"d0", "search", "{ \"q\" : \"a\" }"}, {"d1", "search", "{\"q\":\"c\"}"}});
  // c1 was not asked again: cancelled.
  assert_int_equal(f.engine->stats().calls_cancelled.load(), 1);
  f.complete_all();
  f.sched.advance(0);
  const auto &msgs = f.provider.request().messages;
  assert_string_equal(msgs[msgs.size() - 2].tool_call_id.c_str(), "d0");
  assert_string_equal(msgs[msgs.size() - 2].text.c_str(), "r:{\"q\":\"a\"}");
  // A second drop in the same job is not retried.
  f.provider.fail_request(TOOLORCH_EPROTOCOL, true, -1, "stream ended before the response was complete");
  assert_non_null(f.job_done());
  assert_int_equal(f.job_done()->status, TOOLORCH_EPROTOCOL);
  assert_non_null(strstr(f.job_done()->text.c_str(), "dropped again"));
}

static void total_timeout_cancels_everything(void **) {
  JobFixture f;
  f.start("{\"prompt\":\"go\",\"model\":\"m\",\"total_timeout_ms\":5000}");
  f.provider.call_ready(0, "c0", "search", "{\"q\":\"a\"}");
  f.provider.finish_with_calls({{"c0", "search", "{\"q\":\"a\"}"}});
  f.sched.advance(5000 * 1000);
  const core::Event *done = f.job_done();
  assert_non_null(done);
  assert_int_equal(done->status, TOOLORCH_ETIMEDOUT);
  assert_true(test::is_cancelled(f.search.parked[0]));
  assert_int_equal(f.search.complete_one(), TOOLORCH_ELATE);
  assert_int_equal(f.sink.count(TOOLORCH_EVENT_JOB_DONE), 1);
}

static void llm_timeout_retries_then_fails(void **) {
  JobFixture f;
  f.start("{\"prompt\":\"go\",\"model\":\"m\",\"llm_timeout_ms\":1000,\"llm_retries\":1,"
          "\"llm_backoff_base_ms\":10}");
  f.sched.advance(1000 * 1000);
  assert_true(f.provider.sent[0]->cancelled);
  f.sched.advance(10 * 1000);
  assert_int_equal(f.provider.sent.size(), 2);
  f.sched.advance(1000 * 1000);
  assert_int_equal(f.job_done()->status, TOOLORCH_ETIMEDOUT);
}

static void max_rounds_and_cancel(void **) {
  {
    JobFixture f;
    f.start("{\"prompt\":\"go\",\"model\":\"m\",\"max_rounds\":1}");
    f.provider.finish_with_calls({{"c0", "search", "{\"q\":\"a\"}"}});
    f.complete_all();
    assert_int_equal(f.job_done()->status, TOOLORCH_EMAXROUNDS);
  }
  {
    JobFixture f;
    f.start();
    f.provider.call_ready(0, "c0", "search", "{\"q\":\"a\"}");
    f.job->cancel();
    assert_int_equal(f.job_done()->status, TOOLORCH_ECANCELLED);
    assert_true(f.provider.sent[0]->cancelled);
    assert_true(test::is_cancelled(f.search.parked[0]));
    f.job->cancel();
    assert_int_equal(f.sink.count(TOOLORCH_EVENT_JOB_DONE), 1);
  }
}

static void job_groups_cancel_branches_and_tell_the_model(void **) {
  JobFixture f;
  f.start("{\"prompt\":\"go\",\"model\":\"m\",\"groups\":[{\"name\":\"research\",\"tools\":[\"search\"],"
          "\"cancel_on_better_result\":{\"threshold\":0.5}}]}");
  f.provider.call_ready(0, "arxiv", "search", "{\"q\":\"arxiv\"}");
  f.provider.call_ready(1, "web", "search", "{\"q\":\"web\"}");
  f.provider.call_ready(2, "so", "search", "{\"q\":\"so\"}");
  f.provider.call_ready(3, "w", "write", "{}");
  f.provider.finish_with_calls({{"arxiv", "search", "{\"q\":\"arxiv\"}"}, {"web", "search", "{\"q\":\"web\"}"},
                                {"so", "search", "{\"q\":\"so\"}"}, {"w", "write", "{}"}});
  // "web" answers first (no scorer: a success scores 1.0 >= 0.5).
  core::Call *web = f.search.parked[1];
  assert_int_equal(test::complete(web, "web answer"), TOOLORCH_OK);
  assert_true(test::is_cancelled(f.search.parked[0]));
  assert_true(test::is_cancelled(f.search.parked[2]));
  assert_false(test::is_cancelled(f.write.parked[0]));  // not in the group
  f.write.complete_one("written");
  f.sched.advance(0);
  const auto &msgs = f.provider.request().messages;
  size_t n = msgs.size();
  assert_true(msgs[n - 4].is_error);
  assert_non_null(strstr(msgs[n - 4].text.c_str(), "answered well enough"));
  assert_false(msgs[n - 3].is_error);
  assert_string_equal(msgs[n - 3].text.c_str(), "web answer");
  assert_true(msgs[n - 2].is_error);
  assert_false(msgs[n - 1].is_error);
}

static void job_wide_cancel_siblings(void **) {
  JobFixture f;
  f.start("{\"prompt\":\"go\",\"model\":\"m\",\"on_failure\":\"cancel_siblings\"}");
  f.provider.finish_with_calls({{"a", "search", "{\"q\":\"a\"}"}, {"b", "search", "{\"q\":\"b\"}"}});
  test::tool_fail_ex(f.search.parked[0], "database is gone", core::kFailFatal);
  assert_true(test::is_cancelled(f.search.parked[1]));
  f.sched.advance(0);
  assert_int_equal(f.provider.sent.size(), 2);  // the job goes on with both errors
}

// The host's event callback cancels the job while the job is announcing
// or dispatching calls: nothing runs after JOB_DONE, nothing is touched
// after it is gone (ASan), and no new request goes out.
static void cancel_from_an_event_callback(void **) {
  for (bool stream : {true, false}) {
    JobFixture f;
    f.start();
    f.sink.on_emit = [&f](const core::Event &e) {
      if (e.type == TOOLORCH_EVENT_LLM_TOOL_CALL) f.job->cancel();
    };
    if (stream) {
      f.provider.call_ready(0, "c0", "search", "{\"q\":\"a\"}");
      f.provider.call_ready(1, "c1", "search", "{\"q\":\"b\"}");
    }
    f.provider.finish_with_calls({{"c0", "search", "{\"q\":\"a\"}"}, {"c1", "search", "{\"q\":\"b\"}"},
                                  {"c2", "search", "{\"q\":\"c\"}"}});
    f.sched.advance(10 * 1000 * 1000);
    assert_int_equal(f.sink.count(TOOLORCH_EVENT_JOB_DONE), 1);
    assert_int_equal(f.job_done()->status, TOOLORCH_ECANCELLED);
    assert_int_equal(f.search.invocations, 0);  // cancelled before any call started
    assert_int_equal(f.sink.count(TOOLORCH_EVENT_ROUND_DONE), 0);
    assert_int_equal(f.provider.sent.size(), 1);
  }
}

static void job_requests_are_checked(void **) {
  core::JobConfig c;
  std::string err;
  assert_int_equal(core::parse_job_config("{\"prompt\":\"x\"}", nullptr, &c, &err), TOOLORCH_ECONFIG);
  assert_non_null(strstr(err.c_str(), "model"));
  assert_int_equal(core::parse_job_config("{\"prompt\":\"x\",\"model\":\"m\",\"colour\":1}", nullptr, &c, &err),
                   TOOLORCH_ECONFIG);
  assert_non_null(strstr(err.c_str(), "\"colour\""));
  assert_int_equal(core::parse_job_config("{\"prompt\":", nullptr, &c, &err), TOOLORCH_EJSON);
  assert_int_equal(core::parse_job_config("{\"model\":\"m\"}", nullptr, &c, &err), TOOLORCH_ECONFIG);
  assert_int_equal(
      core::parse_job_config("{\"prompt\":\"x\",\"model\":\"m\",\"eager_dispatch\":\"maybe\"}", nullptr, &c, &err),
      TOOLORCH_ECONFIG);
  json::Ptr llm = json::parse("{\"model\":\"default-model\"}");
  assert_int_equal(core::parse_job_config("{\"prompt\":\"x\"}", llm.get(), &c, &err), TOOLORCH_OK);
  assert_string_equal(c.model.c_str(), "default-model");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(streamed_call_dispatched_when_its_arguments_are_complete),
      cmocka_unit_test(eager_off_and_all),
      cmocka_unit_test(rounds_until_the_model_answers),
      cmocka_unit_test(bad_model_output_becomes_error_results),
      cmocka_unit_test(rate_limited_request_waits_for_retry_after),
      cmocka_unit_test(client_error_ends_the_job),
      cmocka_unit_test(dropped_stream_is_retried_once_and_calls_reused),
      cmocka_unit_test(total_timeout_cancels_everything),
      cmocka_unit_test(llm_timeout_retries_then_fails),
      cmocka_unit_test(max_rounds_and_cancel),
      cmocka_unit_test(job_groups_cancel_branches_and_tell_the_model),
      cmocka_unit_test(job_wide_cancel_siblings),
      cmocka_unit_test(cancel_from_an_event_callback),
      cmocka_unit_test(job_requests_are_checked),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
