#include "mockllm/player.h"

#include <algorithm>

#include "mockllm/text_util.h"

namespace toolorch::mockllm {
namespace {

// Arguments that can never parse: the document cut before its last byte.
std::string break_json(const std::string &args) {
  if (args.size() <= 1) return "{";
  return args.substr(0, args.size() - 1);
}

std::string expand_text(std::string text, const ParsedRequest &req, int round) {
  if (text.find('{') == std::string::npos) return text;
  std::string joined;
  for (size_t i = 0; i < req.results.size(); ++i) {
    if (i) joined += ",";
    joined += req.results[i].content;
  }
  replace_all(&text, "{tool_result_count}", std::to_string(req.results.size()));
  replace_all(&text, "{tool_results}", joined);
  replace_all(&text, "{round}", std::to_string(round));
  return text;
}

}  // namespace

Player::Player(Script script) : script_(std::move(script)), fault_uses_(script_.faults.size(), 0) {}

void Player::rearm() { std::fill(fault_uses_.begin(), fault_uses_.end(), 0); }

bool Player::fault_matches(size_t i, int round) const {
  const Fault &f = script_.faults[i];
  if (f.round >= 0 && f.round != round) return false;
  return f.times < 0 || fault_uses_[i] < f.times;
}

Plan Player::next(const ParsedRequest &req) {
  Plan plan;
  // Past the last round the last one plays again.
  const int last = static_cast<int>(script_.rounds.size()) - 1;
  plan.round = std::min(req.assistant_turns, last);
  const Round &round = script_.rounds[plan.round];

  plan.ttfb_ms = round.ttfb_ms >= 0 ? round.ttfb_ms : script_.ttfb_ms;
  plan.chunk_gap_ms = round.chunk_gap_ms >= 0 ? round.chunk_gap_ms : script_.chunk_gap_ms;
  plan.chunk_bytes = round.chunk_bytes > 0 ? round.chunk_bytes : script_.chunk_bytes;

  // Faults that replace the answer form a queue: the first one with uses
  // left takes this request, so "429 once, then drop once" plays in order.
  for (size_t i = 0; i < script_.faults.size(); ++i) {
    const Fault &f = script_.faults[i];
    if (f.modifies_content() || !fault_matches(i, plan.round)) continue;
    ++fault_uses_[i];
    plan.faults.push_back(f.name);
    switch (f.kind) {
      case FaultKind::kHttpStatus:
        plan.action = Plan::Action::kHttpError;
        plan.http_status = f.status;
        plan.error_message = f.message.empty() ? "scripted " + f.name : f.message;
        plan.retry_after_s = f.retry_after_s;
        plan.retry_after_ms = f.retry_after_ms;
        return plan;
      case FaultKind::kEmptyBody:
        plan.action = Plan::Action::kEmptyBody;
        return plan;
      case FaultKind::kNonJsonBody:
        plan.action = Plan::Action::kNonJsonBody;
        return plan;
      case FaultKind::kDropMidStream:
        plan.drop_after_calls = f.after_tool_calls;
        break;
      case FaultKind::kStreamError:
        plan.error_after_calls = f.after_tool_calls;
        plan.error_message = f.message.empty() ? "scripted stream_error" : f.message;
        break;
      default:
        break;
    }
    break;
  }

  plan.text = expand_text(round.text, req, plan.round);
  plan.calls.reserve(round.calls.size());
  for (const ScriptCall &c : round.calls) plan.calls.push_back(PlannedCall{"", c.name, c.arguments});

  // Faults that change the content apply together, each to the first
  // `times` requests that send its call whole (a request cut before the
  // call does not use it up, so the retry after a drop still sees it).
  size_t whole_calls = plan.calls.size();
  if (plan.drop_after_calls >= 0) whole_calls = std::min(whole_calls, static_cast<size_t>(plan.drop_after_calls));
  if (plan.error_after_calls >= 0) whole_calls = std::min(whole_calls, static_cast<size_t>(plan.error_after_calls));
  for (size_t i = 0; i < script_.faults.size(); ++i) {
    const Fault &f = script_.faults[i];
    if (!f.modifies_content() || !fault_matches(i, plan.round)) continue;
    if (static_cast<size_t>(f.call) >= whole_calls) continue;
    ++fault_uses_[i];
    plan.faults.push_back(f.name);
    PlannedCall &call = plan.calls[f.call];
    if (f.kind == FaultKind::kInvalidJsonArgs)
      call.arguments = break_json(call.arguments);
    else
      call.name = f.tool_name;
  }

  // Token counts: the script's, or about four bytes a token.
  const Usage &u = round.usage;
  size_t out_bytes = plan.text.size();
  for (const PlannedCall &c : plan.calls) out_bytes += c.name.size() + c.arguments.size();
  plan.input_tokens = u.input_tokens >= 0 ? u.input_tokens
                      : script_.usage.input_tokens >= 0
                          ? script_.usage.input_tokens
                          : static_cast<int64_t>(std::max<size_t>(1, req.body_bytes / 4));
  plan.output_tokens = u.output_tokens >= 0 ? u.output_tokens
                       : script_.usage.output_tokens >= 0
                           ? script_.usage.output_tokens
                           : static_cast<int64_t>(std::max<size_t>(1, out_bytes / 4));
  return plan;
}

}  // namespace toolorch::mockllm
