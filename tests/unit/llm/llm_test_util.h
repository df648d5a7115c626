// Helpers of the llm unit tests: a Listener that records every event in
// order (and can act from inside any of them), fixture files, and splitting
// an SSE body into its events.
#pragma once

#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <cjson/cJSON.h>

// cmocka 1.1 declares its C functions without extern "C".
extern "C" {
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
}

#include "fake_http_client.h"
#include "json/json.h"
#include "llm/provider.h"
#include "llm/provider_config.h"

namespace toolorch::test {

inline std::string read_fixture(const std::string &name) {
  std::ifstream in(std::string(LLM_FIXTURES_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The events of an SSE body, each with its blank line ("\n\n"-separated).
inline std::vector<std::string> split_events(const std::string &body) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find("\n\n", pos);
    end = end == std::string::npos ? body.size() : end + 2;
    out.push_back(body.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

class RecordingListener : public llm::Listener {
 public:
  // One line per event: "text:<delta>", "started:<i>:<id>:<name>",
  // "ready:<i>:<args>", "usage:<in>:<out>", "rate:<status>:<req>:<tok>",
  // "reset:<status>:<ms>",
  // "finished", "error:<status>".
  std::vector<std::string> events;
  std::string text;
  std::vector<llm::ToolCall> ready;
  llm::Response response;
  llm::Error error;
  int finished = 0, errors = 0;
  // Runs after each event is recorded (e.g. to cancel from inside it).
  std::function<void(const std::string &event)> hook;

  int ends() const { return finished + errors; }
  bool has(const std::string &event) const {
    for (const auto &e : events)
      if (e == event) return true;
    return false;
  }
  // Position of the first event starting with prefix, or -1.
  int find(const std::string &prefix) const {
    for (size_t i = 0; i < events.size(); ++i)
      if (events[i].compare(0, prefix.size(), prefix) == 0) return static_cast<int>(i);
    return -1;
  }

  void on_text(std::string_view delta) override {
    text.append(delta.data(), delta.size());
    record("text:" + std::string(delta));
  }
  void on_tool_call_started(int index, const std::string &id, const std::string &name) override {
    record("started:" + std::to_string(index) + ":" + id + ":" + name);
  }
  void on_tool_call_ready(int index, const llm::ToolCall &call) override {
    ready.push_back(call);
    record("ready:" + std::to_string(index) + ":" + call.args_json);
  }
  llm::Usage usage;  // the last one reported
  void on_usage(const llm::Usage &u) override {
    usage = u;
    record("usage:" + std::to_string(u.input_tokens) + ":" + std::to_string(u.output_tokens));
  }
  void on_finished(llm::Response &&r) override {
    ++finished;
    response = std::move(r);
    record("finished");
  }
  void on_error(llm::Error &&e) override {
    ++errors;
    error = std::move(e);
    record("error:" + std::to_string(error.status));
  }
  void on_rate_headers(long status, int64_t rr, int64_t rt) override {
    record("rate:" + std::to_string(status) + ":" + std::to_string(rr) + ":" + std::to_string(rt));
  }
  void on_rate_reset(long status, int64_t reset_ms) override {
    record("reset:" + std::to_string(status) + ":" + std::to_string(reset_ms));
  }

 private:
  void record(std::string e) {
    events.push_back(e);
    if (hook) hook(e);
  }
};

// A member of a parsed request, and a string member ("" if none).
inline const cJSON *item(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }
inline std::string str(const cJSON *o, const char *k) { return json::get_string(o, k, ""); }

// The listener saw exactly these events, in this order.
inline void assert_events(const RecordingListener &l, const std::vector<std::string> &want) {
  if (l.events.size() != want.size()) {
    for (const auto &e : l.events) print_message("  saw %s\n", e.c_str());
    fail_msg("%zu events, %zu wanted", l.events.size(), want.size());
  }
  for (size_t k = 0; k < want.size(); ++k) assert_string_equal(l.events[k].c_str(), want[k].c_str());
}

inline llm::ProviderConfig test_config(llm::Protocol p, const std::string &key = "sk-test-key") {
  llm::ProviderConfig c;
  c.protocol = p;
  c.api_key = key;
  return c;
}

inline llm::Request simple_request(bool stream = true) {
  llm::Request r;
  r.model = "test-model";
  r.stream = stream;
  llm::Message m;
  m.role = llm::Message::Role::kUser;
  m.text = "What's the weather like in Paris today?";
  r.messages.push_back(m);
  llm::ToolDef t;
  t.name = "get_weather";
  t.description = "Get current temperature for a given location.";
  t.schema_json = R"({"type":"object","properties":{"location":{"type":"string"}},"required":["location"]})";
  r.tools.push_back(t);
  return r;
}

inline std::vector<http::Header> sse_headers() { return {{"Content-Type", "text/event-stream"}}; }

// One request sent on a fake client: the provider, what its listener saw,
// and the pending request (the errors and hardening tests build on it).
struct ProviderRun {
  FakeHttpClient http;
  std::unique_ptr<llm::Provider> provider;
  RecordingListener listener;
  std::unique_ptr<llm::PendingRequest> req;

  explicit ProviderRun(const llm::ProviderConfig &cfg, bool stream = true) {
    provider = llm::make_provider(cfg, &http);
    req = provider->send(simple_request(stream), &listener);
  }
  // The request ended exactly once, in an error.
  const llm::Error &error() {
    assert_int_equal(listener.errors, 1);
    assert_int_equal(listener.finished, 0);
    return listener.error;
  }
};

// What a provider's listener saw of one streamed body: its events, then
// "stop:<stop_reason> text:<text>" of the response.
inline std::vector<std::string> events_of_stream(llm::Protocol p, const std::string &body) {
  ProviderRun run(test_config(p));
  run.http.respond(0, 200, sse_headers(), body);
  std::vector<std::string> events = run.listener.events;
  events.push_back("stop:" + run.listener.response.stop_reason + " text:" + run.listener.response.text);
  return events;
}

}  // namespace toolorch::test
