#include "core/speculation_history.h"

#include <cctype>
#include <cstdint>
#include <functional>

namespace toolorch::core {
namespace {

void append_normalised(std::string *out, const std::string &text) {
  bool space = false;
  for (unsigned char ch : text) {
    if (std::isspace(ch)) {
      space = true;
      continue;
    }
    if (space && !out->empty() && out->back() != '\x1f') out->push_back(' ');
    space = false;
    out->push_back(static_cast<char>(ch < 0x80 ? std::tolower(ch) : ch));
  }
  out->push_back('\x1f');  // field separator: "ab"+"c" differs from "a"+"bc"
}

// Two independent 64-bit hashes: a collision of both is not a concern.
std::string digest(const std::string &s) {
  uint64_t fnv = 1469598103934665603ull;
  for (unsigned char ch : s) fnv = (fnv ^ ch) * 1099511628211ull;
  char buf[64];
  snprintf(buf, sizeof buf, "%016llx%016zx:%zu", static_cast<unsigned long long>(fnv), std::hash<std::string>{}(s),
           s.size());
  return buf;
}

}  // namespace

std::string SpeculationHistory::state_of(const std::vector<llm::Message> &messages,
                                         const std::vector<llm::ToolDef> &tools) {
  std::string s;
  for (const llm::ToolDef &t : tools) append_normalised(&s, t.name);
  size_t last_user = messages.size();
  for (size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].role == llm::Message::Role::kSystem) append_normalised(&s, messages[i].text);
    if (messages[i].role == llm::Message::Role::kUser) last_user = i;
  }
  if (last_user == messages.size()) return digest(s);
  append_normalised(&s, messages[last_user].text);
  for (size_t i = last_user + 1; i < messages.size(); ++i) {
    if (messages[i].role != llm::Message::Role::kAssistant) continue;
    s += "\x1e";  // one assistant turn
    for (const llm::ToolCall &c : messages[i].tool_calls) {
      append_normalised(&s, c.name);
      append_normalised(&s, c.args_json);
    }
  }
  return digest(s);
}

std::vector<SpeculationHistory::Guessed> SpeculationHistory::lookup(const std::string &state) {
  std::vector<Guessed> out;
  auto it = index_.find(state);
  if (it == index_.end()) return out;
  lru_.splice(lru_.begin(), lru_, it->second);
  const Entry &e = *it->second;
  for (const auto &[call, n] : e.calls)
    out.push_back({call.first, call.second, static_cast<double>(n) / static_cast<double>(e.seen)});
  return out;
}

void SpeculationHistory::record(const std::string &state,
                                const std::vector<std::pair<std::string, std::string>> &calls) {
  if (capacity_ == 0) return;
  auto it = index_.find(state);
  if (it == index_.end()) {
    if (index_.size() >= capacity_) {
      index_.erase(lru_.back().state);
      lru_.pop_back();
    }
    lru_.push_front(Entry{state, 0, {}});
    it = index_.emplace(state, lru_.begin()).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second);
  }
  Entry &e = *it->second;
  e.seen++;
  // A call asked twice in one response counts once for this state.
  std::map<std::pair<std::string, std::string>, bool> once;
  for (const auto &c : calls) once[c] = true;
  for (const auto &[c, unused] : once) {
    (void)unused;
    if (e.calls.size() >= kMaxCallsPerState && !e.calls.count(c)) continue;
    e.calls[c]++;
  }
}

}  // namespace toolorch::core
