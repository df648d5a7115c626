#include "core/group.h"

#include "core/codes.h"

#include "core/dispatcher.h"

namespace toolorch::core {

int GroupPolicy::from_json(const cJSON *obj, GroupPolicy *out, std::string *err) {
  if (!cJSON_IsObject(obj)) {
    *err = "a group policy must be a JSON object";
    return TOOLORCH_ECONFIG;
  }
  GroupPolicy p = *out;
  for (const cJSON *v = obj->child; v; v = v->next) {
    std::string key = v->string ? v->string : "";
    if (key == "timeout_ms") {
      if (!cJSON_IsNumber(v) || v->valuedouble < 0) {
        *err = "\"timeout_ms\" must be a number >= 0";
        return TOOLORCH_ECONFIG;
      }
      p.timeout_ms = static_cast<int64_t>(v->valuedouble);
    } else if (key == "cancel_on_better_result") {
      const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "threshold");
      if (!cJSON_IsObject(v) || !cJSON_IsNumber(t) || cJSON_GetArraySize(v) != 1) {
        *err = "\"cancel_on_better_result\" must be {\"threshold\": number}";
        return TOOLORCH_ECONFIG;
      }
      p.cancel_on_score = true;
      p.threshold = t->valuedouble;
    } else if (key == "keep_top_n_branches") {
      if (!cJSON_IsNumber(v) || v->valuedouble < 0) {
        *err = "\"keep_top_n_branches\" must be a number >= 0";
        return TOOLORCH_ECONFIG;
      }
      p.keep_top_n = static_cast<int>(v->valuedouble);
    } else if (key == "on_failure") {
      std::string s = cJSON_IsString(v) ? v->valuestring : "";
      if (s == "isolate") p.cancel_siblings = false;
      else if (s == "cancel_siblings") p.cancel_siblings = true;
      else {
        *err = "\"on_failure\" must be \"isolate\" or \"cancel_siblings\"";
        return TOOLORCH_ECONFIG;
      }
    } else {
      *err = "unknown group policy key \"" + key + "\"";
      return TOOLORCH_ECONFIG;
    }
  }
  *out = std::move(p);
  return TOOLORCH_OK;
}

Group::Group(std::string name, GroupPolicy policy, Dispatcher *dispatcher, const Scorer *fallback_scorer)
    : name_(std::move(name)), policy_(std::move(policy)), d_(dispatcher), fallback_(fallback_scorer) {}

Group::~Group() {
  for (auto &m : members_)
    if (m->group == this) m->group = nullptr;
}

void Group::add(Call *call) {
  call->group = this;
  members_.emplace_back(call);
  if (policy_.timeout_ms > 0 && !timer_) {
    timer_ = d_->sched()->make_timer([this] {
      decided_ = true;
      // Copy: ending members runs owners' callbacks.
      std::vector<CallRef> members = members_;
      for (auto &m : members)
        if (!m->ended())
          d_->end_call(m.get(), TOOLORCH_CALL_TIMED_OUT, TOOLORCH_ETIMEDOUT,
                       "group \"" + name_ + "\" timed out after " + std::to_string(policy_.timeout_ms) + " ms");
    });
    if (timer_) timer_->arm_at(d_->sched()->now_us() + policy_.timeout_ms * 1000);
  }
}

void Group::cancel_others(Call *except, const std::string &why) {
  std::vector<CallRef> members = members_;
  for (auto &m : members)
    if (m.get() != except && !m->ended())
      d_->end_call(m.get(), TOOLORCH_CALL_CANCELLED, TOOLORCH_ECANCELLED, why);
}

void Group::cancel_all(const std::string &why) {
  decided_ = true;
  cancel_others(nullptr, why);
}

void Group::on_member_ended(Call *call) {
  int state = call->state();
  if (state == TOOLORCH_CALL_SUCCEEDED) {
    const Scorer *s = policy_.scorer ? &policy_.scorer : (fallback_ && *fallback_ ? fallback_ : nullptr);
    call->score = s ? (*s)(*call) : 1.0;
    successes_++;
  }
  if (decided_) return;
  if (state == TOOLORCH_CALL_SUCCEEDED && policy_.cancel_on_score && call->score >= policy_.threshold) {
    decided_ = true;
    cancel_others(call, "cancelled: another branch of group \"" + name_ + "\" answered well enough (score " +
                            std::to_string(call->score) + ")");
  } else if (state == TOOLORCH_CALL_SUCCEEDED && policy_.keep_top_n > 0 &&
             successes_ >= static_cast<size_t>(policy_.keep_top_n)) {
    decided_ = true;
    cancel_others(call, "cancelled: group \"" + name_ + "\" already has its " + std::to_string(policy_.keep_top_n) +
                            " results");
  } else if (state == TOOLORCH_CALL_FAILED && policy_.cancel_siblings && (call->fail_flags & kFailFatal)) {
    decided_ = true;
    cancel_others(call, "cancelled: branch \"" + call->id() + "\" of group \"" + name_ + "\" failed fatally");
  }
  bool all_ended = true;
  for (auto &m : members_) all_ended = all_ended && m->ended();
  if (all_ended && timer_) timer_->disarm();
}

}  // namespace toolorch::core
