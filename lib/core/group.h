// Branch groups: calls that answer the same question different ways, and
// the policy that cancels branches no longer worth their cost (a result good
// enough, the top N in, a fatal failure, the group's deadline).
// Loop thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/call.h"
#include "json/json.h"
#include "loop/scheduler.h"

namespace toolorch::core {

class Dispatcher;

using Scorer = std::function<double(const Call &call)>;

struct GroupPolicy {
  int64_t timeout_ms = 0;         // 0 = none
  bool cancel_on_score = false;   // cancel_on_better_result
  double threshold = 1.0;
  int keep_top_n = 0;             // 0 = off
  bool cancel_siblings = false;   // on a FATAL failure
  Scorer scorer;                  // empty: the context's, else 1.0 per success

  // From {"timeout_ms", "cancel_on_better_result": {"threshold"}, "keep_top_n_branches",
  // "on_failure": "isolate"|"cancel_siblings"}; unknown keys rejected by name.
  static int from_json(const cJSON *obj, GroupPolicy *out, std::string *err);
};

class Group {
 public:
  Group(std::string name, GroupPolicy policy, Dispatcher *dispatcher, const Scorer *fallback_scorer);
  ~Group();
  const std::string &name() const { return name_; }
  const GroupPolicy &policy() const { return policy_; }

  // A member joins as it is submitted; the first starts the group's clock.
  void add(Call *call);
  // A member ended (the owner forwards its on_call_ended here first).
  void on_member_ended(Call *call);
  // Cancel every member that has not ended.
  void cancel_all(const std::string &why);
  // keep_top_n: false for a success that is not among the N best.
  size_t successes() const { return successes_; }

 private:
  void cancel_others(Call *except, const std::string &why);
  std::string name_;
  GroupPolicy policy_;
  Dispatcher *d_;
  const Scorer *fallback_;
  std::vector<CallRef> members_;
  size_t successes_ = 0;
  bool decided_ = false;
  std::unique_ptr<loop::Timer> timer_;
};

}  // namespace toolorch::core
