#include "core/job.h"

#include "core/codes.h"

#include <algorithm>

#include "core/batch.h"
#include "core/result_limits.h"
#include "llm/provider_config.h"

namespace toolorch::core {

Job::Job(Dispatcher *dispatcher, EventSink *sink, llm::Provider *provider, JobConfig config, void *userdata,
         void *handle, const ContextScorer *scorer)
    : d_(dispatcher),
      sink_(sink),
      provider_(provider),
      cfg_(std::move(config)),
      userdata_(userdata),
      handle_(handle),
      rng_(std::random_device{}()),
      scorer_(scorer) {}

Group *Job::group_for(const std::string &tool_name) {
  const JobGroup *match = nullptr;
  for (const JobGroup &g : cfg_.groups)
    if (std::find(g.tools.begin(), g.tools.end(), tool_name) != g.tools.end()) {
      match = &g;
      break;
    }
  std::string name;
  GroupPolicy policy;
  if (match) {
    name = match->name;
    policy = match->policy;
  } else if (cfg_.cancel_siblings) {
    name = "round";  // the job-wide policy: every call of the round is a sibling
    policy.cancel_siblings = true;
  } else {
    return nullptr;
  }
  auto &slot = round_groups_[name];
  if (!slot) slot = std::make_unique<Group>(name, policy, d_, scorer_);
  return slot.get();
}

bool Job::cancel_group(const std::string &name) {
  auto it = round_groups_.find(name);
  if (it == round_groups_.end()) return false;
  it->second->cancel_all("cancelled: group \"" + name + "\" was cancelled");
  return true;
}

int Job::cancel_call(const std::string &id) {
  for (Slot &s : slots_) {
    if (!s.call || s.asked.id != id) continue;
    if (s.call->ended()) return TOOLORCH_ELATE;
    d_->cancel(s.call.get());
    return TOOLORCH_OK;
  }
  return TOOLORCH_EINVAL;
}

Job::~Job() { detach(); }

void Job::set_speculation(SpeculationEnv env) {
  if (cfg_.speculation.source == SpecSource::kOff) return;
  spec_ = std::make_unique<Speculation>(d_, sink_, cfg_.speculation, std::move(env), userdata_, handle_);
}

EventPtr Job::event(int type) const {
  auto ev = std::make_unique<Event>();
  ev->type = type;
  ev->userdata = userdata_;
  ev->source = handle_;
  ev->source_kind = kSourceJob;
  ev->round = round_;
  return ev;
}

void Job::emit(EventPtr ev) {
  if (!detached_) sink_->emit(std::move(ev));
}

int Job::start(std::string *err) {
  std::vector<std::shared_ptr<Tool>> tools;
  if (cfg_.tools_given) {
    for (const std::string &name : cfg_.tools) {
      auto t = d_->registry()->find(name);
      if (!t) {
        *err = "the job names an unknown tool \"" + name + "\"";
        return TOOLORCH_EUNKNOWN_TOOL;
      }
      tools.push_back(t);
    }
  } else {
    tools = d_->registry()->all();
    std::sort(tools.begin(), tools.end(), [](auto &a, auto &b) { return a->name() < b->name(); });
  }
  for (auto &t : tools) tool_defs_.push_back({t->name(), t->spec().description, t->spec().schema_json});
  transcript_ = cfg_.messages;
  loop::Scheduler *s = d_->sched();
  llm_timer_ = s->make_timer([this] {
    if (pending_) pending_->cancel();
    llm::Error e;
    e.status = TOOLORCH_ETIMEDOUT;
    e.retryable = true;
    e.message = "the LLM did not answer within llm_timeout_ms (" + std::to_string(cfg_.llm_timeout_ms) + " ms)";
    obs_attempt_ended(TOOLORCH_ETIMEDOUT, 0, "timeout", e.message);
    retry_or_fail(std::move(e));
  });
  total_timer_ = s->make_timer([this] {
    finish(TOOLORCH_ETIMEDOUT,
           "the job exceeded total_timeout_ms (" + std::to_string(cfg_.total_timeout_ms) + " ms)");
  });
  step_timer_ = s->make_timer([this] {
    if (phase_ == Phase::kBackoff) send_request();
    else if (phase_ == Phase::kCalls) next_round();
  });
  if (!llm_timer_ || !total_timer_ || !step_timer_) {
    *err = "cannot create the job's timers";
    return TOOLORCH_EIO;
  }
  total_deadline_us_ = s->now_us() + cfg_.total_timeout_ms * 1000;
  total_timer_->arm_at(total_deadline_us_);
  round_ = 1;
  obs_ = d_->observer();
  if (obs_) {
    if (!cfg_.traceparent.empty()) obs::parse_traceparent(cfg_.traceparent, &obs_state_.host_parent);
    obs_->job_started(obs_state_, cfg_.name, cfg_.model, s->now_us());
    obs_->round_started(obs_state_, round_, s->now_us());
  }
  send_request();
  return TOOLORCH_OK;
}

double Job::estimate_tokens() const {
  // About 4 bytes a token for what we send, plus a modest allowance for the
  // answer; the reported usage corrects it afterwards.
  size_t bytes = cfg_.system.size();
  for (const auto &kv : stored_texts_) bytes += kv.second->size();
  for (const llm::Message &m : transcript_) {
    bytes += m.text.size();
    for (const llm::ToolCall &c : m.tool_calls) bytes += c.args_json.size() + c.name.size();
  }
  return static_cast<double>(bytes / 4 + 256);
}

void Job::send_request() {
  if (phase_ == Phase::kDone) return;
  if (!limits_) {
    really_send();
    return;
  }
  phase_ = Phase::kPermits;
  estimated_tokens_ = estimate_tokens();
  limits::RateLimits::Ticket ticket = 0;
  loop::Micros deadline = total_deadline_us_;
  int rc = limits_->acquire(llm_service_, estimated_tokens_, deadline,
                            [this](int status, loop::Micros waited) {
                              permit_ticket_ = 0;
                              if (phase_ != Phase::kPermits) return;
                              if (obs_ && status == TOOLORCH_OK) obs_->permit_waited(nullptr, llm_service_, waited);
                              if (status == TOOLORCH_OK) really_send();
                              else finish(status, limits::RateLimits::refusal_text(status, llm_service_, "LLM request"));
                            },
                            &ticket);
  if (rc == TOOLORCH_EAGAIN) {
    permit_ticket_ = ticket;
    if (progress_events()) {
      auto ev = event(TOOLORCH_EVENT_RATE_LIMIT_WAIT);
      ev->text = llm_service_;
      emit(std::move(ev));
    }
    return;
  }
  if (rc != TOOLORCH_OK) {
    finish(rc, limits::RateLimits::refusal_text(rc, llm_service_, "LLM request"));
    return;
  }
  really_send();
}

namespace {
// A stored result's bytes, or what the model and the transcript read when
// they cannot be read back.
ResultBytes read_back(const ResultRef &result) {
  std::string err;
  ResultBytes b = result->bytes(&err);
  return b ? b : std::make_shared<const std::string>("[toolorch: the result could not be read back: " + err + "]");
}
}  // namespace

void Job::really_send() {
  if (phase_ == Phase::kDone) return;
  phase_ = Phase::kRequesting;
  slots_.clear();
  ended_upto_ = 0;
  text_.clear();
  llm::Request req;
  req.model = cfg_.model;
  if (!cfg_.system.empty()) {
    llm::Message sys;
    sys.role = llm::Message::Role::kSystem;
    sys.text = cfg_.system;
    req.messages.push_back(std::move(sys));
  }
  const size_t first = req.messages.size();
  // The adapter keeps its encoding of the messages across rounds (a
  // transcript only grows): those it will not read again are left empty
  // here, not copied (their stored texts not read back), unless a guess
  // needs the whole conversation.
  req.encoded = &encoded_;
  size_t from = 0;
  if (!spec_ && encoded_.count >= first && encoded_.count <= first + transcript_.size()) {
    const size_t next = encoded_.count - first;
    from = encoded_.reads_from(next < transcript_.size() ? &transcript_[next] : nullptr);
  }
  const size_t skipped = from > first ? from - first : 0;
  // The request borrows the transcript (read only while send() runs)
  // instead of a copy of its new messages, and the stored results' texts
  // the adapter will read, read back in place; a guess needs a request of
  // its own, whole.
  std::vector<ResultBytes> held;
  std::vector<std::pair<size_t, std::string_view>> lent_texts;
  if (!spec_) {
    req.lent = transcript_.data();
    req.lent_count = transcript_.size();
    stored_text_views(skipped, &held, &lent_texts);
    req.lent_texts = &lent_texts;
  } else {
    req.messages.resize(first + skipped);
    req.messages.insert(req.messages.end(), transcript_.begin() + static_cast<std::ptrdiff_t>(skipped),
                        transcript_.end());
    with_stored_texts(&req.messages, first, skipped);
  }
  req.tools = tool_defs_;
  req.stream = cfg_.stream;
  req.max_tokens = cfg_.max_tokens;
  req.parallel_tool_calls = cfg_.parallel_tool_calls;
  req.tool_choice = cfg_.tool_choice;
  ++round_attempt_;
  request_sent_us_ = d_->sched()->now_us();
  if (progress_events()) {
    auto ev = event(TOOLORCH_EVENT_LLM_REQUEST);
    ev->attempts = round_attempt_;
    emit(std::move(ev));
    if (phase_ != Phase::kRequesting) return;  // the event callback cancelled the job
  }
  if (obs_)
    req.traceparent = obs_->llm_attempt_started(obs_state_, llm::protocol_name(provider_->protocol()), cfg_.model,
                                                round_attempt_, d_->sched()->now_us());
  llm_timer_->arm_at(d_->sched()->now_us() + cfg_.llm_timeout_ms * 1000);
  pending_.reset();
  pending_ = provider_->send(req, this);
  // Guesses start beside the main request, never before it goes out. (Its
  // send may have failed at once and ended the job.)
  if (spec_ && phase_ == Phase::kRequesting)
    spec_->begin(req, round_, SpeculationHistory::state_of(req.messages, req.tools),
                 obs_ ? obs_->job_call_parent(obs_state_) : obs::TraceContext());
}

const std::string &Job::Slot::canonical() {
  if (!canonical_made) {
    canonical_made = true;
    if (!json::canonicalize(asked.args_json, &canonical_args)) canonical_args = asked.args_json;
  }
  return canonical_args;
}

Job::Slot &Job::slot(int index) {
  if (index < 0) index = 0;
  if (static_cast<size_t>(index) >= slots_.size()) slots_.resize(static_cast<size_t>(index) + 1);
  return slots_[static_cast<size_t>(index)];
}

bool Job::may_dispatch_early(const std::string &tool_name) const {
  switch (cfg_.eager) {
    case EagerDispatch::kAll: return true;
    case EagerDispatch::kOff: return false;
    case EagerDispatch::kSafe: {
      auto t = d_->registry()->find(tool_name);
      return t && t->side_effect_free();
    }
  }
  return false;
}

void Job::on_text(std::string_view delta) {
  if (phase_ != Phase::kRequesting) return;
  if (obs_) obs_->llm_first_token(obs_state_, d_->sched()->now_us());
  text_.append(delta);
  auto ev = event(TOOLORCH_EVENT_TEXT_DELTA);
  ev->text.assign(delta);
  emit(std::move(ev));
}

void Job::on_tool_call_started(int index, const std::string &id, const std::string &name) {
  if (obs_ && phase_ == Phase::kRequesting) obs_->llm_first_token(obs_state_, d_->sched()->now_us());
  Slot &s = slot(index);
  s.asked.id = id;
  s.asked.name = name;
}

void Job::on_tool_call_ready(int index, const llm::ToolCall &call) {
  if (phase_ != Phase::kRequesting) return;
  Slot &s = slot(index);
  s.asked = call;
  announce(s);
  // The event callback may have cancelled or freed the job: slots_ is gone.
  if (phase_ != Phase::kRequesting) return;
  if (!slots_[static_cast<size_t>(index < 0 ? 0 : index)].call && may_dispatch_early(call.name))
    dispatch(slots_[static_cast<size_t>(index < 0 ? 0 : index)]);
}

// The model asked for this call (its arguments are complete), whether or
// not it runs now.
void Job::announce(Slot &s) {
  if (s.announced) return;
  s.announced = true;
  auto ev = event(TOOLORCH_EVENT_LLM_TOOL_CALL);
  ev->call_id = s.asked.id;
  ev->tool_name = s.asked.name;
  ev->json = s.asked.args_json;
  emit(std::move(ev));
}

void Job::dispatch(Slot &s) {
  announce(s);
  if (phase_ == Phase::kDone) return;  // cancelled from the announcement's callback
  // A retried request that asks again for a call an earlier attempt already
  // started (same tool, equal arguments) takes that call over.
  for (auto it = orphans_.begin(); it != orphans_.end(); ++it) {
    if (it->asked.name == s.asked.name && it->canonical() == s.canonical()) {
      s.call = it->call;
      orphans_.erase(it);
      // Its events from now on carry the id the model uses now.
      s.call->set_event_id(s.call->id() != s.asked.id ? s.asked.id : std::string());
      return;
    }
  }
  // A guess of this very call takes its place: its run (or result) is the call's.
  if (spec_) {
    if (CallRef g = spec_->take(s.asked.name, s.canonical(), s.asked.id, this)) {
      if (phase_ == Phase::kDone) {  // cancelled from the SPECULATION event's callback
        if (!g->ended()) d_->cancel(g.get());
        return;
      }
      s.call = g;
      if (!g->ended()) {
        if (Group *grp = group_for(s.asked.name)) grp->add(g.get());
      } else if (g->taken_over() == TOOLORCH_SPECULATION_TAKEN_OVER_FINISHED) {
        on_call_ended(g.get());  // its result event, now under the real id
      }
      return;
    }
    if (phase_ == Phase::kDone) return;
  }
  std::string args = s.asked.args_json.empty() ? "{}" : s.asked.args_json;
  Call *c = d_->new_call(s.asked.id, s.asked.name, args);
  s.call = CallRef(c, /*adopt=*/true);
  if (Group *g = group_for(s.asked.name)) g->add(c);
  if (obs_) c->obs.parent = obs_->job_call_parent(obs_state_);
  d_->submit(c, this, userdata_, handle_, kSourceJob);
}

void Job::on_rate_headers(long http_status, int64_t remaining_requests, int64_t remaining_tokens) {
  if (limits_) limits_->on_response(llm_service_, http_status, -1, remaining_requests, remaining_tokens);
}

void Job::on_rate_reset(long http_status, int64_t reset_ms) {
  // An exhausted budget: the adaptive limiter pauses until it refills.
  if (limits_) limits_->on_response(llm_service_, http_status, reset_ms, -1, -1);
}

namespace {
// Counts from the network may be as large as INT64_MAX: sums saturate.
int64_t saturating_add(int64_t a, int64_t b) { return b > INT64_MAX - a ? INT64_MAX : a + b; }
}  // namespace

void Job::on_usage(const llm::Usage &usage) {
  // Cached input tokens are in input_tokens: they count for the token limits.
  double used = static_cast<double>(usage.input_tokens) + static_cast<double>(usage.output_tokens);
  if (limits_) {
    limits_->correct(llm_service_, estimated_tokens_, used);
    estimated_tokens_ = used;
  }
  attempt_usage_ = usage;
  have_attempt_usage_ = true;
  usage_.input_tokens = saturating_add(usage_.input_tokens, usage.input_tokens);
  usage_.output_tokens = saturating_add(usage_.output_tokens, usage.output_tokens);
  usage_.cache_read_tokens = saturating_add(usage_.cache_read_tokens, usage.cache_read_tokens);
  usage_.cache_write_tokens = saturating_add(usage_.cache_write_tokens, usage.cache_write_tokens);
  auto ev = event(TOOLORCH_EVENT_USAGE);
  ev->input_tokens = usage.input_tokens;
  ev->output_tokens = usage.output_tokens;
  ev->cache_read_tokens = usage.cache_read_tokens;
  ev->cache_write_tokens = usage.cache_write_tokens;
  emit(std::move(ev));
}

void Job::on_finished(llm::Response &&response) {
  if (phase_ != Phase::kRequesting) return;
  llm_timer_->disarm();
  attempt_ = 0;
  obs_attempt_ended(TOOLORCH_OK, 200, "");
  if (phase_ != Phase::kRequesting) return;  // LLM_RESPONSE's callback cancelled the job
  // Calls the response lists but the stream did not report ready (or a
  // non-streamed answer): take them from the response.
  for (size_t i = 0; i < response.tool_calls.size(); ++i) {
    Slot &s = slot(static_cast<int>(i));
    if (!s.call) s.asked = response.tool_calls[i];
  }
  slots_.erase(std::remove_if(slots_.begin(), slots_.end(),
                              [](const Slot &s) { return !s.call && s.asked.name.empty() && s.asked.id.empty(); }),
               slots_.end());
  // By index, checking the phase: every dispatch emits events whose
  // callback may cancel (or free) the job.
  for (size_t i = 0; i < slots_.size() && phase_ == Phase::kRequesting; ++i)
    if (!slots_[i].call) dispatch(slots_[i]);
  if (phase_ != Phase::kRequesting) return;
  // Calls of failed attempts that the final answer did not ask again.
  std::vector<Slot> stale;
  stale.swap(orphans_);
  {
    Dispatcher::PumpHold hold(d_);
    for (Slot &o : stale)
      if (o.call && !o.call->ended()) d_->cancel(o.call.get());
  }
  if (phase_ != Phase::kRequesting) return;
  // Every call of the response is known: guesses not asked for go.
  if (spec_) {
    std::vector<std::pair<std::string, std::string>> asked;
    for (Slot &s : slots_) asked.emplace_back(s.asked.name, s.canonical());
    spec_->close_round(asked);
    if (phase_ != Phase::kRequesting) return;
  }

  llm::Message assistant;
  assistant.role = llm::Message::Role::kAssistant;
  assistant.text = json::to_valid_utf8(response.text.empty() ? text_ : response.text);
  assistant.provider_state = std::move(response.provider_state);  // reasoning items, thought signatures
  for (Slot &s : slots_) assistant.tool_calls.push_back(s.asked);
  transcript_.push_back(std::move(assistant));
  if (slots_.empty()) {
    finish(TOOLORCH_OK, transcript_.back().text);
    return;
  }
  phase_ = Phase::kCalls;
  maybe_round_done();
}

void Job::on_call_ended(Call *call) {
  auto ev = make_result_event(*call);
  ev->round = round_;
  ev->speculation = call->taken_over();
  emit(std::move(ev));
  if (phase_ == Phase::kCalls) maybe_round_done();
}

void Job::maybe_round_done() {
  if (phase_ != Phase::kCalls) return;
  // A cursor over the calls in order: each end moves it past what has
  // ended, so a round of N calls costs O(N) checks in all, not O(N^2).
  while (ended_upto_ < slots_.size() && slots_[ended_upto_].call && slots_[ended_upto_].call->ended()) ++ended_upto_;
  if (ended_upto_ < slots_.size()) return;
  // Results go back in the order of the calls, one message each (the
  // adapters merge them into one user turn where the protocol wants that).
  for (Slot &s : slots_) {
    llm::Message m;
    m.role = llm::Message::Role::kTool;
    m.tool_call_id = s.asked.id;
    m.tool_name = s.asked.name;
    m.is_error = s.call->state() != TOOLORCH_CALL_SUCCEEDED;
    // A tool may return any bytes; the model gets valid UTF-8 (invalid
    // sequences become U+FFFD), so the next request and the transcript stay
    // valid JSON text.
    std::string text = m.is_error ? "Error: " + s.call->end_message() : s.call->text();
    // Capped apart from what the host gets (max_result_bytes_to_model).
    bool cut = cut_for_model(&text, d_->opts().max_result_bytes_to_model, s.asked.id);
    std::string valid = json::to_valid_utf8(text);
    // The model gets the result's very bytes: the transcript refers to the
    // stored result (core/result_store.h) instead of holding a copy.
    if (!m.is_error && !cut && s.call->result && valid == text) stored_texts_[transcript_.size()] = s.call->result;
    else m.text = std::move(valid);
    transcript_.push_back(std::move(m));
  }
  if (obs_) obs_->round_ended(obs_state_, d_->sched()->now_us());
  emit(event(TOOLORCH_EVENT_ROUND_DONE));
  if (phase_ != Phase::kCalls) return;  // cancelled from the callback
  if (round_ >= cfg_.max_rounds) {
    finish(TOOLORCH_EMAXROUNDS,
           "the model still asked for tools after max_rounds (" + std::to_string(cfg_.max_rounds) + ") rounds");
    return;
  }
  // Start the next request on a fresh loop pass, not inside the callback of
  // the call (or the response) that ended this round.
  step_timer_->arm_at(d_->sched()->now_us());
}

void Job::next_round() {
  if (phase_ != Phase::kCalls) return;
  round_++;
  round_attempt_ = 0;
  if (obs_) obs_->round_started(obs_state_, round_, d_->sched()->now_us());
  round_groups_.clear();  // every call of the last round has ended
  send_request();
}

void Job::on_error(llm::Error &&error) {
  if (phase_ != Phase::kRequesting) return;
  llm_timer_->disarm();
  obs_attempt_ended(error.status, error.http_status, "", error.message);
  if (limits_ && error.http_status == 429)
    limits_->on_response(llm_service_, 429, error.retry_after_ms, -1, -1);
  retry_or_fail(std::move(error));
}

void Job::retry_or_fail(llm::Error &&error) {
  if (phase_ == Phase::kDone) return;  // LLM_RESPONSE's callback cancelled the job
  // What this attempt dispatched keeps running: a retry that asks for the
  // same call takes it over.
  for (Slot &s : slots_)
    if (s.call) orphans_.push_back(std::move(s));
  slots_.clear();
  bool dropped = error.status == TOOLORCH_ESTREAM;
  bool retry = error.retryable && (dropped ? drops_ < 1 : attempt_ < cfg_.llm_retries);
  int status = error.status ? error.status : TOOLORCH_EPROVIDER;
  if (!retry) {
    std::string what = dropped ? "the LLM stream dropped again after a retry: " : "LLM request failed: ";
    finish(status, what + error.message);
    return;
  }
  // A Retry-After we will not wait for (past kMaxRetryAfterMs, or past the
  // job's deadline) ends the job now, with the provider's own words,
  // instead of sleeping into "the job exceeded total_timeout_ms".
  if (error.retry_after_ms > kMaxRetryAfterMs) {
    finish(status, "LLM request failed: " + error.message + " (it asks to retry after " +
                       std::to_string(error.retry_after_ms) + " ms; toolorch waits at most " +
                       std::to_string(kMaxRetryAfterMs) + " ms)");
    return;
  }
  int64_t delay = dropped ? 0 : backoff_delay_ms(cfg_.llm_backoff, attempt_ + 1, error.retry_after_ms, rng_);
  loop::Micros at = d_->sched()->now_us() + delay * 1000;
  if (delay > 0 && at >= total_deadline_us_) {
    std::string why = error.retry_after_ms >= 0
                          ? "it asks to retry after " + std::to_string(error.retry_after_ms) + " ms"
                          : "the next retry would wait " + std::to_string(delay) + " ms";
    finish(status, "LLM request failed: " + error.message + " (" + why +
                       ", past the job's total_timeout_ms: not retried)");
    return;
  }
  if (dropped) drops_++;
  else attempt_++;
  if (obs_) obs_->llm_retry();
  if (progress_events()) {
    auto ev = event(TOOLORCH_EVENT_LLM_RETRY);
    ev->status = status;
    ev->text = error.message;
    ev->http_status = static_cast<int>(error.http_status);
    ev->wait_us = delay * 1000;
    ev->attempts = round_attempt_ + 1;
    // llm_retries is the job's budget, dropped streams aside (one more each).
    ev->max_attempts = round_attempt_ + 1 + (cfg_.llm_retries - attempt_);
    emit(std::move(ev));
    if (phase_ == Phase::kDone) return;  // the event callback cancelled the job
  }
  phase_ = Phase::kBackoff;
  step_timer_->arm_at(at);
}

void Job::finish(int status, std::string text) {
  if (phase_ == Phase::kDone) return;
  phase_ = Phase::kDone;
  if (llm_timer_) llm_timer_->disarm();
  if (total_timer_) total_timer_->disarm();
  if (step_timer_) step_timer_->disarm();
  if (pending_) pending_->cancel();
  if (limits_ && permit_ticket_) limits_->cancel(permit_ticket_);
  permit_ticket_ = 0;
  std::vector<Slot> all;
  all.swap(slots_);
  for (Slot &o : orphans_) all.push_back(std::move(o));
  orphans_.clear();
  {
    Dispatcher::PumpHold hold(d_);  // no queued call of this job starts meanwhile
    for (Slot &s : all)
      if (s.call && !s.call->ended()) d_->cancel(s.call.get());
  }
  if (obs_) obs_->job_ended(obs_state_, status, text, round_, d_->sched()->now_us());
  if (spec_) spec_->stop(detached_);
  auto ev = event(TOOLORCH_EVENT_JOB_DONE);
  if (spec_) ev->spec_json = spec_->summary().json();
  ev->status = status;
  ev->text = std::move(text);
  {
    // The stored results' texts read in place, not into a copy of the
    // whole transcript.
    std::vector<ResultBytes> held;
    std::vector<std::pair<size_t, std::string_view>> texts;
    stored_text_views(0, &held, &texts);
    ev->json = transcript_json(cfg_.system, transcript_, texts);
  }
  ev->input_tokens = usage_.input_tokens;
  ev->output_tokens = usage_.output_tokens;
  ev->cache_read_tokens = usage_.cache_read_tokens;
  ev->cache_write_tokens = usage_.cache_write_tokens;
  emit(std::move(ev));
}

void Job::detach() {
  if (detached_) return;
  detached_ = true;
  // Its calls' ends are no one's business any more (a chain's steps look at
  // their chain call's owner before they emit: lib/chain).
  for (Slot &s : slots_)
    if (s.call) s.call->owner = nullptr;
  for (Slot &s : orphans_)
    if (s.call) s.call->owner = nullptr;
  finish(TOOLORCH_ECANCELLED, "detached");
  pending_.reset();
}

// Fill in the texts the transcript holds in the result store, from
// transcript_[from] on; messages[first] is transcript_[0].
void Job::with_stored_texts(std::vector<llm::Message> *messages, size_t first, size_t from) const {
  std::vector<ResultBytes> held;
  std::vector<std::pair<size_t, std::string_view>> views;
  stored_text_views(from, &held, &views);
  for (const auto &[index, text] : views) (*messages)[first + index].text.assign(text);
}

void Job::stored_text_views(size_t from, std::vector<ResultBytes> *held,
                            std::vector<std::pair<size_t, std::string_view>> *views) const {
  for (auto it = stored_texts_.lower_bound(from); it != stored_texts_.end(); ++it) {
    held->push_back(read_back(it->second));
    views->emplace_back(it->first, *held->back());
  }
}

// The LLM attempt in flight ended (its answer, an error or our timeout).
void Job::obs_attempt_ended(int status, long http_status, const std::string &error_type, const std::string &message) {
  if (progress_events()) {
    auto ev = event(TOOLORCH_EVENT_LLM_RESPONSE);
    ev->status = status;
    ev->http_status = static_cast<int>(http_status);
    ev->text = message;
    ev->attempts = round_attempt_;
    ev->run_us = d_->sched()->now_us() - request_sent_us_;
    emit(std::move(ev));
  }
  if (!obs_) return;
  obs::LlmAttemptEnd end;
  end.status = status;
  end.http_status = http_status;
  end.error_type = error_type;
  end.message = message;
  if (have_attempt_usage_) {
    end.input_tokens = attempt_usage_.input_tokens;
    end.output_tokens = attempt_usage_.output_tokens;
    end.cache_read_tokens = attempt_usage_.cache_read_tokens;
    end.cache_write_tokens = attempt_usage_.cache_write_tokens;
  }
  have_attempt_usage_ = false;
  obs_->llm_attempt_ended(obs_state_, llm::protocol_name(provider_->protocol()), end, d_->sched()->now_us());
}

}  // namespace toolorch::core
