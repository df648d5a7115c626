// A job's request, parsed from the JSON given to toolorch_job_start (unknown
// keys rejected by name), with defaults from the context's "llm" section.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/backoff.h"
#include "core/group.h"
#include "core/speculation.h"
#include "json/json.h"
#include "llm/provider.h"

namespace toolorch::core {

enum class EagerDispatch { kSafe, kAll, kOff };

// Calls of one round to these tools form a branch group under this policy.
struct JobGroup {
  std::string name;
  std::vector<std::string> tools;
  GroupPolicy policy;
};

struct JobConfig {
  std::string model;
  std::string name = "toolorch";  // the agent's name in traces (invoke_agent {name})
  std::string traceparent;        // a W3C traceparent: the job joins the host's trace
  std::string system;
  std::vector<llm::Message> messages;  // the conversation so far (user first)
  std::vector<std::string> tools;      // empty + !tools_given: every registered tool
  bool tools_given = false;
  int max_rounds = 8;
  int max_tokens = 4096;
  bool stream = true;
  bool parallel_tool_calls = true;
  std::string tool_choice;
  EagerDispatch eager = EagerDispatch::kSafe;
  int64_t llm_timeout_ms = 120000;
  int64_t total_timeout_ms = 600000;
  int llm_retries = 3;
  BackoffPolicy llm_backoff;
  std::vector<JobGroup> groups;
  bool cancel_siblings = false;  // job-wide "on_failure": a FATAL failure cancels the rest of its round
  SpeculationConfig speculation;  // "speculation": off unless given
};

// OK, or a status (EJSON, ECONFIG) with *err naming the key.
int parse_job_config(const std::string &request_json, const cJSON *llm_section, JobConfig *out,
                     std::string *err);

// The neutral transcript as JSON: [{"role": ..., "content": ..., ...}].
// texts: the messages whose text is held elsewhere (stored results), by
// index in messages, ascending: written instead of the message's own.
std::string transcript_json(const std::string &system, const std::vector<llm::Message> &messages,
                            const std::vector<std::pair<size_t, std::string_view>> &texts = {});

}  // namespace toolorch::core
