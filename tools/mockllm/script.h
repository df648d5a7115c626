// The script the server plays: rounds of text and tool calls, latencies and
// faults. Its JSON form is documented in SCRIPT.md beside this file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace toolorch::mockllm {

// Token counts reported to the client; -1 means "estimate from the bytes".
struct Usage {
  int64_t input_tokens = -1;
  int64_t output_tokens = -1;
};

struct ScriptCall {
  std::string name;
  std::string arguments;  // JSON text exactly as it is sent (may be invalid on purpose)
};

struct Round {
  std::string text;               // may hold {tool_result_count}, {tool_results}, {round}
  std::vector<ScriptCall> calls;  // "tool_calls" first, then every "repeat" expanded
  int ttfb_ms = -1;               // -1: the script's value
  int chunk_gap_ms = -1;
  int chunk_bytes = -1;
  Usage usage;                    // -1 fields: the script's value
};

enum class FaultKind {
  kHttpStatus,       // "http_NNN": answer with that status in the provider's error format
  kDropMidStream,    // close the connection in the middle of the answer
  kStreamError,      // an error event in the middle of the stream, then the end
  kInvalidJsonArgs,  // one call's arguments are not valid JSON
  kUnknownTool,      // one call names a tool the client never declared
  kEmptyBody,        // 200 with nothing in it
  kNonJsonBody,      // 200 with garbage in it
};

struct Fault {
  std::string name;  // the kind as written ("http_429"): the key in /stats
  FaultKind kind = FaultKind::kHttpStatus;
  int round = -1;    // -1: any round
  int times = 1;     // how many requests it applies to; -1: all of them
  int status = 0;    // kHttpStatus
  std::string message;
  int retry_after_s = -1;   // kHttpStatus: Retry-After header
  int retry_after_ms = -1;  // kHttpStatus: retry-after-ms header
  int after_tool_calls = 0; // kDropMidStream, kStreamError
  int call = 0;             // kInvalidJsonArgs, kUnknownTool: index in the round's calls
  std::string tool_name = "no_such_tool";  // kUnknownTool

  // Changes the content of a played round instead of replacing the answer.
  bool modifies_content() const {
    return kind == FaultKind::kInvalidJsonArgs || kind == FaultKind::kUnknownTool;
  }
};

struct Script {
  std::vector<Round> rounds;
  int ttfb_ms = 0;
  int chunk_gap_ms = 0;
  int chunk_bytes = 16;
  Usage usage;
  std::vector<Fault> faults;
};

// Parses and checks a script. On failure returns false and *err names the
// offending field ("rounds[1].tool_calls[0].name: must be a non-empty string").
bool parse_script(std::string_view json, Script *out, std::string *err);

// The script played when none is given: one round of plain text.
const char *default_script_json();

}  // namespace toolorch::mockllm
