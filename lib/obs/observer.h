// What the core reports to observability: a small interface it calls at the
// moments that matter (a call starts, retries, ends; a job's rounds and LLM
// attempts; a batch), with plain values only, so the core knows nothing of
// metrics, spans or exporters and its tests run without any (a null
// Observer* means "not observed"). The per-call/job/batch state the observer
// keeps lives in the small structs below, held by the core objects.
// Loop thread only, like the core.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "obs/span.h"

namespace toolorch::obs {

class ToolSeries;  // the observer's per-tool metric series

struct CallObs {
  ToolSeries *series = nullptr;   // cached on the call's first report
  TraceContext parent;            // the job round's or the batch's span
  // A guess (speculation): its last span waits, after the call ended, for
  // the guess's fate (hit, cancelled, wasted) before it is finished.
  // (Next to `parent`, in its padding: this struct is in every call.)
  enum Spec : uint8_t { kNotGuess, kGuess, kHit } spec = kNotGuess;
  std::unique_ptr<Span> span;     // the running attempt's execute_tool span
  int64_t waiting_since_us = 0;   // submission, or the end of the last attempt
  int64_t waited_us = 0;          // rate-limit permits, summed over attempts
  int64_t ended_us = 0;           // a guess's end, while its span waits
};

struct JobObs {
  std::unique_ptr<Span> job, round, chat;
  TraceContext host_parent;       // a traceparent handed in with the job
  int64_t job_start_us = 0, round_start_us = 0, chat_start_us = 0;
  bool first_token_seen = false;
};

struct BatchObs {
  std::unique_ptr<Span> span;
  int64_t start_us = 0;
};

struct LlmAttemptEnd {
  int status = 0;             // toolorch_status; 0 = the response arrived
  long http_status = 0;
  std::string error_type;     // "" on success; else a short class name
  int64_t input_tokens = -1, output_tokens = -1, cache_read_tokens = -1, cache_write_tokens = -1;
  std::string response_model, finish_reason;
  std::string message;        // the error's text (keys are never in it)
};

class Observer {
 public:
  virtual ~Observer() = default;

  // -- tool calls (the dispatcher) --
  // An attempt got its slot and goes to its tool now.
  virtual void call_started(CallObs &c, const std::string &tool_name, bool known_tool, const std::string &call_id,
                            int attempt, int64_t now_us) = 0;
  // The attempt failed and will be retried after a backoff.
  virtual void call_retrying(CallObs &c, const std::string &error, int64_t now_us) = 0;
  // The call's one end. ran_us: its last attempt's running time, or -1.
  virtual void call_ended(CallObs &c, const std::string &tool_name, bool known_tool, const std::string &call_id, int state,
                          int status,
                          const std::string &error, int attempts, int64_t ran_us, int64_t now_us) = 0;
  // Permits of a rate-limited service arrived after waiting.
  virtual void permit_waited(CallObs *c, const std::string &service, int64_t waited_us) = 0;

  // -- jobs --
  virtual void job_started(JobObs &j, const std::string &name, const std::string &model, int64_t now_us) = 0;
  virtual void round_started(JobObs &j, int round, int64_t now_us) = 0;
  virtual void round_ended(JobObs &j, int64_t now_us) = 0;
  // Returns the traceparent for the LLM request ("" when not traced).
  virtual std::string llm_attempt_started(JobObs &j, const std::string &provider, const std::string &model,
                                          int attempt, int64_t now_us) = 0;
  virtual void llm_first_token(JobObs &j, int64_t now_us) = 0;
  virtual void llm_attempt_ended(JobObs &j, const std::string &provider, const LlmAttemptEnd &end,
                                 int64_t now_us) = 0;
  virtual void llm_retry() = 0;
  // status: toolorch_status of the job's end.
  virtual void job_ended(JobObs &j, int status, const std::string &error, int rounds, int64_t now_us) = 0;
  // The context a call dispatched now should take as its parent.
  virtual TraceContext job_call_parent(const JobObs &j) const = 0;

  // -- batches --
  virtual void batch_started(BatchObs &b, size_t calls, int64_t now_us) = 0;
  virtual void batch_ended(BatchObs &b, int64_t now_us) = 0;
  virtual TraceContext batch_call_parent(const BatchObs &b) const = 0;

  // -- speculation (issue 11) --
  // What became of guesses, as the speculation's summary counts them:
  // "started" (a guess became a call of its own), "hit" (a real call took
  // it over), "cancelled", "wasted" (finished, not asked for), "dropped"
  // (never ran: any drop reason), "source_failed" (the guess source failed
  // or timed out). call: the guess's call for hit, cancelled, wasted and a
  // dropped guess that was submitted, else null; real_id: the model's id
  // for a hit.
  virtual void speculation(const std::string &outcome, CallObs *call, const std::string &real_id,
                           int64_t now_us) = 0;
};

}  // namespace toolorch::obs
