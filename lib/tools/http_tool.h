// A tool that is an HTTP endpoint: each call POSTs its arguments (JSON) to
// a URL with the context's http::Client, on the loop. A 2xx response's body
// is the result; another status fails the call with "HTTP <code>: <first
// 500 bytes of the body>"; a transport error fails it with the error. When
// the call is cancelled or times out, its transfer is removed from libcurl
// at once (the connection closes: the server sees it) and the call is
// abandoned.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/http_client.h"
#include "tools/builtin_runner.h"

namespace toolorch::tools {

struct HttpToolConfig {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"; never logged
};

class HttpToolRunner final : public BuiltinRunner {
 public:
  // The context's client, made on first use (loop thread); nullptr + *err
  // if it cannot be made.
  using ClientSource = std::function<http::Client *(std::string *err)>;

  HttpToolRunner(HttpToolConfig config, ClientSource client);
  ~HttpToolRunner() override;

  void start(core::Call &call) override;
  void on_call_ended_without_result(core::Call &call, int reason) override;
  void shutdown() override;
  size_t in_flight() const override;

  const HttpToolConfig &config() const { return config_; }

 private:
  struct Op {
    core::CallRef call;
    http::TransferId transfer = 0;
  };
  // Shared with the callbacks given to the client, which hold it weakly:
  // one that fires after shutdown finds nothing.
  struct State {
    std::unordered_map<uint64_t, Op> ops;  // loop thread only
    std::unordered_map<core::Call *, uint64_t> keys;  // the op of each call in flight
    uint64_t next_key = 1;
    http::Client *client = nullptr;  // the one the ops were started on
    bool shut_down = false;
  };

  static void on_done(const std::weak_ptr<State> &weak, uint64_t key, http::Result &&result);

  HttpToolConfig config_;
  ClientSource client_source_;
  std::shared_ptr<State> state_;
};

// The text a failed HTTP call ends with: "HTTP <code>: <first 500 bytes>".
// 429, 5xx and transport errors are marked TOOLORCH_FAIL_RETRYABLE (the
// tool's retry policy decides whether they are retried).
std::string http_failure_text(long http_status, const std::string &body);

}  // namespace toolorch::tools
