// Both protocols, streamed and not, over real loopback HTTP: the scripted
// tool calls and text arrive; the round follows the conversation; the tool
// results of the last turn are checked against the issued ids and echoed.
// cmocka 1.1 declares its C functions without extern "C".
extern "C" {
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
}

#include <set>
#include <cstdio>
#include <string>

#include "mock_client.h"
#include "mockllm/text_util.h"

using namespace mocktest;
using toolorch::mockllm::json_string;

namespace {

const char *kScript = R"({"rounds": [
   {"text": "Let me look.", "tool_calls": [{"name": "search", "arguments": {"q": "a \"quoted\" é"}}],
    "repeat": {"name": "fetch", "count": 3, "arguments": {"i": "{i}"}}},
   {"text": "Answer: {tool_result_count} results: {tool_results}"}],
 "chunk_bytes": 4})";

std::unique_ptr<toolorch::mockllm::Server> g_server;

int setup(void **) {
  g_server = start_server(kScript);
  return g_server ? 0 : -1;
}

int teardown(void **) {
  g_server.reset();
  return 0;
}

void check_round0(const Answer &a, bool openai) {
  assert_true(a.finished);
  assert_string_equal(a.text.c_str(), "Let me look.");
  assert_string_equal(a.stop_reason.c_str(), openai ? "tool_calls" : "tool_use");
  assert_int_equal(a.calls.size(), 4);
  assert_string_equal(a.calls[0].name.c_str(), "search");
  Json args = parse(a.calls[0].arguments);
  assert_non_null(args.get());
  assert_string_equal(cJSON_GetObjectItem(args.get(), "q")->valuestring, "a \"quoted\" é");
  std::set<std::string> ids;
  for (size_t i = 1; i < 4; ++i) {
    assert_string_equal(a.calls[i].name.c_str(), "fetch");
    assert_string_equal(a.calls[i].arguments.c_str(), ("{\"i\":\"" + std::to_string(i - 1) + "\"}").c_str());
  }
  for (const Call &c : a.calls) {
    assert_true(c.id.rfind(openai ? "call_" : "toolu_", 0) == 0);
    ids.insert(c.id);
  }
  assert_int_equal(ids.size(), 4);  // unique
}

// The conversation after round 0: the assistant turn with its calls, then
// one result per call ("r0".."r3"); `bad_id` replaces the last result's id.
std::string round1_messages(const Answer &a, bool openai, const std::string &bad_id = "") {
  std::string m = "[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",";
  if (openai) {
    m += "\"content\":" + json_string(a.text) + ",\"tool_calls\":[";
    for (size_t i = 0; i < a.calls.size(); ++i) {
      m += (i ? "," : "") + std::string("{\"id\":") + json_string(a.calls[i].id) +
           ",\"type\":\"function\",\"function\":{\"name\":" + json_string(a.calls[i].name) +
           ",\"arguments\":" + json_string(a.calls[i].arguments) + "}}";
    }
    m += "]}";
    for (size_t i = 0; i < a.calls.size(); ++i) {
      const std::string id = (!bad_id.empty() && i + 1 == a.calls.size()) ? bad_id : a.calls[i].id;
      m += ",{\"role\":\"tool\",\"tool_call_id\":" + json_string(id) + ",\"content\":\"r" + std::to_string(i) + "\"}";
    }
  } else {
    m += "\"content\":[{\"type\":\"text\",\"text\":" + json_string(a.text) + "}";
    for (const Call &c : a.calls)
      m += ",{\"type\":\"tool_use\",\"id\":" + json_string(c.id) + ",\"name\":" + json_string(c.name) +
           ",\"input\":" + c.arguments + "}";
    m += "]},{\"role\":\"user\",\"content\":[";
    for (size_t i = 0; i < a.calls.size(); ++i) {
      const std::string id = (!bad_id.empty() && i + 1 == a.calls.size()) ? bad_id : a.calls[i].id;
      // One result as an array of text blocks, one flagged as an error.
      const std::string content = i == 1 ? "[{\"type\":\"text\",\"text\":\"r1\"}]" : "\"r" + std::to_string(i) + "\"";
      m += (i ? "," : "") + std::string("{\"type\":\"tool_result\",\"tool_use_id\":") + json_string(id) +
           ",\"content\":" + content + (i == 2 ? ",\"is_error\":true" : "") + "}";
    }
    m += "]}";
  }
  m += "]";
  return m;
}

Answer ask(bool openai, bool stream, const std::string &messages) {
  const std::string url = g_server->url() + (openai ? "/v1/chat/completions" : "/v1/messages");
  HttpResult r = post(url, openai ? openai_request(messages, stream) : anthropic_request(messages, stream));
  assert_int_equal(r.curl_code, 0);
  assert_int_equal(r.status, 200);
  const std::string ct = header(r, "Content-Type");
  assert_true(ct.rfind(stream ? "text/event-stream" : "application/json", 0) == 0);
  assert_false(header(r, openai ? "x-request-id" : "request-id").empty());
  Answer a;
  bool ok = openai ? (stream ? read_openai_stream(r.body, &a) : read_openai_body(r.body, &a))
                   : (stream ? read_anthropic_stream(r.body, &a) : read_anthropic_body(r.body, &a));
  if (!ok) { std::fprintf(stderr, "unreadable answer: %s", r.body.c_str()); std::fprintf(stderr, "\n"); fail(); }
  return a;
}

void conversation(bool openai, bool stream) {
  g_server->reset();
  const Answer a0 = ask(openai, stream, "[{\"role\":\"user\",\"content\":\"hi\"}]");
  check_round0(a0, openai);
  assert_int_equal(stat(*g_server, "tool_calls_issued"), 4);

  const Answer a1 = ask(openai, stream, round1_messages(a0, openai));
  assert_true(a1.finished);
  assert_string_equal(a1.text.c_str(), "Answer: 4 results: r0,r1,r2,r3");
  assert_string_equal(a1.stop_reason.c_str(), openai ? "stop" : "end_turn");
  assert_int_equal(a1.calls.size(), 0);
  assert_int_equal(stat(*g_server, "tool_results_seen"), 4);
  assert_int_equal(stat(*g_server, "unknown_result_ids"), 0);
  assert_int_equal(stat(*g_server, "missing_results"), 0);
  assert_int_equal(stat(*g_server, "is_error_results"), openai ? 0 : 1);

  // A result for an id the server never issued is counted, and the call it
  // should have answered is missing.
  const Answer a2 = ask(openai, stream, round1_messages(a0, openai, openai ? "call_forged" : "toolu_forged"));
  assert_string_equal(a2.text.c_str(), "Answer: 4 results: r0,r1,r2,r3");
  assert_int_equal(stat(*g_server, "unknown_result_ids"), 1);
  assert_int_equal(stat(*g_server, "missing_results"), 1);

  assert_int_equal(stat(*g_server, "requests.total"), 3);
  assert_int_equal(stat(*g_server, openai ? "requests.openai" : "requests.anthropic"), 3);
  assert_int_equal(stat(*g_server, "streamed"), stream ? 3 : 0);
  assert_int_equal(stat(*g_server, "round_requests.0"), 1);
  assert_int_equal(stat(*g_server, "round_requests.1"), 2);
  assert_int_equal(stat(*g_server, "active_streams"), 0);
  if (stream) assert_int_equal(wait_stat(*g_server, "completed_streams", 3), 3);
}

void test_openai_stream(void **) { conversation(true, true); }
void test_openai_body(void **) { conversation(true, false); }
void test_anthropic_stream(void **) { conversation(false, true); }
void test_anthropic_body(void **) { conversation(false, false); }

void test_openai_stream_usage_and_done(void **) {
  const std::string url = g_server->url() + "/chat/completions";  // the path without /v1 too
  HttpResult r = post(url, openai_request("[{\"role\":\"user\",\"content\":\"hi\"}]", true));
  assert_int_equal(r.status, 200);
  const std::vector<Sse> events = parse_sse(r.body);
  assert_true(events.size() > 3);
  assert_string_equal(events.back().data.c_str(), "[DONE]");
  Json usage_chunk = parse(events[events.size() - 2].data);
  const cJSON *usage = cJSON_GetObjectItem(usage_chunk.get(), "usage");
  assert_non_null(usage);
  assert_true(cJSON_GetObjectItem(usage, "prompt_tokens")->valuedouble > 0);
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(usage_chunk.get(), "choices")), 0);
}

void test_anthropic_event_sequence(void **) {
  HttpResult r = post(g_server->url() + "/v1/messages", anthropic_request("[{\"role\":\"user\",\"content\":\"hi\"}]", true));
  const std::vector<Sse> ev = parse_sse(r.body);
  assert_true(ev.size() > 6);
  assert_string_equal(ev[0].event.c_str(), "message_start");
  assert_string_equal(ev[1].event.c_str(), "ping");
  assert_string_equal(ev[2].event.c_str(), "content_block_start");
  assert_string_equal(ev[ev.size() - 2].event.c_str(), "message_delta");
  assert_string_equal(ev.back().event.c_str(), "message_stop");
  // Blocks open and close in order, one at a time.
  int open = -1, next = 0;
  for (const Sse &e : ev) {
    Json j = parse(e.data);
    assert_non_null(j.get());
    const cJSON *index = cJSON_GetObjectItem(j.get(), "index");
    if (e.event == "content_block_start") {
      assert_int_equal(open, -1);
      assert_int_equal(static_cast<int>(index->valuedouble), next);
      open = next++;
    } else if (e.event == "content_block_delta") {
      assert_int_equal(static_cast<int>(index->valuedouble), open);
    } else if (e.event == "content_block_stop") {
      assert_int_equal(static_cast<int>(index->valuedouble), open);
      open = -1;
    }
  }
  assert_int_equal(next, 5);  // text + 4 calls
}

void test_bad_requests_get_provider_errors(void **) {
  g_server->reset();
  HttpResult r = post(g_server->url() + "/v1/chat/completions", "{not json");
  assert_int_equal(r.status, 400);
  Json j = parse(r.body);
  assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(j.get(), "error"), "message"));

  r = post(g_server->url() + "/v1/messages", "{\"model\":\"m\"}");
  assert_int_equal(r.status, 400);
  j = parse(r.body);
  assert_string_equal(cJSON_GetObjectItem(j.get(), "type")->valuestring, "error");
  assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j.get(), "error"), "type")->valuestring,
                      "invalid_request_error");
  assert_int_equal(stat(*g_server, "bad_requests"), 2);

  r = get(g_server->url() + "/v1/messages");
  assert_int_equal(r.status, 405);
  r = get(g_server->url() + "/nowhere");
  assert_int_equal(r.status, 404);
}

void test_script_and_reset_endpoints(void **) {
  HttpResult r = post(g_server->url() + "/script", "{\"rounds\":[{\"tool_calls\":[{\"nam\":\"x\"}]}]}");
  assert_int_equal(r.status, 400);
  assert_true(r.body.find("rounds[0].tool_calls[0]") != std::string::npos);

  r = post(g_server->url() + "/script", "{\"rounds\":[{\"text\":\"replaced\"}]}");
  assert_int_equal(r.status, 200);
  Answer a = ask(true, false, "[{\"role\":\"user\",\"content\":\"hi\"}]");
  assert_string_equal(a.text.c_str(), "replaced");
  assert_true(stat(*g_server, "requests.total") > 0);

  r = post(g_server->url() + "/reset", "");
  assert_int_equal(r.status, 200);
  assert_int_equal(stat(*g_server, "requests.total"), 0);
  r = get(g_server->url() + "/stats");
  assert_int_equal(r.status, 200);
  Json j = parse(r.body);
  assert_non_null(cJSON_GetObjectItem(j.get(), "faults_injected"));

  std::string err;
  assert_true(g_server->load_script(kScript, &err));  // back for the other tests
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_openai_stream),
      cmocka_unit_test(test_openai_body),
      cmocka_unit_test(test_anthropic_stream),
      cmocka_unit_test(test_anthropic_body),
      cmocka_unit_test(test_openai_stream_usage_and_done),
      cmocka_unit_test(test_anthropic_event_sequence),
      cmocka_unit_test(test_bad_requests_get_provider_errors),
      cmocka_unit_test(test_script_and_reset_endpoints),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
