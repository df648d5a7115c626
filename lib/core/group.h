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

// The context's scorer, the fallback of groups without their own: a function
// run on the loop thread, or the host asked through SCORE events (by_host),
// or neither (every success scores 1.0).
struct ContextScorer {
  Scorer fn;
  bool by_host = false;
};

struct GroupPolicy {
  int64_t timeout_ms = 0;         // 0 = none
  bool cancel_on_score = false;   // cancel_on_better_result
  double threshold = 1.0;
  int keep_top_n = 0;             // 0 = off
  bool cancel_siblings = false;   // on a FATAL failure
  Scorer scorer;                  // empty: the context's, else 1.0 per success
  // The host scores this group's successes: each one that could still
  // decide the group (cancel_on_score, siblings not ended) hands out a SCORE
  // request (Dispatcher::hand_out), answered from any thread with the score.
  // Set: scorer is empty. Unset with a scorer: the scorer.
  bool score_by_host = false;

  // From {"timeout_ms", "cancel_on_better_result": {"threshold"}, "keep_top_n_branches",
  // "on_failure": "isolate"|"cancel_siblings"}; unknown keys rejected by name.
  static int from_json(const cJSON *obj, GroupPolicy *out, std::string *err);
};

// A group is the owner of the SCORE requests it hands out to the host.
class Group final : public CallOwner {
 public:
  Group(std::string name, GroupPolicy policy, Dispatcher *dispatcher, const ContextScorer *fallback_scorer);
  ~Group() override;
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

  // A SCORE request ended: its answer is the member's score.
  void on_call_ended(Call *request) override;

 private:
  void cancel_others(Call *except, const std::string &why);
  // Scores a success now (true), or asks the host and decides when the
  // answer comes (false).
  bool score_now(Call *call);
  void ask_host(Call *call);
  // The decision a member's end makes (before the group decided).
  void decide(Call *call, int state, bool scored);
  // The decision a scored success makes (cancel_on_score).
  void on_scored(Call *call);
  // Requests no answer can matter to any more (the group decided, or every
  // member ended) end cancelled: the host is told with TOOL_CANCELLED.
  void drop_requests(const std::string &why);
  std::string name_;
  GroupPolicy policy_;
  Dispatcher *d_;
  const ContextScorer *fallback_;
  std::vector<CallRef> members_;
  struct Request {
    CallRef request, member;
  };
  std::vector<Request> requests_;  // SCORE requests not answered yet
  std::shared_ptr<Tool> request_tool_;  // runs them (ScoreRequestRunner), made at first use
  size_t successes_ = 0;
  bool decided_ = false;
  std::unique_ptr<loop::Timer> timer_;
};

}  // namespace toolorch::core
