// The OpenAI Chat Completions adapter over a fake http::Client: the stream of
// the function-calling guide, fed in any split; a call is ready as soon as
// the next index begins; the request JSON; the non-streamed answer.
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

const char *kDocArgs = "{\"location\":\"Paris, France\"}";

void test_doc_stream_any_split(void **) {
  const std::string body = test::read_fixture("openai_doc_tool_call.sse");
  assert_true(body.size() > 1000);
  for (size_t split : {size_t(0), size_t(1), size_t(2), size_t(7), size_t(64), size_t(333)}) {
    FakeHttpClient http;
    auto provider = llm::make_provider(test::test_config(llm::Protocol::kOpenAI), &http);
    RecordingListener l;
    auto req = provider->send(test::simple_request(), &l);
    assert_int_equal(http.count(), 1);
    assert_true(http.respond(0, 200, test::sse_headers(), body, split));
    std::vector<std::string> want = {
        "started:0:call_DdmO9pD3xa9XTPNJ32zg2hcA:get_weather",
        std::string("ready:0:") + kDocArgs,
        "usage:82:17",
        "finished",
    };
    assert_int_equal(l.events.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) assert_string_equal(l.events[i].c_str(), want[i].c_str());
    assert_int_equal(l.response.tool_calls.size(), 1);
    assert_string_equal(l.response.tool_calls[0].id.c_str(), "call_DdmO9pD3xa9XTPNJ32zg2hcA");
    assert_string_equal(l.response.tool_calls[0].name.c_str(), "get_weather");
    assert_string_equal(l.response.tool_calls[0].args_json.c_str(), kDocArgs);
    assert_string_equal(l.response.stop_reason.c_str(), "tool_calls");
    assert_int_equal(l.response.usage.input_tokens, 82);
    assert_int_equal(l.response.usage.output_tokens, 17);
    assert_string_equal(l.response.text.c_str(), "");
  }
}

void test_call_ready_when_next_index_begins(void **) {
  const auto events = test::split_events(test::read_fixture("openai_parallel_tool_calls.sse"));
  FakeHttpClient http;
  auto provider = llm::make_provider(test::test_config(llm::Protocol::kOpenAI), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(), &l);
  http.headers(0, 200, test::sse_headers());
  size_t i = 0;
  // Up to the first fragment of index 1: call 0 is still open.
  for (; events[i].find("\"index\": 1") == std::string::npos; ++i) http.data(0, events[i]);
  assert_true(l.has("started:0:call_DdmO9pD3xa9XTPNJ32zg2hcA:get_weather"));
  assert_int_equal(l.find("ready:"), -1);
  // Index 1 begins: call 0 is ready now, before the stream has ended.
  http.data(0, events[i++]);
  assert_true(l.has("ready:0:{\"location\":\"Paris, France\"}"));
  assert_true(l.has("started:1:call_RzfkBpJgzeR0S242qfvjadNe:get_weather"));
  assert_int_equal(l.find("ready:1"), -1);
  assert_int_equal(l.ends(), 0);
  assert_true(http.transfer(0).active);
  // The rest: call 1 is ready at finish_reason, before the usage chunk.
  for (; i < events.size(); ++i) http.data(0, events[i]);
  assert_int_equal(l.finished, 0);  // the transfer has not ended yet
  http.done(0);
  std::vector<std::string> want = {
      "text:Checking",
      "text: both.",
      "started:0:call_DdmO9pD3xa9XTPNJ32zg2hcA:get_weather",
      "ready:0:{\"location\":\"Paris, France\"}",
      "started:1:call_RzfkBpJgzeR0S242qfvjadNe:get_weather",
      "ready:1:{\"location\":\"Bogot\xC3\xA1, Colombia\"}",
      "usage:91:44",
      "finished",
  };
  test::assert_events(l, want);
  assert_string_equal(l.response.text.c_str(), "Checking both.");
  assert_int_equal(l.response.tool_calls.size(), 2);
  assert_string_equal(l.response.tool_calls[1].id.c_str(), "call_RzfkBpJgzeR0S242qfvjadNe");
}

std::string chunk(const std::string &delta, const char *finish = "null") {
  return "data: {\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}\n\n";
}

void test_invalid_arguments_are_reported_raw(void **) {
  FakeHttpClient http;
  auto provider = llm::make_provider(test::test_config(llm::Protocol::kOpenAI), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(), &l);
  std::string body =
      chunk(R"({"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"get_weather","arguments":""}}]})") +
      chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"location\": \"Par"}}]})") +
      chunk(R"({"tool_calls":[{"index":1,"id":"c2","type":"function","function":{"name":"noargs","arguments":""}}]})") +
      chunk("{}", "\"tool_calls\"") + "data: [DONE]\n\n";
  http.respond(0, 200, test::sse_headers(), body, 5);
  assert_int_equal(l.errors, 0);
  assert_int_equal(l.finished, 1);
  assert_true(l.has("ready:0:{\"location\": \"Par"));
  assert_true(l.has("ready:1:{}"));  // no arguments at all: {}
}

void test_index_reused_with_new_id_is_a_new_call(void **) {
  // Ollama sends every call of a parallel batch at index 0.
  FakeHttpClient http;
  auto provider = llm::make_provider(test::test_config(llm::Protocol::kOpenAI), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(), &l);
  std::string body =
      chunk(R"({"tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}}]})") +
      chunk(R"({"tool_calls":[{"index":0,"id":"b","type":"function","function":{"name":"g","arguments":"{\"y\":2}"}}]})") +
      chunk("{}", "\"tool_calls\"") + "data: [DONE]\n\n";
  http.respond(0, 200, test::sse_headers(), body);
  std::vector<std::string> want = {"started:0:a:f", "ready:0:{\"x\":1}", "started:1:b:g", "ready:1:{\"y\":2}", "finished"};
  test::assert_events(l, want);
}

// Chunks are read without cJSON when they can be (json::FlatDoc) and with it
// otherwise (a surrogate pair, an index written 0.0, arguments sent as an
// object): one stream mixing both reads as one.
void test_chunks_read_alike_by_both_readers(void **) {
  FakeHttpClient http;
  auto provider = llm::make_provider(test::test_config(llm::Protocol::kOpenAI), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(), &l);
  std::string body = chunk(R"({"content":"a\u00e9"})") + chunk(R"({"content":"\ud83d\ude00"})") +
                     chunk(R"({"tool_calls":[{"index":0.0,"id":"a","function":{"name":"f","arguments":"{\"x\""}}]})") +
                     chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]})") +
                     chunk(R"({"tool_calls":[{"index":1,"id":"b","function":{"name":"g","arguments":{"y":2}}}]})") +
                     chunk("{}", "\"tool_calls\"") + "data: [DONE]\n\n";
  http.respond(0, 200, test::sse_headers(), body);
  std::vector<std::string> want = {"text:a\xc3\xa9",   "text:\xf0\x9f\x98\x80", "started:0:a:f", "ready:0:{\"x\":1}",
                                   "started:1:b:g", "ready:1:{\"y\":2}",         "finished"};
  test::assert_events(l, want);
  assert_string_equal(l.response.stop_reason.c_str(), "tool_calls");
}

// Chunks in the shapes the decoder reads in one pass (a tool call's start,
// a piece of its arguments, a piece of text; with or without "usage":null)
// read as the same chunks do through the general reader (a space after
// "choices": leaves every shape), and a chunk a shape does not read
// exactly is left to the general reader: a ten-digit index, an index
// written 01, a NUL escape, a surrogate pair, anything after the object.
void test_shaped_chunks_read_as_the_general_reader_reads_them(void **) {
  const std::string head = R"(data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"m",)"
                           R"("system_fingerprint":"fp","choices":[{"index":0,"delta":)";
  auto shaped = [&](const std::string &delta, const char *usage = "") {
    return head + delta + R"(,"logprobs":null,"finish_reason":null}])" + usage + "}\n\n";
  };
  const std::string role = shaped(R"({"role":"assistant","content":null})");
  const std::string end = head + R"({},"logprobs":null,"finish_reason":"tool_calls"}]})" + "\n\n" + "data: [DONE]\n\n";
  auto events_of = [](const std::string &body, bool general) {
    std::string b = body;
    if (general)
      for (size_t at = 0; (at = b.find("\"choices\":[", at)) != std::string::npos; at += 2) b.insert(at + 10, " ");
    return test::events_of_stream(llm::Protocol::kOpenAI, b);
  };
  const std::string body =
      role + shaped(R"({"content":"Let me \"check\" \u00e9"})") +
      shaped(R"({"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]})") +
      shaped(R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"location\":"}}]})") +
      shaped(R"({"tool_calls":[{"index":0,"function":{"arguments":" \"Paris\"}"}}]})", R"(,"usage":null)") +
      shaped(R"({"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"get_weather","arguments":"{"}}]})",
             R"(,"usage":null)") +
      shaped(R"({"content":""})", R"(,"usage":null)") + shaped(R"({"content":"x"})", R"(,"usage":null)") +
      shaped(R"({"tool_calls":[{"index":1,"function":{"arguments":"}"}}]})") + end;
  const std::vector<std::string> want = {"text:Let me \"check\" \xc3\xa9",
                                         "started:0:call_a:get_weather",
                                         "ready:0:{\"location\": \"Paris\"}",
                                         "started:1:call_b:get_weather",
                                         "text:x",
                                         "ready:1:{}",
                                         "finished",
                                         "stop:tool_calls text:Let me \"check\" \xc3\xa9x"};
  assert_true(events_of(body, false) == want);
  assert_true(events_of(body, true) == want);
  // Not in any shape, read alike by the general reader.
  const char *others[] = {
      R"({"tool_calls":[{"index":1234567890,"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]})",
      R"({"tool_calls":[{"index":2,"function":{"arguments":"\u0000"}}]})",
      R"({"tool_calls":[{"index":1,"id":"c","type":"function","function":{"name":"\ud83d\ude00","arguments":"{}"}}]})",
      R"({"tool_calls":[{"index":01,"function":{"arguments":"x"}}]})",
      "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"a\tb\"}}]}",
      R"({"content":"\x"})",
  };
  for (const char *delta : others) {
    const std::string start = shaped(R"({"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"f","arguments":""}}]})");
    const std::string b = role + start + shaped(delta) + end;
    assert_true(events_of(b, false) == events_of(b, true));
  }
  // What the general reader makes of them: a ten-digit index is a call of
  // its own; json::parse reads 01 as 1 and a raw tab as it is (FlatDoc
  // refuses both); \x is not JSON.
  auto has = [&](const char *delta, const std::string &event) {
    auto ev = events_of(role + shaped(delta) + end, false);
    return std::find(ev.begin(), ev.end(), event) != ev.end();
  };
  assert_true(has(others[0], "started:0:c:f"));
  assert_true(has(others[3], "ready:0:x"));
  assert_true(has(others[4], "ready:0:a\tb"));
  auto bad = events_of(role + shaped(others[5]) + end, false);
  assert_true(bad.size() == 2 && bad[0] == "error:" + std::to_string(TOOLORCH_EPROTOCOL));
  // Bytes after the object: not JSON either, though the shape is complete.
  std::string text = shaped(R"({"content":"x"})");
  text.insert(text.size() - 2, "x");
  auto trailing = events_of(role + text + end, false);
  assert_true(trailing.size() == 2 && trailing[0] == "error:" + std::to_string(TOOLORCH_EPROTOCOL));
}

void test_usage_reported_once(void **) {
  // Servers with continuous usage stats repeat it in every chunk: one report, the last.
  FakeHttpClient http;
  auto provider = llm::make_provider(test::test_config(llm::Protocol::kOpenAI), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(), &l);
  std::string body =
      "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}\n\n"
      "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}\n\n"
      "data: [DONE]\n\n";
  http.respond(0, 200, test::sse_headers(), body);
  std::vector<std::string> want = {"text:a", "usage:5:2", "finished"};
  test::assert_events(l, want);
}

void test_text_stream_with_comments_and_crlf(void **) {
  std::string body = ": OPENROUTER PROCESSING\r\n\r\n" + chunk(R"({"role":"assistant","content":""})") +
                     chunk(R"({"content":"Hel"})") + ": keep-alive\n\n" + chunk(R"({"content":"lo\n"})") +
                     chunk("{}", "\"stop\"") + "data: [DONE]\n\n";
  // (Without the blank line after [DONE] the stream would be a cut: see
  // test_stream_hardening.cc.)
  std::string crlf;
  for (char c : body) {
    if (c == '\n') crlf += "\r\n";
    else crlf += c;
  }
  for (const std::string *b : {&body, &crlf}) {
    FakeHttpClient http;
    auto provider = llm::make_provider(test::test_config(llm::Protocol::kOpenAI), &http);
    RecordingListener l;
    auto req = provider->send(test::simple_request(), &l);
    http.respond(0, 200, test::sse_headers(), *b, 1);
    assert_int_equal(l.finished, 1);
    assert_string_equal(l.text.c_str(), "Hello\n");
    assert_string_equal(l.response.text.c_str(), "Hello\n");
    assert_string_equal(l.response.stop_reason.c_str(), "stop");
    assert_int_equal(l.response.tool_calls.size(), 0);
  }
}

llm::Request conversation() {
  using Role = llm::Message::Role;
  llm::Request r = test::simple_request();
  r.messages.clear();
  r.messages.push_back({Role::kSystem, "Be brief.", {}, "", "", false});
  r.messages.push_back({Role::kUser, "Weather in Paris and Bogota?", {}, "", "", false});
  llm::Message a;
  a.role = Role::kAssistant;
  a.text = "Checking both.";
  a.tool_calls = {{"call_1", "get_weather", "{\"location\":\"Paris\"}"},
                  {"call_2", "get_weather", "{\"location\":\"Bogota\""}};  // invalid JSON, replayed as is
  r.messages.push_back(a);
  // The results arrive out of order; the second one failed.
  r.messages.push_back({Role::kTool, "{\"error\":\"timeout\"}", {}, "call_2", "get_weather", true});
  r.messages.push_back({Role::kTool, "{\"temp\":18}", {}, "call_1", "get_weather", false});
  r.messages.push_back({Role::kUser, "Thanks", {}, "", "", false});
  r.tool_choice = "required";
  r.parallel_tool_calls = false;
  r.max_tokens = 1000;
  return r;
}

const char *str(const cJSON *o, const char *k) { return json::get_string(o, k, "<missing>"); }

void test_request_encoding(void **) {
  FakeHttpClient http;
  auto provider = llm::make_provider(test::test_config(llm::Protocol::kOpenAI, "sk-abc"), &http);
  RecordingListener l;
  auto req = provider->send(conversation(), &l);
  const http::Request &hr = http.transfer(0).request;
  assert_string_equal(hr.method.c_str(), "POST");
  assert_string_equal(hr.url.c_str(), "https://api.openai.com/v1/chat/completions");
  assert_string_equal(FakeHttpClient::request_header(hr, "authorization").c_str(), "Bearer sk-abc");
  assert_string_equal(FakeHttpClient::request_header(hr, "content-type").c_str(), "application/json");

  json::Ptr body = json::parse(hr.body);
  assert_non_null(body.get());
  const cJSON *b = body.get();
  // The messages are written as text: the body is still cJSON's own compact print.
  assert_string_equal(hr.body.c_str(), json::print(b).c_str());
  assert_string_equal(str(b, "model"), "test-model");
  assert_true(cJSON_IsTrue(item(b, "stream")));
  assert_true(cJSON_IsTrue(item(item(b, "stream_options"), "include_usage")));
  assert_int_equal(json::get_number(b, "max_completion_tokens", -1), 1000);
  assert_null(item(b, "max_tokens"));
  assert_string_equal(str(b, "tool_choice"), "required");
  assert_true(cJSON_IsFalse(item(b, "parallel_tool_calls")));

  const cJSON *msgs = item(b, "messages");
  assert_int_equal(cJSON_GetArraySize(msgs), 6);
  const cJSON *m0 = cJSON_GetArrayItem(msgs, 0), *m2 = cJSON_GetArrayItem(msgs, 2);
  assert_string_equal(str(m0, "role"), "system");
  assert_string_equal(str(m0, "content"), "Be brief.");
  assert_string_equal(str(cJSON_GetArrayItem(msgs, 1), "role"), "user");
  assert_string_equal(str(m2, "role"), "assistant");
  assert_string_equal(str(m2, "content"), "Checking both.");
  const cJSON *calls = item(m2, "tool_calls");
  assert_int_equal(cJSON_GetArraySize(calls), 2);
  const cJSON *c1 = cJSON_GetArrayItem(calls, 1);
  assert_string_equal(str(c1, "id"), "call_2");
  assert_string_equal(str(c1, "type"), "function");
  assert_string_equal(str(item(c1, "function"), "name"), "get_weather");
  assert_string_equal(str(item(c1, "function"), "arguments"), "{\"location\":\"Bogota\"");
  // Tool results in the order of the calls, whatever order they came in.
  const cJSON *t0 = cJSON_GetArrayItem(msgs, 3), *t1 = cJSON_GetArrayItem(msgs, 4);
  assert_string_equal(str(t0, "role"), "tool");
  assert_string_equal(str(t0, "tool_call_id"), "call_1");
  assert_string_equal(str(t0, "content"), "{\"temp\":18}");
  assert_string_equal(str(t1, "tool_call_id"), "call_2");
  assert_string_equal(str(t1, "content"), "{\"error\":\"timeout\"}");
  assert_string_equal(str(cJSON_GetArrayItem(msgs, 5), "content"), "Thanks");

  const cJSON *tool = cJSON_GetArrayItem(item(b, "tools"), 0);
  assert_string_equal(str(tool, "type"), "function");
  const cJSON *fn = item(tool, "function");
  assert_string_equal(str(fn, "name"), "get_weather");
  assert_string_equal(str(fn, "description"), "Get current temperature for a given location.");
  assert_string_equal(str(item(fn, "parameters"), "type"), "object");
  assert_non_null(item(item(item(fn, "parameters"), "properties"), "location"));
}

// Message text is written directly (not through cJSON items): escapes, raw
// UTF-8, and a NUL (the C string cJSON was given ended there) as before.
void test_request_messages_escaped_as_cjson_does(void **) {
  using Role = llm::Message::Role;
  FakeHttpClient http;
  auto provider = llm::make_provider(test::test_config(llm::Protocol::kOpenAI), &http);
  RecordingListener l;
  llm::Request r = test::simple_request();
  r.messages.clear();
  r.messages.push_back({Role::kUser, std::string("q\"b\\n\n\x01\x7f\xc3\xa9\0tail", 15), {}, "", "", false});
  llm::Message a;
  a.role = Role::kAssistant;
  a.tool_calls = {{"c\t1", "f", ""}};
  r.messages.push_back(a);
  r.messages.push_back({Role::kTool, "r\r", {}, "c\t1", "f", false});
  auto req = provider->send(r, &l);
  const std::string &text = http.transfer(0).request.body;
  json::Ptr body = json::parse(text);
  assert_non_null(body.get());
  assert_string_equal(text.c_str(), json::print(body.get()).c_str());
  const cJSON *msgs = item(body.get(), "messages");
  assert_string_equal(str(cJSON_GetArrayItem(msgs, 0), "content"), "q\"b\\n\n\x01\x7f\xc3\xa9");
  const cJSON *m1 = cJSON_GetArrayItem(msgs, 1);
  assert_true(cJSON_IsNull(item(m1, "content")));
  const cJSON *fn = item(cJSON_GetArrayItem(item(m1, "tool_calls"), 0), "function");
  assert_string_equal(str(fn, "arguments"), "{}");
  assert_string_equal(str(cJSON_GetArrayItem(msgs, 2), "tool_call_id"), "c\t1");
  assert_string_equal(str(cJSON_GetArrayItem(msgs, 2), "content"), "r\r");
}

void test_request_variants(void **) {
  struct Case {
    const char *base;
    const char *url;
  } cases[] = {
      {"http://127.0.0.1:8080", "http://127.0.0.1:8080/v1/chat/completions"},
      {"http://127.0.0.1:8080/", "http://127.0.0.1:8080/v1/chat/completions"},
      {"http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1/chat/completions"},
      {"http://127.0.0.1:8080/v1/", "http://127.0.0.1:8080/v1/chat/completions"},
      // A base with a path is the API root (Gemini's OpenAI-compatible endpoint, gateways) ...
      {"https://generativelanguage.googleapis.com/v1beta/openai/",
       "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"},
      // ... and one that already ends in the endpoint is the endpoint (Azure).
      {"https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21",
       "https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21"},
  };
  for (const auto &c : cases) {
    FakeHttpClient http;
    llm::ProviderConfig cfg = test::test_config(llm::Protocol::kOpenAI, "");
    cfg.base_url = c.base;
    cfg.max_tokens_field = "max_tokens";
    auto provider = llm::make_provider(cfg, &http);
    assert_int_equal(static_cast<int>(provider->protocol()), static_cast<int>(llm::Protocol::kOpenAI));
    RecordingListener l;
    llm::Request r = test::simple_request(false);
    r.tools.clear();
    r.tool_choice = "auto";
    auto req = provider->send(r, &l);
    const http::Request &hr = http.transfer(0).request;
    assert_string_equal(hr.url.c_str(), c.url);
    assert_string_equal(FakeHttpClient::request_header(hr, "authorization").c_str(), "");  // no key, no header
    json::Ptr body = json::parse(hr.body);
    assert_int_equal(json::get_number(body.get(), "max_tokens", -1), 4096);
    // Without tools neither tool_choice nor parallel_tool_calls is sent (OpenAI refuses them).
    assert_null(item(body.get(), "tools"));
    assert_null(item(body.get(), "tool_choice"));
    assert_null(item(body.get(), "parallel_tool_calls"));
    assert_null(item(body.get(), "stream_options"));
    assert_true(cJSON_IsFalse(item(body.get(), "stream")));
  }
  // A named tool_choice.
  FakeHttpClient http;
  auto provider = llm::make_provider(test::test_config(llm::Protocol::kOpenAI), &http);
  RecordingListener l;
  llm::Request r = test::simple_request();
  r.tool_choice = "get_weather";
  auto req = provider->send(r, &l);
  json::Ptr body = json::parse(http.transfer(0).request.body);
  const cJSON *tc = item(body.get(), "tool_choice");
  assert_string_equal(str(tc, "type"), "function");
  assert_string_equal(str(item(tc, "function"), "name"), "get_weather");
  assert_true(cJSON_IsTrue(item(body.get(), "parallel_tool_calls")));
}

void test_non_streamed_answer(void **) {
  const char *answer = R"({
    "id": "chatcmpl-abc", "object": "chat.completion", "created": 1741570283, "model": "gpt-4o",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Let me look.", "refusal": null,
      "tool_calls": [
        {"id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\":\"Paris, France\"}"}},
        {"id": "call_b", "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\":\"Bogot\u00e1, Colombia\"}"}}
      ]}, "logprobs": null, "finish_reason": "tool_calls"}],
    "usage": {"prompt_tokens": 82, "completion_tokens": 45, "total_tokens": 127}
  })";
  for (size_t split : {size_t(0), size_t(1), size_t(10)}) {
    FakeHttpClient http;
    auto provider = llm::make_provider(test::test_config(llm::Protocol::kOpenAI), &http);
    RecordingListener l;
    auto req = provider->send(test::simple_request(false), &l);
    assert_string_equal(FakeHttpClient::request_header(http.transfer(0).request, "accept").c_str(), "application/json");
    http.respond(0, 200, {{"content-type", "application/json"}}, answer, split);
    std::vector<std::string> want = {
        "text:Let me look.",
        "started:0:call_a:get_weather",
        "ready:0:{\"location\":\"Paris, France\"}",
        "started:1:call_b:get_weather",
        "ready:1:{\"location\":\"Bogot\xC3\xA1, Colombia\"}",
        "usage:82:45",
        "finished",
    };
    test::assert_events(l, want);
    assert_string_equal(l.response.text.c_str(), "Let me look.");
    assert_string_equal(l.response.stop_reason.c_str(), "tool_calls");
    assert_int_equal(l.response.tool_calls.size(), 2);
  }
}

void test_json_answer_to_a_stream_request(void **) {
  // A server that ignores "stream": true and answers JSON is still understood.
  FakeHttpClient http;
  auto provider = llm::make_provider(test::test_config(llm::Protocol::kOpenAI), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(true), &l);
  http.respond(0, 200, {{"Content-Type", "application/json; charset=utf-8"}},
               R"({"choices":[{"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]})");
  assert_int_equal(l.finished, 1);
  assert_string_equal(l.response.text.c_str(), "hi");
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_doc_stream_any_split),
      cmocka_unit_test(test_call_ready_when_next_index_begins),
      cmocka_unit_test(test_invalid_arguments_are_reported_raw),
      cmocka_unit_test(test_index_reused_with_new_id_is_a_new_call),
      cmocka_unit_test(test_usage_reported_once),
      cmocka_unit_test(test_text_stream_with_comments_and_crlf),
      cmocka_unit_test(test_request_encoding),
      cmocka_unit_test(test_request_variants),
      cmocka_unit_test(test_request_messages_escaped_as_cjson_does),
      cmocka_unit_test(test_non_streamed_answer),
      cmocka_unit_test(test_chunks_read_alike_by_both_readers),
      cmocka_unit_test(test_shaped_chunks_read_as_the_general_reader_reads_them),
      cmocka_unit_test(test_json_answer_to_a_stream_request),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
