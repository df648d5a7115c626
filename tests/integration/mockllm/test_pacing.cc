// Paced streams: each HTTP chunk carries at most one content delta, every
// call's arguments span several chunks, and a call is complete (the next one
// began / its block stopped) before the next call's arguments are sent.
// And a client that leaves mid-stream is noticed.
// cmocka 1.1 declares its C functions without extern "C".
extern "C" {
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
}

#include <map>
#include <string>
#include <thread>

#include "mock_client.h"

using namespace mocktest;

namespace {

const char *kScript = R"({"rounds": [
   {"text": "Thinking about it.", "tool_calls": [
      {"name": "a", "arguments": {"k": "0123456789"}},
      {"name": "b", "arguments": {"k": "abcdefghij", "n": 7}},
      {"name": "c", "arguments": {"k": "x"}}]}],
 "chunk_gap_ms": 3, "chunk_bytes": 6})";

const char *kFirst = "[{\"role\":\"user\",\"content\":\"hi\"}]";

std::unique_ptr<toolorch::mockllm::Server> g_server;

int setup(void **) {
  g_server = start_server(kScript);
  return g_server ? 0 : -1;
}

int teardown(void **) {
  g_server.reset();
  return 0;
}

// Per call, the HTTP chunks in which its pieces arrived.
struct CallChunks {
  int start = -1;        // its first event (OpenAI: id/name; Anthropic: content_block_start)
  int complete = -1;     // Anthropic: its content_block_stop
  std::vector<int> arg_chunks;
  std::string arguments;
};

std::vector<std::string> raw_chunks(bool openai) {
  const std::string url = g_server->url() + (openai ? "/v1/chat/completions" : "/v1/messages");
  RequestOptions o;
  o.raw_chunks = true;
  HttpResult r = post(url, openai ? openai_request(kFirst, true) : anthropic_request(kFirst, true), o);
  assert_int_equal(r.status, 200);
  std::vector<std::string> chunks;
  assert_true(parse_chunks(r.body, &chunks));
  return chunks;
}

void check_calls(const std::vector<CallChunks> &calls) {
  const char *want[] = {"{\"k\":\"0123456789\"}", "{\"k\":\"abcdefghij\",\"n\":7}", "{\"k\":\"x\"}"};
  assert_int_equal(calls.size(), 3);
  for (size_t i = 0; i < calls.size(); ++i) {
    assert_string_equal(calls[i].arguments.c_str(), want[i]);
    // The arguments come in pieces, in chunks of their own.
    assert_true(calls[i].arg_chunks.size() >= 2);
    for (size_t k = 1; k < calls[i].arg_chunks.size(); ++k)
      assert_true(calls[i].arg_chunks[k] > calls[i].arg_chunks[k - 1]);
  }
}

void test_openai_pieces(void **) {
  const std::vector<std::string> chunks = raw_chunks(true);
  std::vector<CallChunks> calls;
  for (size_t n = 0; n < chunks.size(); ++n) {
    int deltas = 0;
    for (const Sse &e : parse_sse(chunks[n])) {
      if (e.data == "[DONE]") continue;
      Json j = parse(e.data);
      assert_non_null(j.get());
      const cJSON *delta = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j.get(), "choices"), 0), "delta");
      if (cJSON_IsString(cJSON_GetObjectItem(delta, "content")) &&
          cJSON_GetObjectItem(delta, "content")->valuestring[0])
        ++deltas;
      const cJSON *tc = cJSON_GetArrayItem(cJSON_GetObjectItem(delta, "tool_calls"), 0);
      if (!tc) continue;
      const size_t i = static_cast<size_t>(cJSON_GetObjectItem(tc, "index")->valuedouble);
      if (i == calls.size()) calls.push_back(CallChunks());
      if (cJSON_GetObjectItem(tc, "id")) calls[i].start = static_cast<int>(n);
      const char *piece = cJSON_GetObjectItem(cJSON_GetObjectItem(tc, "function"), "arguments")->valuestring;
      if (piece[0]) {
        calls[i].arg_chunks.push_back(static_cast<int>(n));
        calls[i].arguments += piece;
        ++deltas;
      }
    }
    assert_true(deltas <= 1);
  }
  check_calls(calls);
  // OpenAI marks call i complete when call i+1 begins; call i+1's
  // arguments then keep coming in later chunks.
  for (size_t i = 0; i + 1 < calls.size(); ++i) {
    assert_true(calls[i].arg_chunks.back() < calls[i + 1].start);
    assert_true(calls[i + 1].arg_chunks.back() > calls[i + 1].start);
  }
}

void test_anthropic_pieces(void **) {
  const std::vector<std::string> chunks = raw_chunks(false);
  std::vector<CallChunks> calls;
  std::map<int, size_t> call_of_block;
  for (size_t n = 0; n < chunks.size(); ++n) {
    int deltas = 0;
    for (const Sse &e : parse_sse(chunks[n])) {
      Json j = parse(e.data);
      assert_non_null(j.get());
      const cJSON *index = cJSON_GetObjectItem(j.get(), "index");
      const int block = index ? static_cast<int>(index->valuedouble) : -1;
      if (e.event == "content_block_start" &&
          std::string(cJSON_GetObjectItem(cJSON_GetObjectItem(j.get(), "content_block"), "type")->valuestring) ==
              "tool_use") {
        call_of_block[block] = calls.size();
        calls.push_back(CallChunks());
        calls.back().start = static_cast<int>(n);
      } else if (e.event == "content_block_delta") {
        ++deltas;
        const cJSON *d = cJSON_GetObjectItem(j.get(), "delta");
        if (call_of_block.count(block)) {
          CallChunks &c = calls[call_of_block[block]];
          c.arg_chunks.push_back(static_cast<int>(n));
          c.arguments += cJSON_GetObjectItem(d, "partial_json")->valuestring;
        }
      } else if (e.event == "content_block_stop" && call_of_block.count(block)) {
        calls[call_of_block[block]].complete = static_cast<int>(n);
      }
    }
    assert_true(deltas <= 1);
  }
  check_calls(calls);
  for (size_t i = 0; i + 1 < calls.size(); ++i) {
    assert_true(calls[i].complete >= 0);
    // Call i is closed before call i+1's last argument piece is sent.
    assert_true(calls[i].complete < calls[i + 1].arg_chunks.back());
  }
}

// A client that goes away in the middle of a slow stream: the server
// notices, frees the stream, and goes on serving.
void test_client_gone(void **) {
  std::string err;
  assert_true(g_server->load_script(
      R"({"rounds":[{"text":"slow","repeat":{"name":"f","count":40,"arguments":{"i":"{i}"}}}],
          "chunk_gap_ms":20,"chunk_bytes":4})",
      &err));
  g_server->reset();
  RequestOptions o;
  o.abort_after_bytes = 300;
  HttpResult r = post(g_server->url() + "/v1/messages", anthropic_request(kFirst, true), o);
  assert_int_not_equal(r.curl_code, 0);
  assert_int_equal(wait_stat(*g_server, "clients_gone", 1), 1);
  assert_int_equal(wait_stat(*g_server, "active_streams", 0), 0);
  assert_int_equal(stat(*g_server, "completed_streams"), 0);

  r = post(g_server->url() + "/v1/chat/completions", openai_request(kFirst, false));
  assert_int_equal(r.status, 200);
  assert_true(g_server->load_script(kScript, &err));
}

// Stopping the server in the middle of streams ends them, closes their
// connections and frees everything (ASan checks the last part).
void test_stop_mid_stream(void **) {
  auto server = start_server(
      R"({"rounds":[{"text":"slow","repeat":{"name":"f","count":40,"arguments":{"i":"{i}"}}}],
          "chunk_gap_ms":20,"chunk_bytes":4})");
  assert_non_null(server.get());
  const std::string url = server->url() + "/v1/chat/completions";
  HttpResult results[3];
  std::thread clients[3];
  for (int i = 0; i < 3; ++i)
    clients[i] = std::thread([&, i] { results[i] = post(url, openai_request(kFirst, true)); });
  assert_int_equal(wait_stat(*server, "active_streams", 3), 3);
  server->stop();
  for (std::thread &t : clients) t.join();
  for (const HttpResult &r : results) {
    assert_int_not_equal(r.curl_code, 0);  // cut short
    assert_true(r.body.find("[DONE]") == std::string::npos);
  }
  server.reset();  // stop() again: nothing left to do
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_openai_pieces),
      cmocka_unit_test(test_anthropic_pieces),
      cmocka_unit_test(test_client_gone),
      cmocka_unit_test(test_stop_mid_stream),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
