// A job: the agent loop over one Provider. Each round sends the transcript,
// dispatches each tool call the moment its own arguments are complete (when
// eager dispatch allows it), waits for every call of the round, appends the
// results in the order the protocol requires, and goes again until the model
// answers without tools. Loop thread only.
#pragma once

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/dispatcher.h"
#include "core/job_config.h"
#include "core/speculation.h"
#include "limits/rate_limits.h"
#include "llm/provider.h"
#include "obs/observer.h"

namespace toolorch::core {

class Job final : public CallOwner, public llm::Listener {
 public:
  Job(Dispatcher *dispatcher, EventSink *sink, llm::Provider *provider, JobConfig config, void *userdata,
      void *handle, const ContextScorer *scorer = nullptr);
  ~Job() override;  // detaches

  // LLM requests then wait for permits of `service` with a token cost
  // (estimated, corrected by the reported usage), and feed the adaptive
  // limiter the responses' 429s and rate headers. Before start().
  void set_limits(limits::RateLimits *limits, std::string service) {
    limits_ = limits;
    llm_service_ = std::move(service);
  }
  // Guesses of the coming calls (the request's "speculation" section) from
  // what env offers. Before start(); without it the job does not speculate.
  void set_speculation(SpeculationEnv env);
  // Starts the first round. Fails (returns a status, *err) on a bad tool list.
  int start(std::string *err);
  void cancel() { finish(TOOLORCH_ECANCELLED, "the job was cancelled"); }
  // No event after this; calls still running are cancelled silently.
  void detach();
  // Cancel the calls of this round's group `name`; false if there is none.
  bool cancel_group(const std::string &name);
  // Cancel the current round's call the model gave this id: OK, ELATE if it
  // had ended, EINVAL if there is none.
  int cancel_call(const std::string &id);
  bool done() const { return phase_ == Phase::kDone; }
  int round() const { return round_; }

  // CallOwner
  void on_call_ended(Call *call) override;
  // llm::Listener
  void on_text(std::string_view delta) override;
  void on_tool_call_started(int index, const std::string &id, const std::string &name) override;
  void on_tool_call_ready(int index, const llm::ToolCall &call) override;
  void on_usage(const llm::Usage &usage) override;
  void on_finished(llm::Response &&response) override;
  void on_error(llm::Error &&error) override;
  void on_rate_headers(long http_status, int64_t remaining_requests, int64_t remaining_tokens) override;
  void on_rate_reset(long http_status, int64_t reset_ms) override;

 private:
  enum class Phase { kIdle, kPermits, kRequesting, kCalls, kBackoff, kDone };
  struct Slot {
    llm::ToolCall asked;  // as the model sent it
    CallRef call;         // null until dispatched
    bool announced = false;  // LLM_TOOL_CALL emitted
    // The arguments in canonical form (sorted keys), for matching a call
    // with an orphan or a guess; made on first use (canonical()), since most
    // jobs have neither and it costs a parse and a print per call.
    std::string canonical_args;
    bool canonical_made = false;
    const std::string &canonical();
  };
  void send_request();
  void really_send();
  double estimate_tokens() const;
  Slot &slot(int index);
  bool may_dispatch_early(const std::string &tool_name) const;
  void dispatch(Slot &s);
  void announce(Slot &s);
  void maybe_round_done();
  void next_round();
  void retry_or_fail(llm::Error &&error);
  void finish(int status, std::string text);
  void emit(EventPtr ev);
  EventPtr event(int type) const;

  Dispatcher *d_;
  EventSink *sink_;
  llm::Provider *provider_;
  JobConfig cfg_;
  void *userdata_, *handle_;
  std::vector<llm::ToolDef> tool_defs_;
  std::vector<llm::Message> transcript_;
  // Tool messages whose text is a stored result, by index in transcript_
  // (their text there is empty): filled in when a request is made.
  std::map<size_t, ResultRef> stored_texts_;
  // The stored texts from transcript_[from] on, read back (held keeps their
  // bytes alive) and seen as (index in transcript_, text), ascending.
  void stored_text_views(size_t from, std::vector<ResultBytes> *held,
                         std::vector<std::pair<size_t, std::string_view>> *views) const;
  void with_stored_texts(std::vector<llm::Message> *messages, size_t first, size_t from) const;
  // The messages as the provider's adapter encoded them last round (kept
  // across rounds: each request encodes only what is new).
  llm::EncodedMessages encoded_;
  Phase phase_ = Phase::kIdle;
  int round_ = 0, attempt_ = 0, drops_ = 0;
  bool detached_ = false;
  std::vector<Slot> slots_;    // this attempt's calls, by index
  size_t ended_upto_ = 0;      // slots_[0, ended_upto_) have ended
  std::vector<Slot> orphans_;  // dispatched by a failed attempt of this round: reusable
  std::string text_;           // this attempt's text
  llm::Usage usage_;
  std::unique_ptr<llm::PendingRequest> pending_;
  std::unique_ptr<loop::Timer> llm_timer_, total_timer_, step_timer_;
  std::mt19937_64 rng_;
  const ContextScorer *scorer_;
  limits::RateLimits *limits_ = nullptr;
  std::string llm_service_;
  uint64_t permit_ticket_ = 0;
  loop::Micros total_deadline_us_ = 0;
  double estimated_tokens_ = 0;
  std::map<std::string, std::unique_ptr<Group>> round_groups_;  // this round's branch groups
  std::unique_ptr<Speculation> spec_;  // null: no speculation
  Group *group_for(const std::string &tool_name);
  // Observability (the dispatcher's observer; null: none).
  obs::Observer *obs_ = nullptr;
  obs::JobObs obs_state_;
  int round_attempt_ = 0;  // LLM attempts of this round
  loop::Micros request_sent_us_ = 0;  // when the attempt in flight went out
  bool progress_events() const { return d_->opts().emit_progress_events; }
  llm::Usage attempt_usage_;  // reported by the attempt in flight
  bool have_attempt_usage_ = false;
  void obs_attempt_ended(int status, long http_status, const std::string &error_type, const std::string &message = "");
};

}  // namespace toolorch::core
