#include "llm/emitter.h"

#include "llm/http_errors.h"
#include "toolorch/status.h"

namespace toolorch::llm {

void Emitter::text(std::string_view delta) {
  if (alive() && !delta.empty()) listener_->on_text(delta);
}

void Emitter::started(int index, const std::string &id, const std::string &name) {
  if (alive()) listener_->on_tool_call_started(index, id, name);
}

void Emitter::ready(int index, const ToolCall &call) {
  if (alive()) listener_->on_tool_call_ready(index, call);
}

void Emitter::usage(const Usage &usage) {
  if (alive()) listener_->on_usage(usage);
}

void Emitter::rate_headers(long http_status, int64_t remaining_requests, int64_t remaining_tokens) {
  if (alive()) listener_->on_rate_headers(http_status, remaining_requests, remaining_tokens);
}

void Emitter::rate_reset(long http_status, int64_t reset_ms) {
  if (alive()) listener_->on_rate_reset(http_status, reset_ms);
}

bool Emitter::end() {
  if (!alive()) return false;
  ended_ = true;
  if (on_end_) {
    auto fn = std::move(on_end_);
    on_end_ = nullptr;
    fn();
  }
  return true;
}

void Emitter::finished(Response &&response) {
  if (end()) listener_->on_finished(std::move(response));
}

void Emitter::error(Error &&error) {
  if (!end()) return;
  error.message = redact(std::move(error.message), secret_);
  if (error.http_status == 0) error.http_status = http_status_;
  listener_->on_error(std::move(error));
}

void Emitter::error(int status, bool retryable, std::string message, long http_status) {
  Error e;
  e.status = status;
  e.retryable = retryable;
  e.message = std::move(message);
  e.http_status = http_status;
  error(std::move(e));
}

void Decoder::on_end_of_stream() {
  if (!out_->alive()) return;
  if (complete()) {
    before_finish();
    if (!out_->alive()) return;
    out_->finished(take_response());
  } else {
    out_->error(TOOLORCH_ESTREAM, true, "stream ended before the response was complete");
  }
}

bool Decoder::fits(size_t size, const std::string &what) {
  size_t cap = out_->max_response_bytes();
  if (size <= cap) return true;
  out_->error(TOOLORCH_ETOOBIG, false,
              what + " exceeds max_response_bytes (" + std::to_string(cap) + " bytes)");
  return false;
}

json::Limits decoder_limits(size_t max_bytes) {
  json::Limits l;
  l.max_bytes = max_bytes;
  l.max_depth = 128;
  return l;
}

const char *nonempty_string(const cJSON *obj, const char *key) {
  const char *s = json::get_string(obj, key);
  return s && *s ? s : nullptr;
}

}  // namespace toolorch::llm
