// A batch: many calls without an LLM. Each call's end becomes a CALL_RESULT
// event at once (completion order); when all have ended, BATCH_DONE.
#pragma once

#include <atomic>
#include <map>
#include <set>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/dispatcher.h"
#include "core/group.h"
#include "obs/observer.h"

namespace toolorch::core {

class Batch final : public CallOwner {
 public:
  Batch(Dispatcher *dispatcher, EventSink *sink, void *userdata, void *handle);
  ~Batch() override;  // detaches: calls still running are cancelled silently

  // Before submit, any one thread. ESTATE after submit; EEXIST for a group
  // declared twice or a call id used twice (results are matched by id);
  // EINVAL for a call in an undeclared group.
  int add(const std::string &tool, std::string args, const std::string &id, const std::string &group = "");
  int add_group(const std::string &name, GroupPolicy policy, const ContextScorer *fallback);
  // Loop thread. ESTATE if there is no such group.
  int cancel_group(const std::string &name);
  // Loop thread. Cancel the call of this id: OK, ELATE if it had ended,
  // EINVAL if there is none.
  int cancel_call(const std::string &id);
  // Loop thread. ESTATE if submitted already.
  int submit();
  // Loop thread.
  void cancel();
  // Loop thread: no event of this batch is emitted after this.
  void detach();

  size_t size() const { return size_.load(std::memory_order_acquire); }
  size_t ended() const { return ended_.load(std::memory_order_acquire); }
  bool submitted() const { return submitted_.load(std::memory_order_acquire); }

  void on_call_ended(Call *call) override;

 private:
  void maybe_done();
  Dispatcher *dispatcher_;
  EventSink *sink_;
  void *userdata_, *handle_;
  std::vector<CallRef> calls_;
  std::vector<Group *> call_groups_;  // parallel to calls_: the group of each, or null
  std::map<std::string, std::unique_ptr<Group>> groups_;
  // Every call's id, to refuse one used twice: views of the calls' own id
  // strings (a batch call's id never changes; calls_ keeps them alive).
  std::unordered_set<std::string_view> ids_;
  std::atomic<size_t> size_{0}, ended_{0};
  std::atomic<bool> submitted_{false};
  bool submitting_ = false, done_sent_ = false, detached_ = false;
  obs::BatchObs obs_state_;  // its span, when traced
};

// The CALL_RESULT event of an ended call.
EventPtr make_result_event(const Call &call);

}  // namespace toolorch::core
