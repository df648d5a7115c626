// A job against the scripted LLM server over real loopback HTTP: the host
// runs its own event_base (borrowed-loop mode), so every callback comes on
// this thread and the order of what happened is exact.
#pragma once

#include <event2/event.h>

#include <memory>
#include <string>
#include <vector>

#include <toolorch/toolorch.h>
#include <toolorch/toolorch_libevent.h>

#include "cmocka_cpp.h"
#include "mock_server.h"

namespace toolorch::test {

struct JobRun {
  // What happened, in order: "tool:<id>" when a tool got a call,
  // "llm:<id>" when the model's call was announced, "result:<id>:<state>".
  std::vector<std::string> log;
  int done_status = 1;
  std::string done_text, transcript;
  int rounds = 0, deltas = 0;
  int64_t input_tokens = 0, output_tokens = 0;
  // Speculation: "<outcome>:<tool>:<text>" per SPECULATION event; results
  // taken over, by toolorch_speculation_kind; JOB_DONE's summary.
  std::vector<std::string> spec;
  int taken_over[3] = {0, 0, 0};
  std::string spec_json;
  int tool_runs() const {
    int n = 0;
    for (auto &l : log) n += l.rfind("tool:", 0) == 0;
    return n;
  }
  // Where entry stands in the log (the test fails if it is not there).
  size_t pos(const std::string &entry) const;
  // What follows prefix in the n-th entry that starts with it (0 = first).
  std::string nth(const std::string &prefix, int n) const;
};

// Every protocol the library speaks, as the "llm" section names them.
inline const char *const kAllProtocols[] = {"openai", "anthropic", "openai-responses", "gemini"};

// A job request ("fan out"), streamed or not, with a short LLM backoff;
// extra: more keys (", \"k\": v").
std::string job_request(bool stream, const std::string &extra = "");

class JobHarness {
 public:
  // protocol: "openai" | "anthropic" | "openai-responses" | "gemini";
  // llm_extra: more keys of the "llm" section (", \"k\": v").
  JobHarness(const std::string &script, const std::string &protocol, const std::string &extra_options = "",
             const std::string &llm_extra = "");
  // requests per played round, from the server's /stats.
  long round_requests(int round) const;
  ~JobHarness();

  // Tools: "fetch" (side-effect free) parks each call until `release_at`
  // calls are parked (then answers all with "ok:<args>"); "write" (with
  // side effects) answers at once.
  void add_tools(int release_at);
  // Runs the job to its end (30 s guard) and returns what happened.
  JobRun run(const std::string &request);

  toolorch_ctx *ctx() const { return ctx_; }
  mockllm::Server &server() { return *server_; }
  int64_t stat(const char *key) const { return toolorch_stat(ctx_, key); }
  // A counter from the server's /stats ("tool_results_seen", ...).
  long server_stat(const char *key) const;

  // Internals for the callbacks.
  struct event_base *base_ = nullptr;
  toolorch_ctx *ctx_ = nullptr;
  std::vector<toolorch_call *> parked_;
  int release_at_ = 0;
  JobRun *current_ = nullptr;
  bool finished_ = false;
  struct event *release_ev_ = nullptr;

 private:
  std::unique_ptr<mockllm::Server> server_;
};

// Three parallel "fetch" calls, then an answer listing their results, with
// these faults of the scripted server (its "faults" array, without brackets).
std::string script_with_faults(const std::string &faults);
// Runs script_with_faults(faults) over protocol, each call answered at once;
// the harness is handed back through keep (for its counters) when asked.
JobRun run_with_faults(const std::string &faults, const char *protocol, bool stream,
                       std::unique_ptr<JobHarness> *keep = nullptr);
// The server saw `seen` tool results, each for a call it made, none twice or
// missing, and Gemini's thoughtSignatures came back exactly.
void expect_clean_results(const JobHarness &h, long seen);

// Owned-loop mode (the library's own thread) against the scripted server over
// openai, with one external tool: no fn, so its calls are handed out as
// TOOL_CALL through the context's queue, which the test reads.
class OwnedJob {
 public:
  OwnedJob(const std::string &script, const char *external_tool);
  ~OwnedJob();  // frees the context, then stops the server
  toolorch_ctx *ctx() const { return ctx_; }
  // The next event of the queue within 10 s (the test fails otherwise);
  // the caller frees it.
  toolorch_event *next_event();

 private:
  std::unique_ptr<mockllm::Server> server_;
  toolorch_ctx *ctx_ = nullptr;
};

}  // namespace toolorch::test
