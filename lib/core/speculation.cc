#include "core/speculation.h"

#include "core/codes.h"

#include <algorithm>

#include "core/event.h"
#include "json/schema.h"

namespace toolorch::core {

int parse_speculation(const cJSON *obj, SpeculationConfig *out, std::string *err) {
  if (!cJSON_IsObject(obj)) {
    *err = "\"speculation\" must be an object";
    return TOOLORCH_ECONFIG;
  }
  SpeculationConfig c;
  for (const cJSON *v = obj->child; v; v = v->next) {
    std::string key = v->string ? v->string : "";
    if (key == "source") {
      std::string s = cJSON_IsString(v) ? v->valuestring : "";
      if (s == "model") c.source = SpecSource::kModel;
      else if (s == "predictor") c.source = SpecSource::kPredictor;
      else if (s == "history") c.source = SpecSource::kHistory;
      else if (s == "off") c.source = SpecSource::kOff;
      else {
        *err = "\"speculation.source\" must be \"model\", \"predictor\", \"history\" or \"off\"";
        return TOOLORCH_ECONFIG;
      }
    } else if (key == "confidence_threshold") {
      if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1) {
        *err = "\"speculation.confidence_threshold\" must be a number between 0 and 1";
        return TOOLORCH_ECONFIG;
      }
      c.threshold = v->valuedouble;
    } else if (key == "max_speculative_calls") {
      if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 100000 ||
          v->valuedouble != static_cast<double>(static_cast<int>(v->valuedouble))) {
        *err = "\"speculation.max_speculative_calls\" must be an integer between 0 and 100000";
        return TOOLORCH_ECONFIG;
      }
      c.max_calls = static_cast<int>(v->valuedouble);
    } else if (key == "timeout_ms") {
      if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 86400000) {
        *err = "\"speculation.timeout_ms\" must be a number between 1 and 86400000";
        return TOOLORCH_ECONFIG;
      }
      c.timeout_ms = static_cast<int64_t>(v->valuedouble);
    } else if (key == "model") {
      if (!cJSON_IsObject(v)) {
        *err = "\"speculation.model\" must be an object (an \"llm\" section)";
        return TOOLORCH_ECONFIG;
      }
      c.model_section = json::canonical(v);
    } else {
      *err = "unknown key \"speculation." + key + "\"";
      return TOOLORCH_ECONFIG;
    }
  }
  *out = std::move(c);
  return TOOLORCH_OK;
}

const char *drop_reason_name(int reason) {
  static const char *const kNames[kDropReasons] = {"side_effects",     "over_cap",          "below_threshold",
                                                   "unknown_tool",     "invalid_arguments", "rate_limited"};
  return reason >= 0 && reason < kDropReasons ? kNames[reason] : "unknown";
}

std::string SpeculationSummary::json() const {
  std::string s = "{\"guesses\":" + std::to_string(guesses) + ",\"hits\":" + std::to_string(hits) +
                  ",\"cancelled\":" + std::to_string(cancelled) + ",\"wasted\":" + std::to_string(wasted) +
                  ",\"wasted_tool_ms\":" + std::to_string(wasted_tool_us / 1000) +
                  ",\"saved_ms\":" + std::to_string(saved_us / 1000) +
                  ",\"source_failures\":" + std::to_string(source_failures) + ",\"dropped\":{";
  for (int r = 0; r < kDropReasons; ++r)
    s += std::string(r ? "," : "") + "\"" + drop_reason_name(r) + "\":" + std::to_string(dropped[size_t(r)]);
  return s + "}}";
}

bool LoopGate::post(std::function<void()> fn) {
  std::lock_guard<std::mutex> lk(mu_);
  if (!sched_) return false;
  sched_->post(std::move(fn));
  return true;
}

void LoopGate::close() {
  std::lock_guard<std::mutex> lk(mu_);
  sched_ = nullptr;
}

int GuessChannel::add(Guess g) {
  if (closed()) return TOOLORCH_ELATE;
  // What is posted keeps the channel alive, and checks again on the loop:
  // the round may have closed in between.
  bool posted = gate_->post([self = shared_from_this(), g = std::move(g)]() mutable {
    if (!self->closed()) self->on_guess_(std::move(g));
  });
  return posted ? TOOLORCH_OK : TOOLORCH_ELATE;
}

int GuessChannel::done() {
  if (closed()) return TOOLORCH_ELATE;
  bool posted = gate_->post([self = shared_from_this()] {
    if (!self->closed()) self->on_done_();
  });
  return posted ? TOOLORCH_OK : TOOLORCH_ELATE;
}

void GuessChannel::close() { closed_.store(true, std::memory_order_release); }

Speculation::Speculation(Dispatcher *d, EventSink *sink, SpeculationConfig cfg, SpeculationEnv env, void *userdata,
                         void *handle)
    : d_(d), sink_(sink), cfg_(std::move(cfg)), env_(std::move(env)), userdata_(userdata), handle_(handle) {}

Speculation::~Speculation() { stop(true); }

int64_t Speculation::run_us(const Call &c, loop::Micros until) {
  if (!c.started_us) return 0;
  loop::Micros end = c.ended() ? std::min(c.ended_us, until) : until;
  return end > c.started_us ? end - c.started_us : 0;
}

void Speculation::emit_outcome(const std::string &id, const std::string &tool, const std::string &args, int outcome,
                               const std::string &text, int64_t us) {
  if (silent_) return;
  auto ev = std::make_unique<Event>();
  ev->type = TOOLORCH_EVENT_SPECULATION;
  ev->userdata = userdata_;
  ev->source = handle_;
  ev->source_kind = kSourceJob;
  ev->round = round_;
  ev->call_id = id;
  ev->tool_name = tool;
  ev->json = args;
  ev->text = text;
  ev->run_us = us;
  ev->speculation = outcome;
  sink_->emit(std::move(ev));
}

void Speculation::observe(const char *outcome, Call *call, const std::string &real_id) {
  if (obs::Observer *o = d_->observer())
    o->speculation(outcome, call ? &call->obs : nullptr, real_id, d_->sched()->now_us());
}

void Speculation::drop(const Guess &g, int reason, Call *call) {
  sum_.dropped[size_t(reason)]++;
  observe("dropped", call);
  Stats *st = d_->stats();
  std::atomic<int64_t> *counters[kDropReasons] = {
      &st->spec_dropped_side_effects, &st->spec_dropped_over_cap,         &st->spec_dropped_below_threshold,
      &st->spec_dropped_unknown_tool, &st->spec_dropped_invalid_arguments, &st->spec_dropped_rate_limited};
  counters[reason]->fetch_add(1, std::memory_order_relaxed);
  emit_outcome("", g.tool, g.args, TOOLORCH_SPECULATION_DROPPED, drop_reason_name(reason), 0);
}

void Speculation::source_failed(const std::string &) {
  sum_.source_failures++;
  d_->stats()->spec_source_failures.fetch_add(1, std::memory_order_relaxed);
  observe("source_failed");
}

void Speculation::begin(const llm::Request &request, int round, const std::string &history_key,
                        const obs::TraceContext &trace_parent) {
  if (cfg_.source == SpecSource::kOff || silent_) return;
  if (round == round_) return;  // a retry of the same request: its guesses stand
  if (open_) close(nullptr);
  round_ = round;
  trace_parent_ = trace_parent;
  open_ = true;
  started_ = 0;
  history_key_ = history_key;
  if (!timeout_) timeout_ = d_->sched()->make_timer([this] {
    source_failed("timed out");
    end_source();
  });
  if (timeout_) timeout_->arm_at(d_->sched()->now_us() + cfg_.timeout_ms * 1000);
  switch (cfg_.source) {
    case SpecSource::kHistory: {
      if (!env_.history) break;
      std::vector<SpeculationHistory::Guessed> guessed = env_.history->lookup(history_key);
      // Most likely first, so the cap keeps the best ones.
      std::stable_sort(guessed.begin(), guessed.end(),
                       [](const auto &a, const auto &b) { return a.confidence > b.confidence; });
      for (auto &g : guessed) {
        if (!open_) return;  // an event callback ended the job
        on_guess(Guess{g.tool, g.args, g.confidence});
      }
      end_source();
      break;
    }
    case SpecSource::kPredictor: ask_predictor(request, round); break;
    case SpecSource::kModel: ask_model(request); break;
    case SpecSource::kOff: break;
  }
}

void Speculation::end_source() {
  if (timeout_) timeout_->disarm();
  if (channel_) channel_->close();
  channel_.reset();
  if (model_req_) model_req_->cancel();
  model_req_.reset();
  if (permit_ticket_ && env_.limits) env_.limits->cancel(permit_ticket_);
  permit_ticket_ = 0;
}

void Speculation::ask_predictor(const llm::Request &request, int round) {
  if (!env_.predictor || !*env_.predictor || !env_.gate) {
    source_failed("no predictor is set");
    end_source();
    return;
  }
  uint64_t my_round = static_cast<uint64_t>(round);
  channel_ = std::make_shared<GuessChannel>(
      env_.gate,
      [this, my_round](Guess g) {
        if (open_ && static_cast<uint64_t>(round_) == my_round) on_guess(std::move(g));
      },
      [this, my_round] {
        if (open_ && static_cast<uint64_t>(round_) == my_round) end_source();
      });
  std::shared_ptr<GuessChannel> ch = channel_;
  try {
    (*env_.predictor)(request_json(request, round), ch);
  } catch (...) {
    source_failed("the predictor threw");
    end_source();
  }
}

void Speculation::on_guess(Guess g) {
  if (!open_ || silent_) return;
  sum_.guesses++;
  d_->stats()->spec_guesses.fetch_add(1, std::memory_order_relaxed);
  std::shared_ptr<Tool> tool = d_->registry()->find(g.tool);
  if (!tool) return drop(g, kDropUnknownTool);
  if (!tool->side_effect_free()) return drop(g, kDropSideEffects);
  if (!(g.confidence >= cfg_.threshold)) return drop(g, kDropBelowThreshold);
  json::Limits limits;
  limits.max_bytes = static_cast<size_t>(d_->opts().max_args_bytes);
  limits.max_depth = d_->opts().max_json_depth;
  std::string why;
  json::Ptr args = json::parse(g.args, limits, &why);
  if (!args || !json::validate(tool->schema(), args.get(), &why)) return drop(g, kDropInvalidArguments);
  std::string canonical = json::canonical(args.get());
  // The same guess twice is one guess.
  for (const Entry &e : entries_)
    if (!e.taken && e.call->tool_name() == g.tool && e.canonical == canonical) return;
  if (started_ >= cfg_.max_calls) return drop(g, kDropOverCap);
  started_++;
  Call *c = d_->new_call("guess_" + std::to_string(next_guess_++), g.tool, g.args);
  c->speculative = true;
  c->obs.spec = obs::CallObs::kGuess;
  c->obs.parent = trace_parent_;
  observe("started", c);
  entries_.push_back(Entry{CallRef(c, /*adopt=*/true), canonical});
  d_->submit(c, this, userdata_, handle_, kSourceJob);
}

CallRef Speculation::take(const std::string &tool, const std::string &canonical_args, const std::string &real_id,
                          CallOwner *new_owner) {
  for (Entry &e : entries_) {
    Call *c = e.call.get();
    if (e.taken || e.reported || c->tool_name() != tool || e.canonical != canonical_args) continue;
    // A guess cancelled or timed out has no result to give.
    int st = c->state();
    if (st == TOOLORCH_CALL_CANCELLED || st == TOOLORCH_CALL_TIMED_OUT) continue;
    e.taken = true;
    loop::Micros now = d_->sched()->now_us();
    int64_t saved = run_us(*c, now);
    std::string guess_id = c->id();
    c->set_id(real_id);
    c->set_taken_over(c->ended() ? TOOLORCH_SPECULATION_TAKEN_OVER_FINISHED : TOOLORCH_SPECULATION_TAKEN_OVER_RUNNING);
    c->owner = new_owner;  // before it may run and end as a real call
    sum_.hits++;
    sum_.saved_us += saved;
    d_->stats()->spec_hits.fetch_add(1, std::memory_order_relaxed);
    d_->stats()->spec_saved_us.fetch_add(saved, std::memory_order_relaxed);
    observe("hit", c, real_id);
    CallRef out = e.call;
    emit_outcome(real_id, tool, c->args(), TOOLORCH_SPECULATION_USED, guess_id, saved);
    // A guess still waiting joins the real calls' queue (and may start now).
    d_->promote(c);
    return out;
  }
  return CallRef();
}

void Speculation::report(Entry &e, int outcome) {
  if (e.reported || e.taken) return;
  e.reported = true;
  Call *c = e.call.get();
  int64_t us = run_us(*c, d_->sched()->now_us());
  if (outcome == TOOLORCH_SPECULATION_DROPPED) {
    started_ = std::max(0, started_ - 1);
    drop(Guess{c->tool_name(), c->args(), 0}, kDropRateLimited, c);
    return;
  }
  sum_.wasted_tool_us += us;
  d_->stats()->spec_wasted_tool_us.fetch_add(us, std::memory_order_relaxed);
  if (outcome == TOOLORCH_SPECULATION_CANCELLED) {
    sum_.cancelled++;
    d_->stats()->spec_cancelled.fetch_add(1, std::memory_order_relaxed);
    observe("cancelled", c);
  } else {
    sum_.wasted++;
    d_->stats()->spec_wasted.fetch_add(1, std::memory_order_relaxed);
    observe("wasted", c);
  }
  emit_outcome(c->id(), c->tool_name(), c->args(), outcome, c->text(), us);
}

void Speculation::on_call_ended(Call *call) {
  for (Entry &e : entries_) {
    if (e.call.get() != call) continue;
    int st = call->state();
    if (st == TOOLORCH_CALL_CANCELLED && call->end_status == TOOLORCH_ERATELIMITED && !call->started_us)
      report(e, TOOLORCH_SPECULATION_DROPPED);
    else if (st == TOOLORCH_CALL_CANCELLED || st == TOOLORCH_CALL_TIMED_OUT)
      report(e, TOOLORCH_SPECULATION_CANCELLED);
    // Finished: it may still be asked for until the round closes.
    return;
  }
}

void Speculation::close(const std::vector<std::pair<std::string, std::string>> *asked) {
  if (!open_) return;
  open_ = false;
  end_source();
  if (asked && env_.history && !history_key_.empty() && !silent_) env_.history->record(history_key_, *asked);
  // By index: cancelling emits events whose callbacks may add nothing here
  // (the round is closed), but may stop() us.
  for (size_t i = 0; i < entries_.size(); ++i) {
    Entry &e = entries_[i];
    if (e.taken || e.reported) continue;
    if (!e.call->ended()) {
      d_->end_call(e.call.get(), TOOLORCH_CALL_CANCELLED, TOOLORCH_ECANCELLED,
                   "cancelled: the model did not ask for this guess");
    } else {
      report(e, TOOLORCH_SPECULATION_WASTED);
    }
  }
  for (Entry &e : entries_)
    if (!e.taken) e.call->owner = nullptr;
  entries_.clear();
}

void Speculation::stop(bool silent) {
  if (silent) silent_ = true;
  if (open_) close(nullptr);
  end_source();
  open_ = false;
}

std::string request_json(const llm::Request &request, int round) {
  json::Ptr root(cJSON_CreateObject());
  cJSON_AddStringToObject(root.get(), "model", request.model.c_str());
  cJSON *msgs = cJSON_AddArrayToObject(root.get(), "messages");
  std::string system;
  const llm::RequestMessages list(request);
  for (const llm::Message &m : list) {
    if (m.role == llm::Message::Role::kSystem) {
      system += m.text;
      continue;
    }
    cJSON *o = cJSON_CreateObject();
    const char *role = m.role == llm::Message::Role::kUser        ? "user"
                       : m.role == llm::Message::Role::kAssistant ? "assistant"
                                                                  : "tool";
    cJSON_AddStringToObject(o, "role", role);
    cJSON_AddStringToObject(o, "content", std::string(list.text(m)).c_str());
    if (!m.tool_calls.empty()) {
      cJSON *calls = cJSON_AddArrayToObject(o, "tool_calls");
      for (const llm::ToolCall &c : m.tool_calls) {
        cJSON *co = cJSON_CreateObject();
        cJSON_AddStringToObject(co, "id", c.id.c_str());
        cJSON_AddStringToObject(co, "name", c.name.c_str());
        cJSON_AddStringToObject(co, "arguments", c.args_json.c_str());
        cJSON_AddItemToArray(calls, co);
      }
    }
    if (m.role == llm::Message::Role::kTool) {
      cJSON_AddStringToObject(o, "tool_call_id", m.tool_call_id.c_str());
      cJSON_AddStringToObject(o, "name", m.tool_name.c_str());
      if (m.is_error) cJSON_AddBoolToObject(o, "is_error", true);
    }
    cJSON_AddItemToArray(msgs, o);
  }
  cJSON_AddStringToObject(root.get(), "system", system.c_str());
  cJSON *tools = cJSON_AddArrayToObject(root.get(), "tools");
  for (const llm::ToolDef &t : request.tools) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", t.name.c_str());
    cJSON_AddStringToObject(o, "description", t.description.c_str());
    json::Ptr schema = json::parse(t.schema_json);
    cJSON_AddItemToObject(o, "parameters", schema ? schema.release() : cJSON_CreateObject());
    cJSON_AddItemToArray(tools, o);
  }
  cJSON_AddNumberToObject(root.get(), "round", round);
  return json::print(root.get());
}

}  // namespace toolorch::core
