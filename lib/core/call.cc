#include "core/call.h"

#include "core/codes.h"
#include "obs/cell_pool.h"

namespace toolorch::core {

namespace {
// At most 16,384 cells (about 6.5 MiB), kept for reuse until exit: calls
// alive beyond that many are allocated one by one.
using CallCells = obs::CellPool<sizeof(Call), 16384>;
}  // namespace

const Call::Extra Call::kNoExtra;
Call::Hook Call::kHookClosed;

void *Call::operator new(size_t n) { return CallCells::allocate(n); }

void Call::operator delete(void *p) noexcept { CallCells::deallocate(p); }

Call::Call(uint64_t seq, std::string_view id, std::string_view tool_name, std::string_view args)
    : seq_(seq), id_(&first_id_), first_id_(id), tool_name_(tool_name), args_(args) {}

Call::Call(uint64_t seq, std::string_view id, std::string_view tool_name, std::string &&args)
    : seq_(seq), id_(&first_id_), first_id_(id), tool_name_(tool_name), args_(std::move(args)) {}

Call::~Call() {
  if (parent_) parent_->unref();
  Hook *h = hook_.load(std::memory_order_acquire);
  if (h != &kHookClosed) delete h;
  delete extra_.load(std::memory_order_acquire);
}

Call::Extra &Call::extra() {
  Extra *e = extra_.load(std::memory_order_relaxed);  // loop thread: the only writer
  if (!e) {
    e = new Extra;
    extra_.store(e, std::memory_order_release);
  }
  return *e;
}

void Call::set_parent(Call *parent) {
  if (parent) parent->ref();
  if (parent_) parent_->unref();
  parent_ = parent;
}

void Call::set_id(std::string id) {
  Extra &e = extra();
  e.ids.push_back(std::make_unique<std::string>(std::move(id)));
  id_.store(e.ids.back().get(), std::memory_order_release);
}

void Call::set_event_id(std::string id) {
  if (id.empty() && !extra_.load(std::memory_order_relaxed)) return;
  extra().event_id = std::move(id);
}

void Call::set_end_message(std::string &&text) {
  if (text.empty() && !extra_.load(std::memory_order_relaxed)) return;
  extra().end_message = std::move(text);
}

// The hook is swapped in and out whole: a set racing the end either lands
// before the dispatcher takes it (and runs) or finds it closed (ELATE).
int Call::set_cancel_hook(std::function<void()> hook) {
  auto *fresh = new Hook{std::move(hook)};
  Hook *cur = hook_.load(std::memory_order_acquire);
  do {
    if (cur == &kHookClosed) {
      delete fresh;
      return TOOLORCH_ELATE;
    }
  } while (!hook_.compare_exchange_weak(cur, fresh, std::memory_order_acq_rel, std::memory_order_acquire));
  delete cur;  // the one set before, replaced (null if none)
  return TOOLORCH_OK;
}

std::function<void()> Call::take_cancel_hook() {
  Hook *h = hook_.exchange(&kHookClosed, std::memory_order_acq_rel);
  if (!h || h == &kHookClosed) return nullptr;
  std::function<void()> fn = std::move(h->fn);
  delete h;
  return fn;
}

void Call::reopen_for_retry() {
  Hook *cur = hook_.load(std::memory_order_acquire);
  // Dropped unless it was taken (closed) meanwhile.
  while (cur && cur != &kHookClosed &&
         !hook_.compare_exchange_weak(cur, nullptr, std::memory_order_acq_rel, std::memory_order_acquire)) {
  }
  if (cur && cur != &kHookClosed) delete cur;
  tool_finished_.store(false, std::memory_order_release);
}

std::string Call::text() const {
  if (!result) return end_message();
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
