// The Gemini adapter over a fake http::Client: each functionCall part is a
// call ready the moment its chunk arrives; thoughtSignatures go back exactly;
// the URL, key header and request JSON (schemas translated); the whole
// answer; errors with RetryInfo; a stream cut before finishReason.
#include <cstring>
#include <string>

#include "json/json.h"
#include "llm/adapters.h"
#include "llm_test_util.h"
#include "toolorch/status.h"

using namespace toolorch;
using test::FakeHttpClient;
using test::RecordingListener;
using test::str;
using test::item;

namespace {


llm::ProviderConfig config() { return test::test_config(llm::Protocol::kGemini, "AIza-secret"); }

std::vector<std::string> crlf_events(const std::string &body) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find("\r\n\r\n", pos);
    end = end == std::string::npos ? body.size() : end + 4;
    out.push_back(body.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

void test_stream_each_call_ready_as_it_arrives(void **) {
  const auto events = crlf_events(test::read_fixture("gemini_parallel_calls.sse"));
  assert_int_equal(events.size(), 4);
  FakeHttpClient http;
  auto provider = llm::make_provider(config(), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(), &l);
  http.headers(0, 200, test::sse_headers());
  http.data(0, events[0]);
  assert_true(l.has("text:Checking both."));
  http.data(0, events[1]);
  // Call 0 is whole in its chunk: ready now, while call 1 is still to come.
  assert_int_equal(l.find("ready:0:{\"location\":\"Paris\"}"), 2);
  assert_int_equal(l.find("started:1"), -1);
  assert_string_equal(l.ready[0].signature.c_str(), "CiQB0e2Kb+/x==");
  http.data(0, events[2]);
  assert_true(l.has("ready:1:{\"location\":\"Rome\"}"));
  http.data(0, events[3]);
  http.done(0);
  assert_int_equal(l.finished, 1);
  assert_true(l.has("usage:40:27"));  // candidates + thoughts
  assert_string_equal(l.response.stop_reason.c_str(), "tool_calls");
  assert_string_equal(l.response.text.c_str(), "Checking both.");
  // Ids the model did not give are ours, unique.
  assert_string_not_equal(l.response.tool_calls[0].id.c_str(), l.response.tool_calls[1].id.c_str());
}

void test_any_split(void **) {
  const std::string body = test::read_fixture("gemini_parallel_calls.sse");
  for (size_t split : {size_t(1), size_t(3), size_t(64)}) {
    FakeHttpClient http;
    auto provider = llm::make_provider(config(), &http);
    RecordingListener l;
    auto req = provider->send(test::simple_request(), &l);
    http.respond(0, 200, test::sse_headers(), body, split);
    assert_int_equal(l.finished, 1);
    assert_int_equal(l.response.tool_calls.size(), 2);
  }
}

void test_request_and_signatures_back(void **) {
  FakeHttpClient http;
  auto provider = llm::make_provider(config(), &http);
  llm::Request r = test::simple_request();
  r.model = "gemini-2.5-flash";
  r.tool_choice = "required";
  r.tools[0].schema_json =
      R"({"$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":false,)"
      R"("properties":{"location":{"type":["string","null"],"description":"city"},)"
      R"("unit":{"enum":["c","f"],"default":"c"},"n":{"type":"integer","enum":[1,2]}},"required":["location","ghost"]})";
  llm::Message sys;
  sys.role = llm::Message::Role::kSystem;
  sys.text = "Be brief.";
  r.messages.insert(r.messages.begin(), sys);
  RecordingListener first;
  auto req = provider->send(r, &first);
  const http::Request &hr = http.transfer(0).request;
  assert_string_equal(hr.url.c_str(),
                      "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  assert_string_equal(FakeHttpClient::request_header(hr, "x-goog-api-key").c_str(), "AIza-secret");
  assert_string_equal(FakeHttpClient::request_header(hr, "authorization").c_str(), "");
  json::Ptr body = json::parse(hr.body);
  assert_string_equal(str(cJSON_GetArrayItem(item(item(body.get(), "systemInstruction"), "parts"), 0), "text").c_str(),
                      "Be brief.");
  assert_string_equal(str(item(item(body.get(), "toolConfig"), "functionCallingConfig"), "mode").c_str(), "ANY");
  assert_int_equal(json::get_number(item(body.get(), "generationConfig"), "maxOutputTokens", -1), 4096);
  const cJSON *decl = cJSON_GetArrayItem(item(cJSON_GetArrayItem(item(body.get(), "tools"), 0), "functionDeclarations"), 0);
  assert_string_equal(str(decl, "name").c_str(), "get_weather");
  const cJSON *params = item(decl, "parameters");
  assert_null(item(params, "$schema"));
  assert_null(item(params, "additionalProperties"));
  const cJSON *loc = item(item(params, "properties"), "location");
  assert_string_equal(str(loc, "type").c_str(), "string");
  assert_true(cJSON_IsTrue(item(loc, "nullable")));
  assert_null(item(item(item(params, "properties"), "unit"), "default"));
  assert_non_null(item(item(item(params, "properties"), "unit"), "enum"));
  assert_null(item(item(item(params, "properties"), "n"), "enum"));  // not strings: dropped
  assert_int_equal(cJSON_GetArraySize(item(params, "required")), 1);  // "ghost" is no property
  assert_null(item(body.get(), "parallel_tool_calls"));

  http.respond(0, 200, test::sse_headers(), test::read_fixture("gemini_parallel_calls.sse"));
  assert_int_equal(first.finished, 1);
  llm::Message assistant;
  assistant.role = llm::Message::Role::kAssistant;
  assistant.text = first.response.text;
  assistant.tool_calls = first.response.tool_calls;
  assistant.provider_state = first.response.provider_state;
  r.messages.push_back(assistant);
  const char *results[] = {"22C", "bad arguments"};
  for (int i = 0; i < 2; ++i) {
    llm::Message t;
    t.role = llm::Message::Role::kTool;
    t.tool_call_id = first.response.tool_calls[i].id;
    t.tool_name = "get_weather";
    t.text = results[i];
    t.is_error = i == 1;
    r.messages.push_back(t);
  }
  r.stream = false;
  RecordingListener second;
  auto req2 = provider->send(r, &second);
  assert_string_equal(http.transfer(1).request.url.c_str(),
                      "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent");
  json::Ptr body2 = json::parse(http.transfer(1).request.body);
  const cJSON *contents = item(body2.get(), "contents");
  assert_int_equal(cJSON_GetArraySize(contents), 3);
  const cJSON *model = cJSON_GetArrayItem(contents, 1);
  assert_string_equal(str(model, "role").c_str(), "model");
  const cJSON *parts = item(model, "parts");
  // The model's parts as they came: text (pieces joined), then both calls,
  // the signature exactly on the part it came with.
  assert_string_equal(str(cJSON_GetArrayItem(parts, 0), "text").c_str(), "Checking both.");
  const cJSON *call0 = cJSON_GetArrayItem(parts, 1);
  assert_string_equal(str(call0, "thoughtSignature").c_str(), "CiQB0e2Kb+/x==");
  assert_string_equal(str(item(item(call0, "functionCall"), "args"), "location").c_str(), "Paris");
  assert_null(item(cJSON_GetArrayItem(parts, 2), "thoughtSignature"));
  const cJSON *user = cJSON_GetArrayItem(contents, 2);
  assert_string_equal(str(user, "role").c_str(), "user");
  const cJSON *fr0 = item(cJSON_GetArrayItem(item(user, "parts"), 0), "functionResponse");
  const cJSON *fr1 = item(cJSON_GetArrayItem(item(user, "parts"), 1), "functionResponse");
  assert_string_equal(str(fr0, "name").c_str(), "get_weather");
  assert_null(item(fr0, "id"));  // our made-up ids never go to Gemini
  assert_string_equal(str(item(fr0, "response"), "result").c_str(), "22C");
  assert_string_equal(str(item(fr1, "response"), "error").c_str(), "bad arguments");
}

void test_whole_body(void **) {
  FakeHttpClient http;
  auto provider = llm::make_provider(config(), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(false), &l);
  http.respond(0, 200, {{"Content-Type", "application/json"}},
               R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Sure."},)"
               R"({"functionCall":{"id":"fc-1","name":"get_weather","args":{"location":"Oslo"}}}]},)"
               R"("finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":7,"candidatesTokenCount":3}})");
  std::vector<std::string> want = {"text:Sure.", "started:0:fc-1:get_weather", "ready:0:{\"location\":\"Oslo\"}",
                                   "usage:7:3", "finished"};
  assert_int_equal(l.events.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) assert_string_equal(l.events[i].c_str(), want[i].c_str());
}

void test_errors(void **) {
  {  // 429 RESOURCE_EXHAUSTED: when to come back is in the body
    FakeHttpClient http;
    auto provider = llm::make_provider(config(), &http);
    RecordingListener l;
    auto req = provider->send(test::simple_request(), &l);
    http.respond(0, 429, {{"Content-Type", "application/json"}},
                 R"({"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED","details":[)"
                 R"({"@type":"type.googleapis.com/google.rpc.QuotaFailure"},)"
                 R"({"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37.5s"}]}})");
    assert_int_equal(l.error.status, TOOLORCH_ERATELIMITED);
    assert_true(l.error.retryable);
    assert_int_equal(l.error.retry_after_ms, 37500);
    assert_non_null(strstr(l.error.message.c_str(), "Quota exceeded"));
  }
  struct Case {
    long http_status;
    int status;
    bool retryable;
  } statuses[] = {{400, TOOLORCH_EPROVIDER, false}, {403, TOOLORCH_EPROVIDER, false},
                  {500, TOOLORCH_EPROVIDER, true}, {503, TOOLORCH_EPROVIDER, true}};
  for (const Case &c : statuses) {
    FakeHttpClient http;
    auto provider = llm::make_provider(config(), &http);
    RecordingListener l;
    auto req = provider->send(test::simple_request(), &l);
    http.respond(0, c.http_status, {{"Content-Type", "application/json"}},
                 R"({"error":{"code":0,"message":"said so","status":"X"}})");
    assert_int_equal(l.error.status, c.status);
    assert_int_equal(l.error.retryable, c.retryable);
    assert_non_null(strstr(l.error.message.c_str(), "said so"));
    assert_null(strstr(l.error.message.c_str(), "AIza-secret"));
  }
  {  // an error inside the stream, after a call
    FakeHttpClient http;
    auto provider = llm::make_provider(config(), &http);
    RecordingListener l;
    auto req = provider->send(test::simple_request(), &l);
    auto events = crlf_events(test::read_fixture("gemini_parallel_calls.sse"));
    http.respond(0, 200, test::sse_headers(),
                 events[1] + "data: {\"error\":{\"code\":503,\"message\":\"overloaded\",\"status\":\"UNAVAILABLE\"}}\r\n\r\n");
    assert_true(l.has("ready:0:{\"location\":\"Paris\"}"));
    assert_int_equal(l.errors, 1);
    assert_int_equal(l.error.status, TOOLORCH_EPROVIDER);
    assert_true(l.error.retryable);
  }
  {  // cut before finishReason
    FakeHttpClient http;
    auto provider = llm::make_provider(config(), &http);
    RecordingListener l;
    auto req = provider->send(test::simple_request(), &l);
    auto events = crlf_events(test::read_fixture("gemini_parallel_calls.sse"));
    http.respond(0, 200, test::sse_headers(), events[0] + events[1]);
    assert_int_equal(l.errors, 1);
    assert_true(l.error.retryable);
    assert_non_null(strstr(l.error.message.c_str(), "ended before"));
  }
}

// Numbers from the network out of any range (found by fuzzing: a code of
// 1e99 was cast to long, undefined behaviour): clamped, never cast raw.
void test_numbers_out_of_range(void **) {
  {
    FakeHttpClient http;
    auto provider = llm::make_provider(config(), &http);
    RecordingListener l;
    auto req = provider->send(test::simple_request(false), &l);
    http.respond(0, 200, {{"Content-Type", "application/json"}}, R"({"error":{"code":1e99,"message":"huge"}})");
    assert_int_equal(l.errors, 1);
    assert_int_equal(l.error.status, TOOLORCH_EPROVIDER);
    assert_true(l.error.retryable);  // a code past 5xx is clamped to 999: a server error
  }
  {
    FakeHttpClient http;
    auto provider = llm::make_provider(config(), &http);
    RecordingListener l;
    auto req = provider->send(test::simple_request(false), &l);
    http.respond(0, 200, {{"Content-Type", "application/json"}},
                 R"({"candidates":[{"content":{"parts":[{"text":"ok"}]},"finishReason":"STOP"}],)"
                 R"("usageMetadata":{"promptTokenCount":1e300,"candidatesTokenCount":1e300,"thoughtsTokenCount":1e300}})");
    assert_int_equal(l.finished, 1);
    // Each count is held at INT64_MAX, and so is their sum.
    assert_true(l.has("usage:9223372036854775807:9223372036854775807"));
  }
}

void test_urls(void **) {
  struct Case {
    const char *base;
    bool stream;
    const char *url;
  } cases[] = {
      {"http://127.0.0.1:9", true, "http://127.0.0.1:9/v1beta/models/m-1:streamGenerateContent?alt=sse"},
      {"http://127.0.0.1:9/", false, "http://127.0.0.1:9/v1beta/models/m-1:generateContent"},
      {"https://gw.example/google/v1beta", false, "https://gw.example/google/v1beta/models/m-1:generateContent"},
      {"https://gw.example/x/models/pinned:generateContent?key=1", true,
       "https://gw.example/x/models/pinned:streamGenerateContent?key=1&alt=sse"},
  };
  for (const auto &c : cases) {
    llm::ProviderConfig cfg = config();
    cfg.base_url = c.base;
    FakeHttpClient http;
    auto provider = llm::make_provider(cfg, &http);
    RecordingListener l;
    llm::Request r = test::simple_request(c.stream);
    r.model = "models/m-1";
    auto req = provider->send(r, &l);
    assert_string_equal(http.transfer(0).request.url.c_str(), c.url);
  }
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stream_each_call_ready_as_it_arrives),
      cmocka_unit_test(test_any_split),
      cmocka_unit_test(test_request_and_signatures_back),
      cmocka_unit_test(test_whole_body),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_urls),
      cmocka_unit_test(test_numbers_out_of_range),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
