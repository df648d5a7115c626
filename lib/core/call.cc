#include "core/call.h"

#include "core/codes.h"

namespace toolorch::core {

Call::Call(uint64_t seq, std::string id, std::string tool_name, std::string args)
    : seq_(seq), id_(&first_id_), first_id_(std::move(id)), tool_name_(std::move(tool_name)), args_(std::move(args)) {}

Call::~Call() {
  if (parent_) parent_->unref();
}

void Call::set_parent(Call *parent) {
  if (parent) parent->ref();
  if (parent_) parent_->unref();
  parent_ = parent;
}

void Call::set_id(std::string id) {
  ids_.push_back(std::make_unique<std::string>(std::move(id)));
  id_.store(ids_.back().get(), std::memory_order_release);
}

int Call::set_cancel_hook(std::function<void()> hook) {
  std::lock_guard<std::mutex> lk(hook_mu_);
  if (hook_closed_) return TOOLORCH_ELATE;
  cancel_hook_ = std::move(hook);
  return TOOLORCH_OK;
}

std::function<void()> Call::take_cancel_hook() {
  std::lock_guard<std::mutex> lk(hook_mu_);
  hook_closed_ = true;
  return std::move(cancel_hook_);
}

std::string Call::text() const {
  if (!result) return end_message;
  std::string err;
  ResultBytes b = result->bytes(&err);
  if (!b) return "[toolorch: the result could not be read back: " + err + "]";
  return *b;
}

const char *state_name(int state) {
  switch (state) {
    case TOOLORCH_CALL_PENDING: return "pending";
    case TOOLORCH_CALL_WAITING: return "waiting";
    case TOOLORCH_CALL_RUNNING: return "running";
    case TOOLORCH_CALL_SUCCEEDED: return "succeeded";
    case TOOLORCH_CALL_FAILED: return "failed";
    case TOOLORCH_CALL_CANCELLED: return "cancelled";
    case TOOLORCH_CALL_TIMED_OUT: return "timed_out";
    default: return "unknown";
  }
}

}  // namespace toolorch::core
