#include "tools/http_tool.h"

#include <toolorch/call.h>
#include <toolorch/status.h>

#include <strings.h>

#include "core/dispatcher.h"
#include "core/result_limits.h"
#include "llm/http_errors.h"

namespace toolorch::tools {
namespace {

constexpr size_t kErrorBodyBytes = 500;

bool names_header(const std::string &header, const char *name) {
  size_t n = std::char_traits<char>::length(name);
  return header.size() > n && header[n] == ':' && strncasecmp(header.c_str(), name, n) == 0;
}

}  // namespace

std::string http_failure_text(long http_status, const std::string &body) {
  std::string text = "HTTP " + std::to_string(http_status);
  if (!body.empty()) text += ": " + body.substr(0, kErrorBodyBytes);
  return text;
}

HttpToolRunner::HttpToolRunner(HttpToolConfig config, ClientSource client)
    : config_(std::move(config)), client_source_(std::move(client)), state_(std::make_shared<State>()) {}

HttpToolRunner::~HttpToolRunner() {
  // Normally shut down already; the ops' references go with the state.
  state_->shut_down = true;
}

size_t HttpToolRunner::in_flight() const { return state_->ops.size(); }

void HttpToolRunner::start(core::Call &call) {
  if (state_->shut_down) {
    core::fail_call(call, "the context is shutting down");
    return;
  }
  std::string err;
  http::Client *client = client_source_ ? client_source_(&err) : nullptr;
  if (!client) {
    core::fail_call(call, "cannot make the HTTP client: " + (err.empty() ? "unknown" : err));
    return;
  }
  state_->client = client;

  http::Request req;
  req.method = "POST";
  req.url = config_.url;
  bool has_type = false;
  for (const std::string &h : config_.headers) has_type = has_type || names_header(h, "Content-Type");
  if (!has_type) req.headers.emplace_back("Content-Type: application/json");
  req.headers.insert(req.headers.end(), config_.headers.begin(), config_.headers.end());
  req.body = call.args();
  // W3C trace context: the endpoint's work joins this attempt's span.
  if (call.obs.span) req.headers.push_back("traceparent: " + obs::format_traceparent(call.obs.span->ctx));
  // A body past the result cap could never be accepted: stop reading it.
  int64_t cap = call.finisher->opts().max_result_bytes;
  req.max_response_bytes = cap > 0 ? static_cast<size_t>(cap) : 0;

  uint64_t key = state_->next_key++;
  Op &op = state_->ops[key];
  op.call = core::CallRef(&call);
  state_->keys[&call] = key;  // before the transfer starts: a cancel from now on finds the op

  std::weak_ptr<State> weak = state_;
  http::Callbacks cbs;
  cbs.on_done = [weak, key](http::Result &&result) { on_done(weak, key, std::move(result)); };
  http::TransferId id = client->start(std::move(req), std::move(cbs));
  auto it = state_->ops.find(key);
  if (it != state_->ops.end()) it->second.transfer = id;
}

void HttpToolRunner::on_done(const std::weak_ptr<State> &weak, uint64_t key, http::Result &&result) {
  std::shared_ptr<State> st = weak.lock();
  if (!st) return;
  auto it = st->ops.find(key);
  if (it == st->ops.end()) return;
  // Out of the map before finishing: the end may start the next call here.
  Op op = std::move(it->second);
  st->ops.erase(it);
  st->keys.erase(op.call.get());
  bool ok = false;
  unsigned flags = 0;
  std::string text;
  long code = result.http_status;
  int64_t retry_after = -1;
  const core::CoreOptions &opts = op.call->finisher->opts();
  if (result.status == TOOLORCH_ETOOBIG && code >= 200 && code < 300 &&
      opts.max_result_policy == core::CoreOptions::ResultPolicy::kTruncate) {
    // Policy "truncate": the body up to the cap is the result, marked as cut.
    ok = true;
    text = std::move(result.body);
    text.append(1, '\0');  // one byte past the cap: the transfer stopped there
    core::truncate_result(&text, opts.max_result_bytes);
    op.call->finisher->stats()->results_truncated.fetch_add(1, std::memory_order_relaxed);
  } else if (result.status == TOOLORCH_ETOOBIG) {
    text = "the HTTP response exceeds max_result_bytes";
  } else if (result.status != TOOLORCH_OK) {
    // Could not connect, reset, ...: worth another attempt.
    flags = TOOLORCH_FAIL_RETRYABLE;
    text = "HTTP transfer failed: " + (result.error.empty() ? std::string("unknown error") : result.error);
  } else if (code >= 200 && code < 300) {
    ok = true;
    text = std::move(result.body);
  } else {
    if (code == 429 || code >= 500) {
      flags = TOOLORCH_FAIL_RETRYABLE;
      // Honoured by the retry, as the LLM path does (the same header reader).
      retry_after = llm::retry_after_ms(result.headers, llm::unix_now_ms());
    }
    text = http_failure_text(code, result.body);
  }
  if (ok) core::finish_call(*op.call, std::move(text));
  else core::fail_call(*op.call, std::move(text), flags, retry_after);
}

void HttpToolRunner::on_call_ended_without_result(core::Call &call, int) {
  State &st = *state_;
  auto k = st.keys.find(&call);
  if (k == st.keys.end()) return;
  auto it = st.ops.find(k->second);
  st.keys.erase(k);
  if (it == st.ops.end()) return;
  Op op = std::move(it->second);
  st.ops.erase(it);
  // The transfer goes at once: the connection closes and the server sees it.
  if (op.transfer && st.client) st.client->cancel(op.transfer);
  core::abandon_call(*op.call);
}

void HttpToolRunner::shutdown() {
  State &st = *state_;
  if (st.shut_down) return;
  st.shut_down = true;
  // The client is still alive here (the context frees it after this); its
  // destructor would drop the transfers too, but no callback of ours may
  // outlive this point.
  auto ops = std::move(st.ops);
  st.ops.clear();
  st.keys.clear();
  for (auto &entry : ops)
    if (entry.second.transfer && st.client) st.client->cancel(entry.second.transfer);
  st.client = nullptr;
}

}  // namespace toolorch::tools
