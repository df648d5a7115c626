#include "scripted_provider.h"

namespace toolorch::test {
namespace {
class Pending final : public llm::PendingRequest {
 public:
  explicit Pending(std::shared_ptr<ScriptedProvider::Sent> s) : s_(std::move(s)) {}
  ~Pending() override { cancel(); }
  void cancel() override { s_->cancelled = true; }

 private:
  std::shared_ptr<ScriptedProvider::Sent> s_;
};
}  // namespace

std::unique_ptr<llm::PendingRequest> ScriptedProvider::send(const llm::Request &request, llm::Listener *listener) {
  auto s = std::make_shared<Sent>();
  s->request = llm::held_request(request);  // kept after send() returns
  s->listener = listener;
  sent.push_back(s);
  return std::make_unique<Pending>(s);
}

void ScriptedProvider::call_ready(int index, const std::string &id, const std::string &name,
                                  const std::string &args) {
  listener()->on_tool_call_started(index, id, name);
  listener()->on_tool_call_ready(index, llm::ToolCall{id, name, args});
}

void ScriptedProvider::finish_with_calls(std::vector<llm::ToolCall> calls, const std::string &text) {
  llm::Response r;
  r.text = text;
  r.tool_calls = std::move(calls);
  r.stop_reason = "tool_calls";
  listener()->on_finished(std::move(r));
}

void ScriptedProvider::finish_with_text(const std::string &text) {
  listener()->on_text(text);
  llm::Response r;
  r.text = text;
  r.stop_reason = "stop";
  listener()->on_finished(std::move(r));
}

void ScriptedProvider::fail_request(int status, bool retryable, int64_t retry_after_ms, const std::string &message) {
  llm::Error e;
  e.status = status;
  e.retryable = retryable;
  e.retry_after_ms = retry_after_ms;
  e.message = message;
  listener()->on_error(std::move(e));
}

}  // namespace toolorch::test
