// The Anthropic Messages adapter over a fake http::Client: the streams of the
// "Streaming Messages" documentation, fed in any split; a tool_use block is
// ready at its content_block_stop; the request JSON; the non-streamed answer.
#include <algorithm>
#include <cstring>
#include <string>

#include "json/json.h"
#include "llm_test_util.h"
#include "toolorch/status.h"

using namespace toolorch;
using test::FakeHttpClient;
using test::RecordingListener;
using test::item;

namespace {

const char *kDocArgs = "{\"location\": \"San Francisco, CA\", \"unit\": \"fahrenheit\"}";

void test_doc_tool_use_stream_any_split(void **) {
  const std::string body = test::read_fixture("anthropic_doc_tool_use.sse");
  assert_true(body.size() > 3000);
  for (size_t split : {size_t(0), size_t(1), size_t(3), size_t(50), size_t(700)}) {
    FakeHttpClient http;
    auto provider = llm::make_provider(test::test_config(llm::Protocol::kAnthropic), &http);
    RecordingListener l;
    auto req = provider->send(test::simple_request(), &l);
    assert_true(http.respond(0, 200, test::sse_headers(), body, split));
    assert_int_equal(l.errors, 0);
    assert_int_equal(l.finished, 1);
    assert_string_equal(l.text.c_str(), "Okay, let's check the weather for San Francisco, CA:");
    assert_string_equal(l.response.text.c_str(), "Okay, let's check the weather for San Francisco, CA:");
    // Order: the text, the call, then the usage (once, with the totals).
    int started = l.find("started:0:toolu_01T1x1fJ34qAmk2tNTrN7Up6:get_weather"),
        ready = l.find(std::string("ready:0:") + kDocArgs), usage1 = l.find("usage:472:89"),
        last_text = l.find("text::");
    assert_int_equal(l.find("text:Okay"), 0);
    assert_true(last_text > 0 && last_text < started);
    assert_true(started < ready && ready < usage1);
    assert_int_equal(usage1 + 2, static_cast<int>(l.events.size()));
    assert_int_equal(l.find("usage:"), usage1);
    assert_string_equal(l.events.back().c_str(), "finished");
    assert_int_equal(l.ready.size(), 1);
    assert_int_equal(l.response.tool_calls.size(), 1);
    assert_string_equal(l.response.tool_calls[0].args_json.c_str(), kDocArgs);
    assert_string_equal(l.response.stop_reason.c_str(), "tool_use");
    assert_int_equal(l.response.usage.input_tokens, 472);
    assert_int_equal(l.response.usage.output_tokens, 89);
  }
}

void test_doc_basic_stream(void **) {
  FakeHttpClient http;
  auto provider = llm::make_provider(test::test_config(llm::Protocol::kAnthropic), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(), &l);
  http.respond(0, 200, test::sse_headers(), test::read_fixture("anthropic_doc_basic.sse"), 1);
  std::vector<std::string> want = {"text:Hello", "text:!", "usage:25:15", "finished"};
  test::assert_events(l, want);
  assert_string_equal(l.response.stop_reason.c_str(), "end_turn");
  assert_int_equal(l.response.tool_calls.size(), 0);
}

void test_call_ready_at_its_block_stop(void **) {
  const auto events = test::split_events(test::read_fixture("anthropic_two_tools.sse"));
  FakeHttpClient http;
  auto provider = llm::make_provider(test::test_config(llm::Protocol::kAnthropic), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(), &l);
  http.headers(0, 200, test::sse_headers());
  size_t i = 0;
  for (; events[i].find("content_block_stop") == std::string::npos; ++i) http.data(0, events[i]);
  assert_true(l.has("started:0:toolu_A:get_weather"));
  assert_int_equal(l.find("ready:"), -1);
  http.data(0, events[i++]);  // the first block stops
  assert_true(l.has("ready:0:{\"location\": \"Paris\"}"));
  assert_int_equal(l.find("started:1"), -1);
  assert_int_equal(l.ends(), 0);
  for (; i < events.size(); ++i) http.data(0, events[i]);
  http.done(0);
  std::vector<std::string> want = {"started:0:toolu_A:get_weather", "ready:0:{\"location\": \"Paris\"}",
                                   "started:1:toolu_B:get_time", "ready:1:{}", "usage:512:60", "finished"};
  test::assert_events(l, want);
}

// Found by tests/fuzz: a block index reused before its tool_use block
// stopped. The earlier call is ready at the restart, so every call of the
// response is reported ready exactly once.
void test_block_index_reused_before_stop(void **) {
  FakeHttpClient http;
  auto provider = llm::make_provider(test::test_config(llm::Protocol::kAnthropic), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(), &l);
  http.headers(0, 200, test::sse_headers());
  http.data(0,
            "event: content_block_start\n"
            "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
            "{\"type\":\"tool_use\",\"id\":\"toolu_A\",\"name\":\"a\",\"input\":{}}}\n\n"
            "event: content_block_delta\n"
            "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
            "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"x\\\":1}\"}}\n\n"
            "event: content_block_start\n"
            "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
            "{\"type\":\"tool_use\",\"id\":\"toolu_B\",\"name\":\"b\",\"input\":{}}}\n\n"
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
  http.done(0);
  std::vector<std::string> want = {"started:0:toolu_A:a", "ready:0:{\"x\":1}", "started:1:toolu_B:b",
                                   "ready:1:{}", "finished"};
  test::assert_events(l, want);
  assert_int_equal(l.response.tool_calls.size(), 2);
}

// Content block events are read without cJSON when they can be
// (json::FlatDoc) and with it otherwise (a surrogate pair, a tool_use
// block that starts with its input, an index written 1.0): one stream
// mixing both reads as one.
void test_events_read_alike_by_both_readers(void **) {
  FakeHttpClient http;
  auto provider = llm::make_provider(test::test_config(llm::Protocol::kAnthropic), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(), &l);
  http.headers(0, 200, test::sse_headers());
  http.data(0,
            "event: content_block_start\n"
            "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
            "event: content_block_delta\n"
            "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\\u00e9\"}}\n\n"
            "event: content_block_delta\n"
            "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"\\ud83d\\ude00\"}}\n\n"
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
            "event: content_block_start\n"
            "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":"
            "{\"type\":\"tool_use\",\"id\":\"toolu_A\",\"name\":\"a\",\"input\":{\"k\": \"v\"}}}\n\n"
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1.0}\n\n"
            "event: content_block_start\n"
            "data: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":"
            "{\"type\":\"tool_use\",\"id\":\"toolu_B\",\"name\":\"b\",\"input\":{}}}\n\n"
            "event: content_block_delta\n"
            "data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":"
            "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"x\\\":\"}}\n\n"
            "event: content_block_delta\n"
            "data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":"
            "{\"type\":\"input_json_delta\",\"partial_json\":\"1}\"}}\n\n"
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":2}\n\n"
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
  http.done(0);
  std::vector<std::string> want = {"text:a\xc3\xa9", "text:\xf0\x9f\x98\x80", "started:0:toolu_A:a", "ready:0:{\"k\":\"v\"}",
                                   "started:1:toolu_B:b", "ready:1:{\"x\":1}", "finished"};
  test::assert_events(l, want);
}

const char *str(const cJSON *o, const char *k) { return json::get_string(o, k, "<missing>"); }

// Events in the shapes the decoder reads in one pass (a tool_use block's
// start, a piece of its input, a piece of text, a block's stop) read as the
// same events do through the general reader (a space after the opening
// brace leaves every shape); events a shape does not read exactly (a
// ten-digit index, a NUL escape, a surrogate pair, input given at the
// start, a byte after the object) are left to the general reader.
void test_shaped_events_read_as_the_general_reader_reads_them(void **) {
  auto event = [](const char *type, const std::string &data) {
    return std::string("event: ") + type + "\ndata: " + data + "\n\n";
  };
  auto events_of = [](const std::string &body, bool general) {
    std::string b = body;
    for (size_t at = 0; (at = b.find("data: {", at)) != std::string::npos; at += 7)
      if (general) b.insert(at + 7, " ");
    return test::events_of_stream(llm::Protocol::kAnthropic, b);
  };
  const std::string end =
      event("message_delta", R"({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null}})") +
      event("message_stop", R"({"type":"message_stop"})");
  const std::string body =
      event("content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})") +
      event("content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me \"see\" \u00e9"}})") +
      event("content_block_stop", R"({"type":"content_block_stop","index":0})") +
      event("content_block_start",
            R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_A","name":"get_weather","input":{}}})") +
      event("content_block_delta",
            R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\":"}})") +
      event("content_block_delta",
            R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \"Paris\"}"}})") +
      event("content_block_stop", R"({"type":"content_block_stop","index":1})") +
      event("content_block_start",
            R"({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_B","name":"noargs","input":{}}})") +
      event("content_block_stop", R"({"type":"content_block_stop","index":2})") + end;
  const std::vector<std::string> want = {"text:Let me \"see\" \xc3\xa9",
                                         "started:0:toolu_A:get_weather",
                                         "ready:0:{\"location\": \"Paris\"}",
                                         "started:1:toolu_B:noargs",
                                         "ready:1:{}",
                                         "finished",
                                         "stop:tool_use text:Let me \"see\" \xc3\xa9"};
  assert_true(events_of(body, false) == want);
  assert_true(events_of(body, true) == want);
  // Not in any shape, read alike by the general reader.
  const char *start = R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t","name":"f","input":{}}})";
  const char *others[] = {
      R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\u0000"}})",
      R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\ud83d\ude00"}})",
      R"({"type":"content_block_delta","index":1234567890,"delta":{"type":"input_json_delta","partial_json":"{}"}})",
      R"({"type":"content_block_delta","index":01,"delta":{"type":"input_json_delta","partial_json":"{}"}})",
      R"({"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"u","name":"g","input":{"k":1}}})",
      R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\x"}})",
      R"({"type":"content_block_stop","index":1}x)",
  };
  for (const char *data : others) {
    const std::string b = event("content_block_start", start) + event("content_block_delta", data) +
                          event("content_block_stop", R"({"type":"content_block_stop","index":1})") + end;
    assert_true(events_of(b, false) == events_of(b, true));
  }
  // What the general reader makes of some: input given at the start is
  // the call's arguments; \x and a byte after the object are not JSON.
  auto with = events_of(event("content_block_start", others[4]) +
                            event("content_block_stop", R"({"type":"content_block_stop","index":3})") + end,
                        false);
  assert_true(std::find(with.begin(), with.end(), "ready:0:{\"k\":1}") != with.end());
  for (int bad : {5, 6}) {
    auto ev = events_of(event("content_block_start", start) + event("content_block_delta", others[bad]) + end, false);
    assert_true(std::find(ev.begin(), ev.end(), "error:" + std::to_string(TOOLORCH_EPROTOCOL)) != ev.end());
  }
}

void test_request_encoding(void **) {
  using Role = llm::Message::Role;
  llm::Request r = test::simple_request();
  r.messages.clear();
  r.messages.push_back({Role::kSystem, "Be brief.", {}, "", "", false});
  r.messages.push_back({Role::kUser, "Weather in Paris and Bogota?", {}, "", "", false});
  llm::Message a;
  a.role = Role::kAssistant;
  a.text = "Checking both.";
  a.tool_calls = {{"toolu_1", "get_weather", "{\"location\":\"Paris\"}"},
                  {"toolu_2", "get_weather", "{\"location\":"},  // invalid: replayed as {}
                  {"toolu_3", "get_time", ""}};
  r.messages.push_back(a);
  r.messages.push_back({Role::kTool, "late", {}, "toolu_3", "get_time", false});
  r.messages.push_back({Role::kTool, "boom", {}, "toolu_2", "get_weather", true});
  r.messages.push_back({Role::kTool, "18C", {}, "toolu_1", "get_weather", false});
  r.messages.push_back({Role::kUser, "Thanks", {}, "", "", false});
  r.tool_choice = "required";
  r.parallel_tool_calls = false;
  r.max_tokens = 777;

  FakeHttpClient http;
  llm::ProviderConfig cfg = test::test_config(llm::Protocol::kAnthropic, "sk-ant-xyz");
  cfg.extra_headers = {"anthropic-beta: tools-2024", "anthropic-version: 2099-01-01"};
  auto provider = llm::make_provider(cfg, &http);
  assert_int_equal(static_cast<int>(provider->protocol()), static_cast<int>(llm::Protocol::kAnthropic));
  RecordingListener l;
  auto req = provider->send(r, &l);
  const http::Request &hr = http.transfer(0).request;
  assert_string_equal(hr.url.c_str(), "https://api.anthropic.com/v1/messages");
  assert_string_equal(FakeHttpClient::request_header(hr, "x-api-key").c_str(), "sk-ant-xyz");
  assert_string_equal(FakeHttpClient::request_header(hr, "content-type").c_str(), "application/json");
  assert_string_equal(FakeHttpClient::request_header(hr, "anthropic-beta").c_str(), "tools-2024");
  // A configured header replaces the default of the same name (sent once).
  assert_string_equal(FakeHttpClient::request_header(hr, "anthropic-version").c_str(), "2099-01-01");
  int versions = 0;
  for (const auto &h : hr.headers) versions += h.rfind("anthropic-version:", 0) == 0;
  assert_int_equal(versions, 1);

  json::Ptr body = json::parse(hr.body);
  assert_non_null(body.get());
  const cJSON *b = body.get();
  // The messages are written as text: the body is still cJSON's own compact print.
  assert_string_equal(hr.body.c_str(), json::print(b).c_str());
  assert_string_equal(str(b, "model"), "test-model");
  assert_string_equal(str(b, "system"), "Be brief.");
  assert_int_equal(json::get_number(b, "max_tokens", -1), 777);
  assert_true(cJSON_IsTrue(item(b, "stream")));
  assert_string_equal(str(item(b, "tool_choice"), "type"), "any");
  assert_true(cJSON_IsTrue(item(item(b, "tool_choice"), "disable_parallel_tool_use")));
  const cJSON *tool = cJSON_GetArrayItem(item(b, "tools"), 0);
  assert_string_equal(str(tool, "name"), "get_weather");
  assert_string_equal(str(tool, "description"), "Get current temperature for a given location.");
  assert_string_equal(str(item(tool, "input_schema"), "type"), "object");

  const cJSON *msgs = item(b, "messages");
  assert_int_equal(cJSON_GetArraySize(msgs), 3);  // user, assistant, user (results + "Thanks")
  const cJSON *m1 = cJSON_GetArrayItem(msgs, 1);
  assert_string_equal(str(m1, "role"), "assistant");
  const cJSON *blocks = item(m1, "content");
  assert_int_equal(cJSON_GetArraySize(blocks), 4);
  assert_string_equal(str(cJSON_GetArrayItem(blocks, 0), "type"), "text");
  assert_string_equal(str(cJSON_GetArrayItem(blocks, 0), "text"), "Checking both.");
  const cJSON *tu = cJSON_GetArrayItem(blocks, 1);
  assert_string_equal(str(tu, "type"), "tool_use");
  assert_string_equal(str(tu, "id"), "toolu_1");
  assert_string_equal(str(tu, "name"), "get_weather");
  assert_string_equal(str(item(tu, "input"), "location"), "Paris");
  const cJSON *bad = item(cJSON_GetArrayItem(blocks, 2), "input");
  assert_true(cJSON_IsObject(bad) && bad->child == nullptr);
  assert_true(cJSON_IsObject(item(cJSON_GetArrayItem(blocks, 3), "input")));

  // ONE user message: the results in tool_use order, then the text.
  const cJSON *m2 = cJSON_GetArrayItem(msgs, 2);
  assert_string_equal(str(m2, "role"), "user");
  const cJSON *results = item(m2, "content");
  assert_int_equal(cJSON_GetArraySize(results), 4);
  const char *want_ids[] = {"toolu_1", "toolu_2", "toolu_3"};
  const char *want_text[] = {"18C", "boom", "late"};
  bool want_err[] = {false, true, false};
  for (int k = 0; k < 3; ++k) {
    const cJSON *res = cJSON_GetArrayItem(results, k);
    assert_string_equal(str(res, "type"), "tool_result");
    assert_string_equal(str(res, "tool_use_id"), want_ids[k]);
    assert_string_equal(str(res, "content"), want_text[k]);
    assert_int_equal(cJSON_IsTrue(item(res, "is_error")), want_err[k]);
    assert_true(cJSON_IsBool(item(res, "is_error")));
  }
  assert_string_equal(str(cJSON_GetArrayItem(results, 3), "type"), "text");
  assert_string_equal(str(cJSON_GetArrayItem(results, 3), "text"), "Thanks");
}

void test_request_defaults(void **) {
  FakeHttpClient http;
  llm::ProviderConfig cfg = test::test_config(llm::Protocol::kAnthropic, "");
  cfg.base_url = "http://127.0.0.1:9999/v1/";
  auto provider = llm::make_provider(cfg, &http);
  RecordingListener l;
  llm::Request r = test::simple_request(false);
  r.max_tokens = 0;  // required by the API: a default is sent
  auto req = provider->send(r, &l);
  const http::Request &hr = http.transfer(0).request;
  assert_string_equal(hr.url.c_str(), "http://127.0.0.1:9999/v1/messages");
  assert_string_equal(FakeHttpClient::request_header(hr, "x-api-key").c_str(), "");
  assert_string_equal(FakeHttpClient::request_header(hr, "anthropic-version").c_str(), "2023-06-01");
  json::Ptr body = json::parse(hr.body);
  assert_int_equal(json::get_number(body.get(), "max_tokens", -1), 4096);
  assert_null(item(body.get(), "system"));
  assert_null(item(body.get(), "tool_choice"));  // parallel allowed, no choice: nothing to say
  assert_true(cJSON_IsFalse(item(body.get(), "stream")));
}

void test_non_streamed_answer(void **) {
  const char *answer = R"({"id":"msg_01Aq9w938a90dw8q","type":"message","role":"assistant","model":"claude-opus-4-6",
    "content":[{"type":"text","text":"I'll look that up."},
               {"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","input":{"city":"London","units":"celsius"}},
               {"type":"tool_use","id":"toolu_02","name":"get_time","input":{}}],
    "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":150,"output_tokens":87}})";
  FakeHttpClient http;
  auto provider = llm::make_provider(test::test_config(llm::Protocol::kAnthropic), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(false), &l);
  http.respond(0, 200, {{"content-type", "application/json"}}, answer, 9);
  std::vector<std::string> want = {
      "text:I'll look that up.",
      "started:0:toolu_01A09q90qw90lq917835lq9:get_weather",
      "ready:0:{\"city\":\"London\",\"units\":\"celsius\"}",
      "started:1:toolu_02:get_time",
      "ready:1:{}",
      "usage:150:87",
      "finished",
  };
  test::assert_events(l, want);
  assert_string_equal(l.response.stop_reason.c_str(), "tool_use");
  assert_int_equal(l.response.tool_calls.size(), 2);
}

// A tool_use "input" that is not an object stays as it came: the call's
// arguments are then invalid (and go back to the model), never {}.
void test_non_streamed_input_not_an_object(void **) {
  const char *answer = R"({"id":"msg_1","type":"message","role":"assistant","model":"m",
    "content":[{"type":"tool_use","id":"t1","name":"a","input":"{\"city\": \"Lon"},
               {"type":"tool_use","id":"t2","name":"b","input":[1,2]}],
    "stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":1}})";
  FakeHttpClient http;
  auto provider = llm::make_provider(test::test_config(llm::Protocol::kAnthropic), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(false), &l);
  http.respond(0, 200, {{"content-type", "application/json"}}, answer, 9);
  test::assert_events(l, {"started:0:t1:a", "ready:0:{\"city\": \"Lon", "started:1:t2:b", "ready:1:[1,2]",
                          "usage:1:1", "finished"});
}

void test_error_event(void **) {
  FakeHttpClient http;
  auto provider = llm::make_provider(test::test_config(llm::Protocol::kAnthropic), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(), &l);
  std::string body = test::split_events(test::read_fixture("anthropic_doc_basic.sse"))[0] +
                     "event: error\n"
                     "data: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n"
                     "event: ping\ndata: {\"type\": \"ping\"}\n\n";
  http.headers(0, 200, test::sse_headers());
  http.data(0, body);
  assert_int_equal(l.errors, 1);
  assert_int_equal(l.error.status, TOOLORCH_EPROVIDER);
  assert_true(l.error.retryable);
  assert_int_equal(l.error.http_status, 200);
  assert_non_null(strstr(l.error.message.c_str(), "Overloaded"));
  assert_true(http.transfer(0).cancelled);  // nothing more is read
  assert_false(http.done(0));
  assert_int_equal(l.ends(), 1);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_doc_tool_use_stream_any_split),
      cmocka_unit_test(test_doc_basic_stream),
      cmocka_unit_test(test_call_ready_at_its_block_stop),
      cmocka_unit_test(test_request_encoding),
      cmocka_unit_test(test_request_defaults),
      cmocka_unit_test(test_non_streamed_answer),
      cmocka_unit_test(test_non_streamed_input_not_an_object),
      cmocka_unit_test(test_error_event),
      cmocka_unit_test(test_block_index_reused_before_stop),
      cmocka_unit_test(test_events_read_alike_by_both_readers),
      cmocka_unit_test(test_shaped_events_read_as_the_general_reader_reads_them),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
