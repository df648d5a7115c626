// Issue 9, for both adapters: a stream cut in the middle of an event is a
// dropped stream (ESTREAM, retryable), never "not JSON" (defects 4, 14);
// one option caps a response's text and each call's arguments (defect 2);
// out-of-range token counts are clamped, UBSan silent (defect 5);
// Anthropic's prompt-cache tokens are counted into the input and reported
// apart (defect 12); an Anthropic content-block index reused makes the
// earlier tool_use ready at once ("also noticed").
#include <cstring>
#include <string>

#include "llm_test_util.h"
#include "toolorch/status.h"

using namespace toolorch;
using test::FakeHttpClient;
using test::RecordingListener;

namespace {

const llm::Protocol kBoth[] = {llm::Protocol::kOpenAI, llm::Protocol::kAnthropic};

struct Run : test::ProviderRun {
  explicit Run(llm::Protocol p, bool stream = true, size_t max_response_bytes = 0)
      : ProviderRun(config(p, max_response_bytes), stream) {}
  static llm::ProviderConfig config(llm::Protocol p, size_t max_response_bytes) {
    llm::ProviderConfig cfg = test::test_config(p);
    if (max_response_bytes) cfg.max_response_bytes = max_response_bytes;
    return cfg;
  }
};

std::string openai_text(const std::string &text) {
  return "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"},\"finish_reason\":null}]}\n\n";
}

std::string anthropic_event(const std::string &type, const std::string &json) {
  return "event: " + type + "\ndata: " + json + "\n\n";
}

std::string anthropic_text(const std::string &text) {
  return anthropic_event("content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":")" +
                                                    text + "\"}}");
}

std::string anthropic_head(const std::string &usage = R"({"input_tokens":5,"output_tokens":1})") {
  return anthropic_event("message_start", R"({"type":"message_start","message":{"id":"m","type":"message","role":"assistant","content":[],"usage":)" +
                                              usage + "}}");
}

// A close-delimited body (no length, no chunking) ends without an error
// wherever the connection broke: here inside an event.
void cut_inside_an_event_is_a_dropped_stream(void **) {
  for (llm::Protocol p : kBoth) {
    Run r(p);
    std::string body = p == llm::Protocol::kOpenAI
                           ? openai_text("Hi") + "data: {\"choices\":[{\"index\":0,\"del"
                           : anthropic_head() +
                                 anthropic_event("content_block_start",
                                                 R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})") +
                                 "event: content_block_delta\ndata: {\"type\":\"content_blo";
    r.http.respond(0, 200, test::sse_headers(), body, 7);
    const llm::Error &e = r.error();
    assert_int_equal(e.status, TOOLORCH_ESTREAM);
    assert_true(e.retryable);
    assert_null(strstr(e.message.c_str(), "not JSON"));
    assert_null(strstr(e.message.c_str(), "not a JSON"));
    assert_non_null(strstr(e.message.c_str(), "middle of an event"));

    // A whole event without its blank line at the end is a cut too.
    Run whole(p);
    std::string last = p == llm::Protocol::kOpenAI ? "data: [DONE]\n"
                                                   : anthropic_head() + "event: message_stop\ndata: {\"type\":\"message_stop\"}";
    whole.http.respond(0, 200, test::sse_headers(), last);
    assert_int_equal(whole.error().status, TOOLORCH_ESTREAM);
  }
}

void stream_without_its_end_is_estream(void **) {
  for (llm::Protocol p : kBoth) {
    Run r(p);
    std::string body = p == llm::Protocol::kOpenAI ? openai_text("Hi") : anthropic_head();
    r.http.respond(0, 200, test::sse_headers(), body);
    const llm::Error &e = r.error();
    assert_int_equal(e.status, TOOLORCH_ESTREAM);
    assert_true(e.retryable);

    Run broken(p);  // the connection broke
    broken.http.headers(0, 200, test::sse_headers());
    broken.http.data(0, body);
    broken.http.done(0, TOOLORCH_EHTTP, "transfer closed with outstanding read data remaining");
    assert_int_equal(broken.error().status, TOOLORCH_ESTREAM);
    assert_true(broken.error().retryable);
  }
}

// 100 small deltas of 100 bytes against a cap of 4 KiB: the attempt fails
// as soon as the text passes the cap, and the transfer is dropped.
void streamed_text_is_capped(void **) {
  for (llm::Protocol p : kBoth) {
    Run r(p, true, 4096);
    r.http.headers(0, 200, test::sse_headers());
    if (p == llm::Protocol::kAnthropic)
      r.http.data(0, anthropic_head() + anthropic_event("content_block_start",
                                                        R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"));
    std::string piece(100, 'x');
    for (int i = 0; i < 100 && r.listener.ends() == 0; ++i)
      r.http.data(0, p == llm::Protocol::kOpenAI ? openai_text(piece) : anthropic_text(piece));
    const llm::Error &e = r.error();
    assert_int_equal(e.status, TOOLORCH_ETOOBIG);
    assert_false(e.retryable);
    assert_non_null(strstr(e.message.c_str(), "max_response_bytes"));
    assert_true(r.listener.text.size() <= 4096);
    assert_true(r.http.transfer(0).cancelled);
  }
}

void one_calls_arguments_are_capped(void **) {
  for (llm::Protocol p : kBoth) {
    Run r(p, true, 4096);
    r.http.headers(0, 200, test::sse_headers());
    std::string piece(100, ' ');
    if (p == llm::Protocol::kOpenAI) {
      r.http.data(0, R"(data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c0","type":"function","function":{"name":"get_weather","arguments":"{"}}]}}]})" "\n\n");
      for (int i = 0; i < 100 && r.listener.ends() == 0; ++i)
        r.http.data(0, R"(data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":")" + piece +
                           "\"}}]}}]}\n\n");
    } else {
      r.http.data(0, anthropic_head() + anthropic_event("content_block_start",
                                                        R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t0","name":"get_weather","input":{}}})"));
      for (int i = 0; i < 100 && r.listener.ends() == 0; ++i)
        r.http.data(0, anthropic_event("content_block_delta",
                                       R"({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":")" +
                                           piece + "\"}}"));
    }
    const llm::Error &e = r.error();
    assert_int_equal(e.status, TOOLORCH_ETOOBIG);
    assert_non_null(strstr(e.message.c_str(), "arguments of tool call 0"));
    assert_true(r.http.transfer(0).cancelled);
  }
}

// The same caps on the two providers that came later (OpenAI Responses,
// Gemini): their text, and a Responses call's argument deltas.
void later_providers_are_capped_too(void **) {
  {
    Run r(llm::Protocol::kOpenAIResponses, true, 4096);
    r.http.headers(0, 200, test::sse_headers());
    std::string piece(100, 'x');
    for (int i = 0; i < 100 && r.listener.ends() == 0; ++i)
      r.http.data(0, "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"" +
                         piece + "\"}\n\n");
    assert_int_equal(r.error().status, TOOLORCH_ETOOBIG);
    assert_true(r.listener.text.size() <= 4096);
    assert_true(r.http.transfer(0).cancelled);
  }
  {
    Run r(llm::Protocol::kOpenAIResponses, true, 4096);
    r.http.headers(0, 200, test::sse_headers());
    r.http.data(0, "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"item\":"
                   "{\"type\":\"function_call\",\"id\":\"fc0\",\"call_id\":\"c0\",\"name\":\"get_weather\",\"arguments\":\"\"}}\n\n");
    std::string piece(100, ' ');
    for (int i = 0; i < 100 && r.listener.ends() == 0; ++i)
      r.http.data(0, "event: response.function_call_arguments.delta\ndata: {\"type\":\"response.function_call_arguments.delta\","
                     "\"item_id\":\"fc0\",\"delta\":\"" + piece + "\"}\n\n");
    const llm::Error &e = r.error();
    assert_int_equal(e.status, TOOLORCH_ETOOBIG);
    assert_non_null(strstr(e.message.c_str(), "arguments of call c0"));
  }
  {
    Run r(llm::Protocol::kGemini, true, 4096);
    r.http.headers(0, 200, test::sse_headers());
    std::string piece(100, 'x');
    for (int i = 0; i < 100 && r.listener.ends() == 0; ++i)
      r.http.data(0, "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"" + piece +
                         "\"}]}}]}\n\n");
    assert_int_equal(r.error().status, TOOLORCH_ETOOBIG);
    assert_true(r.listener.text.size() <= 4096);
    assert_true(r.http.transfer(0).cancelled);
  }
}

void non_streamed_body_uses_the_same_cap(void **) {
  for (llm::Protocol p : kBoth) {
    Run r(p, false, 4096);
    r.http.headers(0, 200, {{"content-type", "application/json"}});
    r.http.data(0, std::string(5000, ' '));
    assert_int_equal(r.error().status, TOOLORCH_ETOOBIG);
  }
}

void huge_usage_counts_are_clamped(void **) {
  {
    Run r(llm::Protocol::kOpenAI);
    r.http.respond(0, 200, test::sse_headers(),
                   openai_text("Hi") +
                       R"(data: {"choices":[],"usage":{"prompt_tokens":1e300,"completion_tokens":-1e300,"prompt_tokens_details":{"cached_tokens":1e300}}})"
                       "\n\ndata: [DONE]\n\n");
    assert_int_equal(r.listener.finished, 1);
    assert_true(r.listener.usage.input_tokens == INT64_MAX);
    assert_int_equal(r.listener.usage.output_tokens, 0);
    assert_true(r.listener.usage.cache_read_tokens == INT64_MAX);
  }
  {
    Run r(llm::Protocol::kAnthropic);
    r.http.respond(0, 200, test::sse_headers(),
                   anthropic_head(R"({"input_tokens":1e300,"output_tokens":1e300,"cache_read_input_tokens":1e300,"cache_creation_input_tokens":1e300})") +
                       anthropic_event("message_stop", R"({"type":"message_stop"})"));
    assert_int_equal(r.listener.finished, 1);
    assert_true(r.listener.usage.input_tokens == INT64_MAX);
    assert_true(r.listener.usage.output_tokens == INT64_MAX);
  }
  {
    Run r(llm::Protocol::kAnthropic, false);
    r.http.respond(0, 200, {{"content-type", "application/json"}},
                   R"({"type":"message","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":-1e300,"output_tokens":1e300}})");
    assert_int_equal(r.listener.finished, 1);
    assert_int_equal(r.listener.usage.input_tokens, 0);
    assert_true(r.listener.usage.output_tokens == INT64_MAX);
  }
}

void anthropic_cache_tokens_count_as_input(void **) {
  Run r(llm::Protocol::kAnthropic);
  r.http.respond(0, 200, test::sse_headers(),
                 anthropic_head(R"({"input_tokens":10,"cache_read_input_tokens":1000,"cache_creation_input_tokens":200,"output_tokens":1})") +
                     anthropic_event("message_delta", R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":50}})") +
                     anthropic_event("message_stop", R"({"type":"message_stop"})"));
  assert_int_equal(r.listener.finished, 1);
  assert_int_equal(r.listener.usage.input_tokens, 1210);
  assert_int_equal(r.listener.usage.cache_read_tokens, 1000);
  assert_int_equal(r.listener.usage.cache_write_tokens, 200);
  assert_int_equal(r.listener.usage.output_tokens, 50);
  assert_int_equal(r.listener.response.usage.input_tokens, 1210);

  Run whole(llm::Protocol::kAnthropic, false);
  whole.http.respond(0, 200, {{"content-type", "application/json"}},
                     R"({"type":"message","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn",)"
                     R"("usage":{"input_tokens":3,"cache_read_input_tokens":40,"cache_creation_input_tokens":500,"output_tokens":7}})");
  assert_int_equal(whole.listener.usage.input_tokens, 543);
  assert_int_equal(whole.listener.usage.cache_read_tokens, 40);
  assert_int_equal(whole.listener.usage.cache_write_tokens, 500);
}

// A new block at the index a tool_use block held: that call is complete,
// and ready before the next one starts (not only at message_stop).
void anthropic_reused_index_readies_the_earlier_call(void **) {
  Run r(llm::Protocol::kAnthropic);
  r.http.headers(0, 200, test::sse_headers());
  r.http.data(0, anthropic_head() +
                     anthropic_event("content_block_start",
                                     R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"a","name":"get_weather","input":{}}})") +
                     anthropic_event("content_block_delta",
                                     R"({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"location\":\"Paris\"}"}})") +
                     anthropic_event("content_block_start",
                                     R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"b","name":"get_weather","input":{}}})"));
  int ready_a = r.listener.find("ready:0:");
  int started_b = r.listener.find("started:1:b");
  assert_true(ready_a >= 0);
  assert_true(started_b > ready_a);
  assert_string_equal(r.listener.ready[0].args_json.c_str(), "{\"location\":\"Paris\"}");
  r.http.data(0, anthropic_event("content_block_stop", R"({"type":"content_block_stop","index":0})") +
                     anthropic_event("message_stop", R"({"type":"message_stop"})"));
  r.http.done(0);
  assert_int_equal(r.listener.finished, 1);
  assert_int_equal(r.listener.ready.size(), 2);
  assert_int_equal(r.listener.response.tool_calls.size(), 2);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cut_inside_an_event_is_a_dropped_stream),
      cmocka_unit_test(stream_without_its_end_is_estream),
      cmocka_unit_test(streamed_text_is_capped),
      cmocka_unit_test(one_calls_arguments_are_capped),
      cmocka_unit_test(later_providers_are_capped_too),
      cmocka_unit_test(non_streamed_body_uses_the_same_cap),
      cmocka_unit_test(huge_usage_counts_are_clamped),
      cmocka_unit_test(anthropic_cache_tokens_count_as_input),
      cmocka_unit_test(anthropic_reused_index_readies_the_earlier_call),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
