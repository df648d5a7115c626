// The Observer the library uses: the metrics of issue 12 in a Registry, the
// GenAI spans (OpenTelemetry semantic conventions for generative AI, as of
// semconv 1.37.0) through a Tracer, and the log callback. One per context.
#pragma once

#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "obs/log.h"
#include "obs/metrics.h"
#include "obs/observer.h"
#include "obs/tracer.h"

namespace toolorch::obs {

class ToolSeries {
 public:
  Series *status[4] = {nullptr, nullptr, nullptr, nullptr};  // succeeded, failed, cancelled, timed_out
  Series *duration = nullptr, *wait = nullptr;
};

class Observability final : public Observer {
 public:
  // clock_now_us: the loop's monotonic clock, to turn its times into Unix
  // time for spans.
  explicit Observability(std::function<int64_t()> clock_now_us);
  ~Observability() override;

  Registry &registry() { return registry_; }
  // Tracing on (the tracer is owned); null turns it off. Before any work.
  void set_tracer(std::unique_ptr<Tracer> tracer);
  Tracer *tracer() const { return tracer_.get(); }
  Logger &logger() { return logger_; }

  // Work run before each rendering, to set gauges from counters kept
  // elsewhere. loop_only: run only when rendering on the loop thread.
  void add_collector(std::function<void()> fn, bool loop_only);
  // The exposition text; on_loop says whether loop-only collectors may run.
  std::string text(bool on_loop);

  // Families the collectors feed.
  Family *parallel_executions() { return parallel_; }
  Family *parallel_executions_max() { return parallel_max_; }
  Family *late_completions() { return late_; }
  Family *retries() { return retries_; }
  Family *rate_limit_hits() { return rl_hits_; }
  Family *rate_limit_current() { return rl_current_; }
  Family *redis_fallbacks() { return redis_fallbacks_; }
  Family *spans_dropped() { return spans_dropped_; }

  // Observer
  void call_started(CallObs &c, const std::string &tool_name, bool known_tool, const std::string &call_id,
                    int attempt, int64_t now_us) override;
  void call_retrying(CallObs &c, const std::string &error, int64_t now_us) override;
  void call_ended(CallObs &c, const std::string &tool_name, bool known_tool, const std::string &call_id, int state,
                          int status,
                  const std::string &error, int attempts, int64_t ran_us, int64_t now_us) override;
  void permit_waited(CallObs *c, const std::string &service, int64_t waited_us) override;
  void job_started(JobObs &j, const std::string &name, const std::string &model, int64_t now_us) override;
  void round_started(JobObs &j, int round, int64_t now_us) override;
  void round_ended(JobObs &j, int64_t now_us) override;
  std::string llm_attempt_started(JobObs &j, const std::string &provider, const std::string &model, int attempt,
                                  int64_t now_us) override;
  void llm_first_token(JobObs &j, int64_t now_us) override;
  void llm_attempt_ended(JobObs &j, const std::string &provider, const LlmAttemptEnd &end, int64_t now_us) override;
  void llm_retry() override;
  void job_ended(JobObs &j, int status, const std::string &error, int rounds, int64_t now_us) override;
  TraceContext job_call_parent(const JobObs &j) const override;
  void batch_started(BatchObs &b, size_t calls, int64_t now_us) override;
  void batch_ended(BatchObs &b, int64_t now_us) override;
  TraceContext batch_call_parent(const BatchObs &b) const override;
  void speculation(const std::string &outcome, CallObs *call, const std::string &real_id, int64_t now_us) override;

  // Label folding, for tests and docs: a provider or outcome outside the
  // known set becomes "other".
  static std::string fold_provider(const std::string &p);
  static std::string fold_outcome(const std::string &o);
  static std::string llm_status_label(const LlmAttemptEnd &end);

 private:
  ToolSeries *tool_series(const std::string &tool_name, bool known_tool);
  Series *operation(int op) { return ops_[op]; }

  std::function<int64_t()> clock_;
  Registry registry_;
  std::unique_ptr<Tracer> tracer_;
  Logger logger_;
  Family *tools_total_, *tool_duration_, *tool_wait_, *duration_, *parallel_, *parallel_max_, *rl_hits_, *rl_wait_,
      *rl_current_, *redis_fallbacks_, *retries_, *llm_requests_, *llm_tokens_, *late_, *speculations_,
      *spans_dropped_;
  Series *ops_[4];  // llm_request, llm_time_to_first_token, round, job
  Series *llm_retries_;
  Series *spec_outcomes_[6];  // kSpecOutcomes' series
  std::unordered_map<std::string, std::unique_ptr<ToolSeries>> tools_;  // loop thread
  std::mutex collectors_mu_;
  std::vector<std::pair<std::function<void()>, bool>> collectors_;
};

}  // namespace toolorch::obs
