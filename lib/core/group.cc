#include "core/group.h"

#include "core/codes.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "core/dispatcher.h"
#include "core/event.h"
#include "core/tool_registry.h"
#include "json/json.h"

namespace toolorch::core {

namespace {
// Hands a SCORE request (Dispatcher::hand_out) to the host as a SCORE event,
// as ExternalRunner (capi/runners.h) hands out a tool's call: the host
// answers with the call API from any thread; when the request ends
// unanswered (the group decided, every branch ended) it gets TOOL_CANCELLED.
// The request's parent is the scored call: the event carries its result and
// its group's name.
class ScoreRequestRunner final : public ToolRunner {
 public:
  void start(Call &call) override {
    EventPtr ev = event_about(&call, TOOLORCH_EVENT_SCORE);
    if (Call *member = call.parent()) {
      ev->text = member->text();
      if (member->group) ev->group = member->group->name();
    }
    call.finisher->sink()->emit(std::move(ev));
  }
  void on_call_ended_without_result(Call &call, int) override {
    call.finisher->sink()->emit(event_about(&call, TOOLORCH_EVENT_TOOL_CANCELLED));
  }
};

// The host's answer: a JSON number (surrounding blanks allowed), finite.
bool parse_score(const std::string &text, double *out) {
  const char *s = text.c_str();
  char *end = nullptr;
  errno = 0;
  double v = std::strtod(s, &end);
  if (end == s || errno == ERANGE || !std::isfinite(v)) return false;
  while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r') end++;
  if (*end) return false;
  *out = v;
  return true;
}
}  // namespace

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
      p.timeout_ms = json::clamp_to_int64(v->valuedouble, 0);
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
      p.keep_top_n = static_cast<int>(json::clamp_to_int64(v->valuedouble, 0, INT32_MAX));
    } else if (key == "on_failure") {
      std::string s = cJSON_IsString(v) ? v->valuestring : "";
      if (s == "isolate") p.cancel_siblings = false;
      else if (s == "cancel_siblings") p.cancel_siblings = true;
      else {
        *err = "\"on_failure\" must be \"isolate\" or \"cancel_siblings\"";
        return TOOLORCH_ECONFIG;
      }
    } else if (key == "scorer") {
      if (!cJSON_IsString(v) || std::string(v->valuestring) != "external") {
        *err = "\"scorer\" must be \"external\" (the host scores: SCORE events)";
        return TOOLORCH_ECONFIG;
      }
      p.score_by_host = true;
      p.scorer = nullptr;
    } else {
      *err = "unknown group policy key \"" + key + "\"";
      return TOOLORCH_ECONFIG;
    }
  }
  *out = std::move(p);
  return TOOLORCH_OK;
}

Group::Group(std::string name, GroupPolicy policy, Dispatcher *dispatcher, const ContextScorer *fallback_scorer)
    : name_(std::move(name)), policy_(std::move(policy)), d_(dispatcher), fallback_(fallback_scorer) {}

Group::~Group() {
  for (auto &m : members_)
    if (m->group == this) m->group = nullptr;
  // Its owner (a batch, a job's round) goes: requests still out end now,
  // without calling back into this group.
  std::vector<Request> left;
  left.swap(requests_);
  for (auto &r : left) r.request->owner = nullptr;
  for (auto &r : left) d_->end_call(r.request.get(), TOOLORCH_CALL_CANCELLED, TOOLORCH_ECANCELLED,
                                    "cancelled: group \"" + name_ + "\" is gone");
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
  Dispatcher::PumpHold hold(d_);  // a waiting member must not start in between
  for (auto &m : members)
    if (m.get() != except && !m->ended())
      d_->end_call(m.get(), TOOLORCH_CALL_CANCELLED, TOOLORCH_ECANCELLED, std::string(why));
}

void Group::cancel_all(const std::string &why) {
  decided_ = true;
  cancel_others(nullptr, why);
  drop_requests(why);
}

bool Group::score_now(Call *call) {
  // The group's own scorer, then the context's; a function scores now.
  const Scorer *fn = nullptr;
  bool by_host = false;
  if (policy_.scorer) fn = &policy_.scorer;
  else if (policy_.score_by_host) by_host = true;
  else if (fallback_ && fallback_->fn) fn = &fallback_->fn;
  else if (fallback_ && fallback_->by_host) by_host = true;
  if (fn) {
    call->set_score((*fn)(*call));
    return true;
  }
  if (!by_host) {
    call->set_score(1.0);
    return true;
  }
  // The host's score matters only while it can still decide the group:
  // cancel_on_score, undecided, and a sibling left to cancel.
  bool sibling_left = false;
  for (auto &m : members_) sibling_left = sibling_left || (m.get() != call && !m->ended());
  if (!policy_.cancel_on_score || decided_ || !sibling_left) return false;
  ask_host(call);
  return false;
}

void Group::ask_host(Call *call) {
  if (!request_tool_) {
    ToolSpec spec;
    spec.name = "group \"" + name_ + "\" scores";
    spec.runner = std::make_shared<ScoreRequestRunner>();
    spec.composite = true;
    std::string err;
    request_tool_ = Tool::create(spec, &err);  // the default schema: never fails
    if (!request_tool_) return;
  }
  CallRef req(d_->new_call(call->id(), call->tool_name(), call->args()), /*adopt=*/true);
  req->set_parent(call);
  requests_.push_back(Request{req, CallRef(call)});
  d_->hand_out(req.get(), request_tool_, this, call->event_userdata, call->event_source, call->event_source_kind);
}

void Group::on_call_ended(Call *request) {
  CallRef member;
  for (size_t i = 0; i < requests_.size(); ++i)
    if (requests_[i].request.get() == request) {
      member = requests_[i].member;
      requests_.erase(requests_.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  if (!member || request->state() != TOOLORCH_CALL_SUCCEEDED) return;  // failed or cancelled: no score
  double score = 0;
  if (!parse_score(request->text(), &score)) return;  // not a number: no score
  member->set_score(score);
  on_scored(member.get());
}

void Group::on_scored(Call *call) {
  if (decided_ || !policy_.cancel_on_score || call->score() < policy_.threshold) return;
  decided_ = true;
  cancel_others(call, "cancelled: another branch of group \"" + name_ + "\" answered well enough (score " +
                          std::to_string(call->score()) + ")");
  drop_requests("cancelled: group \"" + name_ + "\" was decided");
}

void Group::drop_requests(const std::string &why) {
  std::vector<Request> left;
  left.swap(requests_);
  for (auto &r : left) {
    r.request->owner = nullptr;
    d_->end_call(r.request.get(), TOOLORCH_CALL_CANCELLED, TOOLORCH_ECANCELLED, std::string(why));
  }
}

void Group::on_member_ended(Call *call) {
  int state = call->state();
  bool scored = false;
  if (state == TOOLORCH_CALL_SUCCEEDED) {
    successes_++;
    scored = score_now(call);
  }
  if (!decided_) decide(call, state, scored);
  bool all_ended = true;
  for (auto &m : members_) all_ended = all_ended && m->ended();
  if (all_ended && timer_) timer_->disarm();
  if (decided_ || all_ended) drop_requests("cancelled: group \"" + name_ + "\" needs no more scores");
}

void Group::decide(Call *call, int state, bool scored) {
  if (scored && policy_.cancel_on_score && call->score() >= policy_.threshold) {
    on_scored(call);
  } else if (state == TOOLORCH_CALL_SUCCEEDED && policy_.keep_top_n > 0 &&
             successes_ >= static_cast<size_t>(policy_.keep_top_n)) {
    decided_ = true;
    cancel_others(call, "cancelled: group \"" + name_ + "\" already has its " + std::to_string(policy_.keep_top_n) +
                            " results");
  } else if (state == TOOLORCH_CALL_FAILED && policy_.cancel_siblings && (call->fail_flags & kFailFatal)) {
    decided_ = true;
    cancel_others(call, "cancelled: branch \"" + call->id() + "\" of group \"" + name_ + "\" failed fatally");
  }
}

}  // namespace toolorch::core
