// A Provider for core tests: it records each request and lets the test play
// the provider's side by calling the listener directly, on the fake clock.
#pragma once

#include <memory>
#include <vector>

#include "llm/provider.h"

namespace toolorch::test {

class ScriptedProvider final : public llm::Provider {
 public:
  struct Sent {
    llm::Request request;
    llm::Listener *listener;
    bool cancelled = false;
  };
  llm::Protocol protocol() const override { return llm::Protocol::kOpenAI; }
  std::unique_ptr<llm::PendingRequest> send(const llm::Request &request, llm::Listener *listener) override;

  std::vector<std::shared_ptr<Sent>> sent;
  llm::Listener *listener() const { return sent.back()->listener; }
  const llm::Request &request() const { return sent.back()->request; }

  // Helpers that play a typical response on the last request.
  void call_ready(int index, const std::string &id, const std::string &name, const std::string &args);
  void finish_with_calls(std::vector<llm::ToolCall> calls, const std::string &text = "");
  void finish_with_text(const std::string &text);
  void fail_request(int status, bool retryable, int64_t retry_after_ms = -1, const std::string &message = "boom");
};

}  // namespace toolorch::test
