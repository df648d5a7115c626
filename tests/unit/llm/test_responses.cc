// The OpenAI Responses adapter over a fake http::Client: a call is ready at
// function_call_arguments.done (never when its arguments merely parse), the
// stream ends at response.completed, reasoning items go back next round, the
// request JSON in both state modes, the non-streamed answer, errors.
#include <cstring>
#include <string>

#include "json/json.h"
#include "llm_test_util.h"
#include "toolorch/status.h"

using namespace toolorch;
using test::FakeHttpClient;
using test::RecordingListener;
using test::str;
using test::item;

namespace {


llm::ProviderConfig config() { return test::test_config(llm::Protocol::kOpenAIResponses, "sk-resp"); }

void test_stream_any_split(void **) {
  const std::string body = test::read_fixture("responses_parallel_calls.sse");
  for (size_t split : {size_t(0), size_t(1), size_t(5), size_t(97)}) {
    FakeHttpClient http;
    auto provider = llm::make_provider(config(), &http);
    RecordingListener l;
    auto req = provider->send(test::simple_request(), &l);
    assert_true(http.respond(0, 200, test::sse_headers(), body, split));
    std::vector<std::string> want = {
        "started:0:call_A:get_weather", "ready:0:{\"location\":\"Paris\"}",
        "started:1:call_B:get_weather", "ready:1:{\"location\":\"Rome\"}",
        "usage:57:41",                  "finished",
    };
    assert_int_equal(l.events.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) assert_string_equal(l.events[i].c_str(), want[i].c_str());
    assert_string_equal(l.response.stop_reason.c_str(), "tool_calls");
    assert_int_equal(l.response.tool_calls.size(), 2);
    // The reasoning item is kept for the next round.
    assert_non_null(strstr(l.response.provider_state.c_str(), "gAAAA+/=="));
    assert_non_null(strstr(l.response.provider_state.c_str(), "resp_67c9"));
  }
}

// Ready at .done: not when the deltas so far already parse as JSON.
void test_ready_only_when_sealed(void **) {
  const auto events = test::split_events(test::read_fixture("responses_parallel_calls.sse"));
  FakeHttpClient http;
  auto provider = llm::make_provider(config(), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(), &l);
  http.headers(0, 200, test::sse_headers());
  size_t i = 0;
  for (; events[i].find("function_call_arguments.done") == std::string::npos; ++i) http.data(0, events[i]);
  // Both deltas of call 0 are in: {"location":"Paris"} parses, yet it is not ready.
  assert_true(l.has("started:0:call_A:get_weather"));
  assert_int_equal(l.find("ready:0"), -1);
  http.data(0, events[i++]);  // .done
  assert_true(l.has("ready:0:{\"location\":\"Paris\"}"));
  assert_int_equal(l.find("started:1"), -1);  // ready before the next call even began
  for (; i < events.size(); ++i) http.data(0, events[i]);
  assert_int_equal(l.finished, 0);  // the end is the end of the body
  http.done(0);
  assert_int_equal(l.finished, 1);
}

void test_request_stateless(void **) {
  FakeHttpClient http;
  auto provider = llm::make_provider(config(), &http);
  RecordingListener first;
  llm::Request r = test::simple_request();
  r.tool_choice = "get_weather";
  llm::Message sys;
  sys.role = llm::Message::Role::kSystem;
  sys.text = "Be brief.";
  r.messages.insert(r.messages.begin(), sys);
  auto req = provider->send(r, &first);
  const http::Request &hr = http.transfer(0).request;
  assert_string_equal(hr.url.c_str(), "https://api.openai.com/v1/responses");
  assert_string_equal(FakeHttpClient::request_header(hr, "authorization").c_str(), "Bearer sk-resp");
  json::Ptr body = json::parse(hr.body);
  assert_false(cJSON_IsTrue(item(body.get(), "store")));
  assert_true(cJSON_IsFalse(item(body.get(), "store")));
  assert_string_equal(str(body.get(), "instructions").c_str(), "Be brief.");
  assert_int_equal(json::get_number(body.get(), "max_output_tokens", -1), 4096);
  assert_true(cJSON_IsTrue(item(body.get(), "parallel_tool_calls")));
  assert_string_equal(str(item(body.get(), "tool_choice"), "name").c_str(), "get_weather");
  const cJSON *tool = cJSON_GetArrayItem(item(body.get(), "tools"), 0);
  assert_string_equal(str(tool, "type").c_str(), "function");
  assert_string_equal(str(tool, "name").c_str(), "get_weather");
  assert_string_equal(str(item(tool, "parameters"), "type").c_str(), "object");
  const cJSON *input = item(body.get(), "input");
  assert_int_equal(cJSON_GetArraySize(input), 1);
  assert_string_equal(str(cJSON_GetArrayItem(input, 0), "role").c_str(), "user");

  // Round 2: the answer's output items go back (reasoning with its
  // encrypted content, calls without the ids of a store we did not use),
  // then the results by call_id in call order.
  http.respond(0, 200, test::sse_headers(), test::read_fixture("responses_parallel_calls.sse"));
  assert_int_equal(first.finished, 1);
  llm::Message assistant;
  assistant.role = llm::Message::Role::kAssistant;
  assistant.tool_calls = first.response.tool_calls;
  assistant.provider_state = first.response.provider_state;
  r.messages.push_back(assistant);
  for (const char *id : {"call_B", "call_A"}) {  // out of order on purpose
    llm::Message t;
    t.role = llm::Message::Role::kTool;
    t.tool_call_id = id;
    t.text = std::string("sunny in ") + id;
    r.messages.push_back(t);
  }
  RecordingListener second;
  auto req2 = provider->send(r, &second);
  json::Ptr body2 = json::parse(http.transfer(1).request.body);
  input = item(body2.get(), "input");
  assert_int_equal(cJSON_GetArraySize(input), 6);
  const cJSON *reasoning = cJSON_GetArrayItem(input, 1);
  assert_string_equal(str(reasoning, "type").c_str(), "reasoning");
  assert_string_equal(str(reasoning, "encrypted_content").c_str(), "gAAAA+/==");
  const cJSON *call = cJSON_GetArrayItem(input, 2);
  assert_string_equal(str(call, "type").c_str(), "function_call");
  assert_string_equal(str(call, "call_id").c_str(), "call_A");
  assert_null(item(call, "id"));
  const cJSON *out0 = cJSON_GetArrayItem(input, 4), *out1 = cJSON_GetArrayItem(input, 5);
  assert_string_equal(str(out0, "type").c_str(), "function_call_output");
  assert_string_equal(str(out0, "call_id").c_str(), "call_A");
  assert_string_equal(str(out1, "call_id").c_str(), "call_B");
  assert_string_equal(str(out1, "output").c_str(), "sunny in call_B");
  assert_null(item(body2.get(), "previous_response_id"));
}

void test_request_previous_response_id(void **) {
  llm::ProviderConfig cfg = config();
  cfg.responses_previous_id = true;
  FakeHttpClient http;
  auto provider = llm::make_provider(cfg, &http);
  llm::Request r = test::simple_request(false);
  llm::Message assistant;
  assistant.role = llm::Message::Role::kAssistant;
  assistant.tool_calls.push_back({"call_A", "get_weather", "{}", ""});
  assistant.provider_state = R"({"id":"resp_9","output":[]})";
  r.messages.push_back(assistant);
  llm::Message t;
  t.role = llm::Message::Role::kTool;
  t.tool_call_id = "call_A";
  t.text = "sunny";
  r.messages.push_back(t);
  RecordingListener l;
  auto req = provider->send(r, &l);
  json::Ptr body = json::parse(http.transfer(0).request.body);
  assert_true(cJSON_IsTrue(item(body.get(), "store")));
  assert_string_equal(str(body.get(), "previous_response_id").c_str(), "resp_9");
  const cJSON *input = item(body.get(), "input");
  assert_int_equal(cJSON_GetArraySize(input), 1);  // only what the server has not seen
  assert_string_equal(str(cJSON_GetArrayItem(input, 0), "type").c_str(), "function_call_output");
}

void test_whole_body(void **) {
  FakeHttpClient http;
  auto provider = llm::make_provider(config(), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(false), &l);
  const char *body =
      R"({"id":"resp_1","object":"response","status":"completed","output":[)"
      R"({"id":"msg_1","type":"message","role":"assistant","content":[{"type":"output_text","text":"Let me check."}]},)"
      R"({"id":"fc_1","type":"function_call","call_id":"call_X","name":"get_weather","arguments":"{\"location\":\"Oslo\"}"}],)"
      R"("usage":{"input_tokens":9,"output_tokens":4}})";
  http.respond(0, 200, {{"Content-Type", "application/json"}}, body);
  std::vector<std::string> want = {"text:Let me check.", "started:0:call_X:get_weather",
                                   "ready:0:{\"location\":\"Oslo\"}", "usage:9:4", "finished"};
  assert_int_equal(l.events.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) assert_string_equal(l.events[i].c_str(), want[i].c_str());
  assert_string_equal(l.response.text.c_str(), "Let me check.");
}

void test_errors(void **) {
  struct Case {
    std::string stream;
    int status;
    bool retryable;
    const char *words;
  } cases[] = {
      {"event: error\ndata: {\"type\":\"error\",\"code\":\"server_error\",\"message\":\"boom\",\"param\":null}\n\n",
       TOOLORCH_EPROVIDER, true, "boom"},
      {"event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"id\":\"r\",\"status\":\"failed\","
       "\"error\":{\"code\":\"invalid_prompt\",\"message\":\"nope\"}}}\n\n",
       TOOLORCH_EPROVIDER, false, "nope"},
      {"event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}\n\n",
       TOOLORCH_ESTREAM, true, "ended before"},  // cut: no response.completed
      {"data: {oops\n\n", TOOLORCH_EPROTOCOL, false, "not a JSON object"},
  };
  for (const Case &c : cases) {
    FakeHttpClient http;
    auto provider = llm::make_provider(config(), &http);
    RecordingListener l;
    auto req = provider->send(test::simple_request(), &l);
    http.respond(0, 200, test::sse_headers(), c.stream);
    assert_int_equal(l.errors, 1);
    assert_int_equal(l.ends(), 1);
    if (l.error.status != c.status) fail_msg("status %d for %s", l.error.status, c.words);
    assert_int_equal(l.error.retryable, c.retryable);
    assert_non_null(strstr(l.error.message.c_str(), c.words));
  }
  // Incomplete is an ending, with the reason.
  FakeHttpClient http;
  auto provider = llm::make_provider(config(), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(), &l);
  http.respond(0, 200, test::sse_headers(),
               "data: {\"type\":\"response.incomplete\",\"response\":{\"id\":\"r\",\"status\":\"incomplete\","
               "\"incomplete_details\":{\"reason\":\"max_output_tokens\"},\"output\":[]}}\n\n");
  assert_int_equal(l.finished, 1);
  assert_string_equal(l.response.stop_reason.c_str(), "max_output_tokens");
}

// OpenAI's reset headers are durations: an exhausted budget tells the
// limiter when it refills.
void test_rate_reset(void **) {
  FakeHttpClient http;
  auto provider = llm::make_provider(config(), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(), &l);
  http.headers(0, 200, {{"content-type", "text/event-stream"}, {"x-ratelimit-remaining-requests", "0"},
                        {"x-ratelimit-reset-requests", "1m30.5s"}, {"x-ratelimit-remaining-tokens", "0"},
                        {"x-ratelimit-reset-tokens", "250ms"}});
  assert_true(l.has("rate:200:0:0"));
  assert_true(l.has("reset:200:90500"));
}

void test_base_url_with_a_path(void **) {
  struct Case {
    const char *base;
    const char *url;
  } cases[] = {
      {"http://127.0.0.1:8080", "http://127.0.0.1:8080/v1/responses"},
      {"http://127.0.0.1:8080/v1/", "http://127.0.0.1:8080/v1/responses"},
      {"https://gw.example/openai/v1", "https://gw.example/openai/v1/responses"},
      {"https://az.example/openai/responses?api-version=2025-04-01",
       "https://az.example/openai/responses?api-version=2025-04-01"},
  };
  for (const auto &c : cases) {
    llm::ProviderConfig cfg = config();
    cfg.base_url = c.base;
    FakeHttpClient http;
    auto provider = llm::make_provider(cfg, &http);
    RecordingListener l;
    auto req = provider->send(test::simple_request(), &l);
    assert_string_equal(http.transfer(0).request.url.c_str(), c.url);
  }
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stream_any_split),  cmocka_unit_test(test_ready_only_when_sealed),
      cmocka_unit_test(test_request_stateless), cmocka_unit_test(test_request_previous_response_id),
      cmocka_unit_test(test_whole_body),        cmocka_unit_test(test_errors),
      cmocka_unit_test(test_rate_reset),        cmocka_unit_test(test_base_url_with_a_path),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
