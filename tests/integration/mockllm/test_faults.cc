// Faults play as scripted, in order, and stop after `times` requests so that
// a retry succeeds.
// cmocka 1.1 declares its C functions without extern "C".
extern "C" {
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
}
#include <curl/curl.h>

#include <string>

#include "mock_client.h"

using namespace mocktest;

namespace {

const char *kScript = R"({"rounds": [
   {"text": "Let me look.", "tool_calls": [{"name": "search", "arguments": {"q": "a"}}],
    "repeat": {"name": "fetch", "count": 5, "arguments": {"i": "{i}"}}},
   {"text": "done"}],
 "chunk_bytes": 4,
 "faults": [{"round": 0, "kind": "http_429", "retry_after_s": 1, "retry_after_ms": 1500, "times": 1},
            {"round": 0, "kind": "drop_mid_stream", "after_tool_calls": 2, "times": 1},
            {"round": 0, "kind": "http_400", "message": "bad model"},
            {"round": 0, "kind": "empty_body"},
            {"round": 0, "kind": "non_json_body"},
            {"round": 0, "kind": "stream_error", "after_tool_calls": 1, "message": "overloaded now"},
            {"round": 0, "kind": "invalid_json_args", "call": 3},
            {"round": 0, "kind": "unknown_tool", "call": 4, "name": "ghost"},
            {"round": 1, "kind": "http_500", "times": 2}]})";

const char *kFirst = "[{\"role\":\"user\",\"content\":\"hi\"}]";
// Round 1: any conversation with one assistant turn.
const char *kSecondOpenAI =
    "[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"x\"},{\"role\":\"user\",\"content\":\"go\"}]";
const char *kSecondAnthropic =
    "[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"x\"}]},"
    "{\"role\":\"user\",\"content\":\"go\"}]";

std::unique_ptr<toolorch::mockllm::Server> g_server;

int setup(void **) {
  g_server = start_server(kScript);
  return g_server ? 0 : -1;
}

int teardown(void **) {
  g_server.reset();
  return 0;
}

HttpResult ask(bool openai, bool stream, const char *messages) {
  const std::string url = g_server->url() + (openai ? "/v1/chat/completions" : "/v1/messages");
  return post(url, openai ? openai_request(messages, stream) : anthropic_request(messages, stream));
}

std::string error_message(const HttpResult &r) {
  Json j = parse(r.body);
  const cJSON *e = cJSON_GetObjectItem(j.get(), "error");
  const cJSON *m = cJSON_GetObjectItem(e, "message");
  return cJSON_IsString(m) ? m->valuestring : "";
}

std::string anthropic_error_type(const HttpResult &r) {
  Json j = parse(r.body);
  const cJSON *t = cJSON_GetObjectItem(cJSON_GetObjectItem(j.get(), "error"), "type");
  return cJSON_IsString(t) ? t->valuestring : "";
}

void test_openai_stream_fault_sequence(void **) {
  g_server->reset();
  // 1. 429 with the retry headers.
  HttpResult r = ask(true, true, kFirst);
  assert_int_equal(r.status, 429);
  assert_string_equal(header(r, "Retry-After").c_str(), "1");
  assert_string_equal(header(r, "retry-after-ms").c_str(), "1500");
  Json j = parse(r.body);
  assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j.get(), "error"), "code")->valuestring,
                      "rate_limit_exceeded");

  // 2. Dropped after two complete calls: the connection closes mid-body.
  r = ask(true, true, kFirst);
  assert_int_equal(r.status, 200);
  assert_int_equal(r.curl_code, CURLE_PARTIAL_FILE);
  Answer a;
  assert_true(read_openai_stream(r.body, &a));
  assert_false(a.finished);
  assert_int_equal(a.calls.size(), 3);  // the third has begun: the first two are complete
  assert_string_equal(a.calls[1].arguments.c_str(), "{\"i\":\"0\"}");
  assert_null(parse(a.calls[2].arguments).get());  // only its first piece
  assert_true(r.body.find("[DONE]") == std::string::npos);
  assert_int_equal(wait_stat(*g_server, "dropped_streams", 1), 1);

  // 3. 400 with the scripted message.
  r = ask(true, true, kFirst);
  assert_int_equal(r.status, 400);
  assert_string_equal(error_message(r).c_str(), "bad model");

  // 4. An empty 200 stream.
  r = ask(true, true, kFirst);
  assert_int_equal(r.status, 200);
  assert_int_equal(r.curl_code, 0);
  assert_true(r.body.empty());

  // 5. Garbage.
  r = ask(true, true, kFirst);
  assert_int_equal(r.status, 200);
  assert_false(r.body.empty());
  assert_null(parse(parse_sse(r.body).at(0).data).get());

  // 6. An error event after one complete call, then the end of the body.
  r = ask(true, true, kFirst);
  assert_int_equal(r.status, 200);
  assert_int_equal(r.curl_code, 0);
  std::vector<Sse> ev = parse_sse(r.body);
  Json last = parse(ev.back().data);
  assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(last.get(), "error"), "message")->valuestring,
                      "overloaded now");
  assert_true(r.body.find("[DONE]") == std::string::npos);

  // 7. The content faults: call 3 has broken arguments, call 4 an unknown tool.
  r = ask(true, true, kFirst);
  assert_int_equal(r.status, 200);
  a = Answer();
  assert_true(read_openai_stream(r.body, &a));
  assert_true(a.finished);
  assert_int_equal(a.calls.size(), 6);
  assert_null(parse(a.calls[3].arguments).get());
  assert_string_equal(a.calls[3].arguments.c_str(), "{\"i\":\"2\"");
  assert_string_equal(a.calls[4].name.c_str(), "ghost");
  assert_non_null(parse(a.calls[5].arguments).get());

  // 8. The round plays clean from now on.
  r = ask(true, true, kFirst);
  a = Answer();
  assert_true(read_openai_stream(r.body, &a));
  assert_true(a.finished);
  assert_int_equal(a.calls.size(), 6);
  for (const Call &c : a.calls) assert_non_null(parse(c.arguments).get());
  assert_string_equal(a.calls[4].name.c_str(), "fetch");

  // Round 1: two 500s, then the answer.
  for (int i = 0; i < 2; ++i) {
    r = ask(true, true, kSecondOpenAI);
    assert_int_equal(r.status, 500);
    j = parse(r.body);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j.get(), "error"), "type")->valuestring,
                        "server_error");
  }
  r = ask(true, true, kSecondOpenAI);
  a = Answer();
  assert_true(read_openai_stream(r.body, &a));
  assert_string_equal(a.text.c_str(), "done");

  assert_int_equal(stat(*g_server, "faults_injected.http_429"), 1);
  assert_int_equal(stat(*g_server, "faults_injected.drop_mid_stream"), 1);
  assert_int_equal(stat(*g_server, "faults_injected.http_400"), 1);
  assert_int_equal(stat(*g_server, "faults_injected.empty_body"), 1);
  assert_int_equal(stat(*g_server, "faults_injected.non_json_body"), 1);
  assert_int_equal(stat(*g_server, "faults_injected.stream_error"), 1);
  assert_int_equal(stat(*g_server, "faults_injected.invalid_json_args"), 1);
  assert_int_equal(stat(*g_server, "faults_injected.unknown_tool"), 1);
  assert_int_equal(stat(*g_server, "faults_injected.http_500"), 2);
  assert_int_equal(stat(*g_server, "round_requests.0"), 8);
  assert_int_equal(stat(*g_server, "round_requests.1"), 3);
  assert_int_equal(wait_stat(*g_server, "active_streams", 0), 0);
}

void test_anthropic_body_fault_sequence(void **) {
  g_server->reset();  // re-arms every fault
  HttpResult r = ask(false, false, kFirst);
  assert_int_equal(r.status, 429);
  assert_string_equal(anthropic_error_type(r).c_str(), "rate_limit_error");
  assert_string_equal(header(r, "Retry-After").c_str(), "1");

  r = ask(false, false, kFirst);  // drop: no answer at all
  assert_int_equal(r.curl_code, CURLE_GOT_NOTHING);

  r = ask(false, false, kFirst);
  assert_int_equal(r.status, 400);
  assert_string_equal(anthropic_error_type(r).c_str(), "invalid_request_error");
  assert_string_equal(error_message(r).c_str(), "bad model");

  r = ask(false, false, kFirst);
  assert_int_equal(r.status, 200);
  assert_true(r.body.empty());

  r = ask(false, false, kFirst);
  assert_int_equal(r.status, 200);
  assert_null(parse(r.body).get());

  r = ask(false, false, kFirst);  // a stream error becomes an overloaded answer
  assert_int_equal(r.status, 529);
  assert_string_equal(anthropic_error_type(r).c_str(), "overloaded_error");

  r = ask(false, false, kFirst);
  Answer a;
  assert_true(read_anthropic_body(r.body, &a));
  assert_int_equal(a.calls.size(), 6);
  assert_string_equal(a.calls[3].arguments.c_str(), "{\"i\":\"2\"");  // sent as a string
  assert_string_equal(a.calls[4].name.c_str(), "ghost");

  r = ask(false, false, kFirst);
  a = Answer();
  assert_true(read_anthropic_body(r.body, &a));
  assert_string_equal(a.calls[3].arguments.c_str(), "{\"i\":\"2\"}");
  assert_string_equal(a.calls[4].name.c_str(), "fetch");

  assert_int_equal(ask(false, false, kSecondAnthropic).status, 500);
  r = ask(false, false, kSecondAnthropic);
  assert_int_equal(r.status, 500);
  assert_string_equal(anthropic_error_type(r).c_str(), "api_error");
  r = ask(false, false, kSecondAnthropic);
  a = Answer();
  assert_true(read_anthropic_body(r.body, &a));
  assert_string_equal(a.text.c_str(), "done");
}

void test_anthropic_stream_drop_and_error(void **) {
  g_server->reset();
  assert_int_equal(ask(false, true, kFirst).status, 429);
  HttpResult r = ask(false, true, kFirst);
  assert_int_equal(r.curl_code, CURLE_PARTIAL_FILE);
  Answer a;
  assert_true(read_anthropic_stream(r.body, &a));
  assert_false(a.finished);
  assert_int_equal(a.calls.size(), 3);
  // Calls 0 and 1 are closed by their content_block_stop (text is block 0).
  assert_true(r.body.find("{\"type\":\"content_block_stop\",\"index\":2}") != std::string::npos);
  assert_true(r.body.find("{\"type\":\"content_block_stop\",\"index\":3}") == std::string::npos);

  assert_int_equal(ask(false, true, kFirst).status, 400);
  assert_int_equal(ask(false, true, kFirst).status, 200);  // empty
  assert_int_equal(ask(false, true, kFirst).status, 200);  // garbage
  r = ask(false, true, kFirst);
  std::vector<Sse> ev = parse_sse(r.body);
  assert_string_equal(ev.back().event.c_str(), "error");
  Json j = parse(ev.back().data);
  assert_string_equal(cJSON_GetObjectItem(j.get(), "type")->valuestring, "error");
}

void test_always_and_any_round(void **) {
  std::string err;
  assert_true(g_server->load_script(
      R"({"rounds":[{"text":"a"},{"text":"b"}],"faults":[{"kind":"http_503","times":-1}]})", &err));
  for (int i = 0; i < 3; ++i) {
    assert_int_equal(ask(true, false, kFirst).status, 503);
    assert_int_equal(ask(true, false, kSecondOpenAI).status, 503);
  }
  assert_true(g_server->load_script(R"({"rounds":[{"text":"a"},{"text":"b"}],"faults":[{"kind":"http_502","times":2}]})",
                                    &err));
  assert_int_equal(ask(true, false, kFirst).status, 502);
  assert_int_equal(ask(true, false, kSecondOpenAI).status, 502);
  assert_int_equal(ask(true, false, kFirst).status, 200);
  assert_true(g_server->load_script(kScript, &err));
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_openai_stream_fault_sequence),
      cmocka_unit_test(test_anthropic_body_fault_sequence),
      cmocka_unit_test(test_anthropic_stream_drop_and_error),
      cmocka_unit_test(test_always_and_any_round),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
