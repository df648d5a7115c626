// A rendered answer, ready for the wire: status, headers, and either a whole
// body or SSE event groups sent one chunk_gap_ms apart.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mockllm/player.h"
#include "mockllm/request.h"

namespace toolorch::mockllm {

struct SseEvent {
  std::string text;  // a complete event, blank line included
  bool paced;        // carries content (a text or argument delta): one per tick
};

// A protocol writer's stream, with the landmarks that faults cut at.
struct StreamEvents {
  std::vector<SseEvent> events;
  size_t text_start = 0;   // first text delta
  size_t text_pieces = 0;
  std::vector<size_t> call_start;   // per call: its first event
  std::vector<size_t> call_pieces;  // per call: its argument deltas
  size_t finish_at = 0;    // first event after the content (stop reason, usage, end)
  bool atomic_calls = false;  // Gemini: a call is one event; a cut falls before call n, not inside it
};

struct ReplyContext {
  std::string response_id;  // chatcmpl-... / msg_... / resp_..._r<round> / gemini's responseId
  std::string model;
  int64_t created = 0;      // unix seconds
  bool include_usage = false;
};

struct Reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Type included
  bool streamed = false;
  std::string body;                 // !streamed
  std::vector<std::string> groups;  // streamed: one write per tick
  bool close_after = false;         // drop: close the connection after the groups (or with no answer)
  int ttfb_ms = 0;
  int gap_ms = 0;
  size_t calls_sent = 0;            // tool calls whose start goes out
};

Reply render(const Plan &plan, const ParsedRequest &req, const ReplyContext &ctx);
// An error answer in the protocol's format (bad request, scripted status).
// Gemini carries retry_delay_ms (>= 0) as a RetryInfo in the body.
Reply render_error(Protocol protocol, int status, std::string_view message, int64_t retry_delay_ms = -1);

// Events [0, end) as tick groups: each group is the unpaced events up to and
// including one paced event; trailing unpaced events form the last group.
std::vector<std::string> group_events(const StreamEvents &s, size_t end);

}  // namespace toolorch::mockllm
