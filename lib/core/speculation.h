// Speculative execution for a job: at each LLM request, guesses of the calls
// the model is about to ask for start as calls of their own (only tools free
// of side effects); a real call that matches a guess (same tool, arguments
// equal as canonical JSON) takes it over instead of running again; guesses
// the response did not ask for are cancelled or discarded. Where guesses come
// from: a host predictor, the context's history, or a cheaper model
// (core/speculation_model.cc). Loop thread only, except GuessChannel.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/dispatcher.h"
#include "core/speculation_history.h"
#include "llm/provider.h"

namespace toolorch::core {

enum class SpecSource { kOff, kModel, kPredictor, kHistory };

struct SpeculationConfig {
  SpecSource source = SpecSource::kOff;
  double threshold = 0.5;      // confidence_threshold
  int max_calls = 20;          // max_speculative_calls, per LLM request
  int64_t timeout_ms = 2000;   // how long the source may take to answer
  std::string model_section;   // "model": JSON of an llm section ("" = the main one)
};

// From the job request's "speculation" object; unknown keys rejected by name.
int parse_speculation(const cJSON *obj, SpeculationConfig *out, std::string *err);

struct Guess {
  std::string tool, args;
  double confidence = 1.0;
};

// Why a guess never started. Append-only: the order is the summary's.
enum DropReason {
  kDropSideEffects, kDropOverCap, kDropBelowThreshold, kDropUnknownTool, kDropInvalidArguments, kDropRateLimited,
  kDropReasons
};
const char *drop_reason_name(int reason);

struct SpeculationSummary {
  int64_t guesses = 0, hits = 0, cancelled = 0, wasted = 0, wasted_tool_us = 0, saved_us = 0, source_failures = 0;
  std::array<int64_t, kDropReasons> dropped{};
  std::string json() const;
};

// Posts onto the loop thread from any thread, until the context goes away
// (then posting does nothing): the way late host callbacks reach the loop.
class LoopGate {
 public:
  explicit LoopGate(loop::Scheduler *sched) : sched_(sched) {}
  bool post(std::function<void()> fn);
  void close();

 private:
  std::mutex mu_;
  loop::Scheduler *sched_;  // null once closed; guarded by mu_
};

// Where a source's guesses go, from any thread: each add() reaches the
// speculation on the loop thread while its request still wants guesses.
class GuessChannel : public std::enable_shared_from_this<GuessChannel> {
 public:
  GuessChannel(std::shared_ptr<LoopGate> gate, std::function<void(Guess)> on_guess, std::function<void()> on_done)
      : gate_(std::move(gate)), on_guess_(std::move(on_guess)), on_done_(std::move(on_done)) {}
  // OK, or ELATE when guesses are no longer wanted.
  int add(Guess g);
  int done();
  // Loop thread: no more guesses wanted; what is still posted is dropped.
  void close();
  bool closed() const { return closed_.load(std::memory_order_acquire); }

 private:
  std::shared_ptr<LoopGate> gate_;
  std::function<void(Guess)> on_guess_;  // loop thread
  std::function<void()> on_done_;
  std::atomic<bool> closed_{false};
};

// The host's predictor: handed the request as JSON and a channel.
using Predictor = std::function<void(const std::string &request_json, std::shared_ptr<GuessChannel> channel)>;

// What a job's speculation may use, from the context.
struct SpeculationEnv {
  SpeculationHistory *history = nullptr;
  const Predictor *predictor = nullptr;     // null: none set
  std::shared_ptr<LoopGate> gate;
  llm::Provider *model = nullptr;           // the speculation model, if the source is "model"
  std::string model_name;                   // its "model"
  limits::RateLimits *limits = nullptr;     // its own service's permits
  std::string model_service;
};

class Speculation final : public CallOwner, public llm::Listener {
 public:
  Speculation(Dispatcher *d, EventSink *sink, SpeculationConfig cfg, SpeculationEnv env, void *userdata, void *handle);
  ~Speculation() override;

  // After the main request of `round` was sent (again after a retry: then
  // the guesses already made stay). history_key: the conversation state;
  // trace_parent: the span the guesses' spans belong to (the job's round).
  void begin(const llm::Request &request, int round, const std::string &history_key,
             const obs::TraceContext &trace_parent = obs::TraceContext());
  // The model asked for this call: the guess it matches, taken over,
  // renamed to real_id and owned by new_owner from then on; or null.
  CallRef take(const std::string &tool, const std::string &canonical_args, const std::string &real_id,
               CallOwner *new_owner);
  // The response has delivered all its calls: the rest are cancelled or
  // discarded. The calls it asked for go to the history.
  void close_round(const std::vector<std::pair<std::string, std::string>> &asked) { close(&asked); }
  // The job ended: stop everything; silent: no more events.
  void stop(bool silent);
  const SpeculationSummary &summary() const { return sum_; }

  // CallOwner: a guess nobody took over ended.
  void on_call_ended(Call *call) override;
  // llm::Listener, for the speculation model (core/speculation_model.cc).
  void on_text(std::string_view) override {}
  void on_tool_call_started(int, const std::string &, const std::string &) override {}
  void on_tool_call_ready(int, const llm::ToolCall &) override {}
  void on_usage(const llm::Usage &) override {}
  void on_finished(llm::Response &&response) override;
  void on_error(llm::Error &&error) override;

 private:
  struct Entry {
    CallRef call;
    std::string canonical;
    bool taken = false, reported = false;
  };
  void close(const std::vector<std::pair<std::string, std::string>> *asked);  // null: record nothing
  void on_guess(Guess g);
  void drop(const Guess &g, int reason, Call *call = nullptr);
  // Tells the observer (toolorch_speculations_total, the guess's span).
  void observe(const char *outcome, Call *call = nullptr, const std::string &real_id = std::string());
  void source_failed(const std::string &why);
  void report(Entry &e, int outcome);
  void emit_outcome(const std::string &id, const std::string &tool, const std::string &args, int outcome,
                    const std::string &text, int64_t run_us);
  void ask_predictor(const llm::Request &request, int round);
  void ask_model(const llm::Request &request);
  void end_source();
  static int64_t run_us(const Call &c, loop::Micros until);

  Dispatcher *d_;
  EventSink *sink_;
  SpeculationConfig cfg_;
  SpeculationEnv env_;
  void *userdata_, *handle_;
  int round_ = 0;
  bool open_ = false, silent_ = false;
  int started_ = 0;  // guesses started this round (the cap)
  uint64_t next_guess_ = 1;
  std::vector<Entry> entries_;
  std::shared_ptr<GuessChannel> channel_;
  std::unique_ptr<llm::PendingRequest> model_req_;
  uint64_t permit_ticket_ = 0;
  std::unique_ptr<loop::Timer> timeout_;
  std::string history_key_;
  obs::TraceContext trace_parent_;
  SpeculationSummary sum_;
};

// The request as the predictor sees it (toolorch/speculation.h).
std::string request_json(const llm::Request &request, int round);

}  // namespace toolorch::core
