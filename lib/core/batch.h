// A batch: many calls without an LLM. Each call's end becomes a CALL_RESULT
// event at once (completion order); when all have ended, BATCH_DONE.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
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
  // EINVAL for a call in an undeclared group; ETOOBIG for a name, arguments
  // or id of 4 GiB or more (arguments are refused above 1 GiB at submit
  // anyway). It only records the call (one record of its bytes in the
  // batch's own blocks): the Call is made as the batch
  // is submitted, just before it is handed to the dispatcher, so the first
  // call starts without waiting for the others to be made. An empty id is
  // generated then ("call_<n>", never one of the ids given in this batch).
  int add(std::string_view tool, std::string_view args, std::string_view id, std::string_view group = {});
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
  // A call added and not made yet, read from its record: views of its bytes.
  struct Pending {
    std::string_view tool, args, id;  // id "": generated at submit
    Group *group = nullptr;
    bool cancelled = false;  // cancelled before it was made: it ends cancelled as it is submitted
  };
  // A pending call's record in the blocks: this head, then its Group* (when
  // kHasGroup), its tool's name (unless kSameTool: the one of the record
  // before), its arguments and its id; the next record starts at the next
  // multiple of 8. A few bytes beside the arguments, no allocation per call.
  struct Record {
    uint32_t tool_len, args_len, id_len, flags;
  };
  static constexpr uint32_t kSameTool = 1, kHasGroup = 2, kCancelled = 4;
  struct Block {
    std::unique_ptr<char[]> bytes;
    size_t used = 0, room = 0;
  };
  // Where the record after `at` starts.
  static size_t record_end(const Record *r, size_t at);
  Record *record_at(size_t block, size_t at) const;
  // The id of the record at `at` (read without the tool of a kSameTool one).
  static std::string_view record_id(const Record *r);
  // The first pending call, as a Pending; the cursor moves past it.
  Pending take_pending();
  // f(Record *, id) for each call not made yet, in order.
  template <typename F>
  void for_each_pending(F &&f);
  CallRef make_call(const Pending &p);
  void drop_pending();
  void maybe_done();
  Dispatcher *dispatcher_;
  EventSink *sink_;
  void *userdata_, *handle_;
  std::vector<CallRef> calls_;  // made (submitted or being submitted)
  // The records of the calls added and not made yet, in order, in blocks
  // that never move (the views stay valid); submit reads them from the
  // cursor (next_block_, next_at_) and frees each block it has read (all of
  // them at its end when given ids point into them), so the calls being
  // made reuse that memory.
  std::vector<Block> blocks_;
  size_t pending_ = 0;  // records from the cursor on
  size_t next_block_ = 0, next_at_ = 0;
  std::string_view last_tool_;  // add: the tool of the last record; submit: of the last read
  std::map<std::string, std::unique_ptr<Group>> groups_;
  // The ids given to add (generated ones are not: they cannot collide, and
  // are made not to collide with these), to refuse one used twice: views in
  // the records. Until submit ends.
  std::unordered_set<std::string_view> ids_;
  std::atomic<size_t> size_{0}, ended_{0};
  std::atomic<bool> submitted_{false};
  bool submitting_ = false, done_sent_ = false, detached_ = false;
  obs::BatchObs obs_state_;  // its span, when traced
};

// The CALL_RESULT event of an ended call.
EventPtr make_result_event(const Call &call);

}  // namespace toolorch::core
