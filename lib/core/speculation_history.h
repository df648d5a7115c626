// The "history" speculation source: per context, the calls the model made
// after a given conversation state, so the same state (a repeated workflow,
// a retried job, the same question from many users) gets them as guesses.
// Bounded: least recently used states go first. Loop thread only.
#pragma once

#include <cstddef>
#include <list>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "llm/provider.h"

namespace toolorch::core {

class SpeculationHistory {
 public:
  explicit SpeculationHistory(size_t capacity = 1024) : capacity_(capacity) {}

  struct Guessed {
    std::string tool, args;
    double confidence;  // the share of the times this state was seen in which the model asked for it
  };
  std::vector<Guessed> lookup(const std::string &state);
  // The model asked for these calls (tool, canonical arguments) after `state`.
  void record(const std::string &state, const std::vector<std::pair<std::string, std::string>> &calls);
  size_t size() const { return index_.size(); }

  // The state of a conversation: the system text, the tool names, the last
  // user message, and the calls (not their results: those vary) the model
  // made since that message — each normalised (whitespace collapsed, ASCII
  // lower case), then hashed.
  static std::string state_of(const std::vector<llm::Message> &messages, const std::vector<llm::ToolDef> &tools);

 private:
  struct Entry {
    std::string state;
    int seen = 0;
    std::map<std::pair<std::string, std::string>, int> calls;  // how often each call followed
  };
  static constexpr size_t kMaxCallsPerState = 256;
  size_t capacity_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace toolorch::core
