// What the server saw, item by item, for tests that check an agent's
// conversation (the test kit, include/toolorch/testing.h): every request,
// every tool call issued, every tool result answered, and the result ids that
// matched nothing issued. Off by default (Options::journal): a benchmark's
// millions of calls keep only the counters of stats.h. Plain data: the
// server guards it with its lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace toolorch::mockllm {

struct Journal {
  struct Call {
    std::string id, name, arguments;  // arguments: the exact text sent
    int round = 0;
    int64_t request = 0;  // index of the request that issued it
  };
  struct Result {
    std::string call_id, content;
    bool is_error = false;
    bool known = true;  // answers an id this server issued
    int64_t request = 0;
  };
  struct Request {
    std::string protocol, model;
    bool stream = false, bad = false;
    int round = -1;  // -1: a bad request (no round played)
    std::vector<std::string> faults;
    size_t results = 0;  // tool results in its last turn
    size_t calls = 0;    // calls issued in its answer
  };

  size_t limit = 10000;  // per list; past it items are counted, not kept
  bool truncated = false;
  std::vector<Request> requests;
  std::vector<Call> calls;
  std::vector<Result> results;
  std::vector<std::string> unknown_result_ids;    // results answering no issued id
  std::vector<std::string> duplicate_result_ids;  // a second result for one call in one turn
  std::vector<std::string> missing_result_ids;    // calls of the last assistant turn left unanswered

  // Appends unless the list is full (then marks the journal truncated).
  template <typename T>
  void add(std::vector<T> *list, T item) {
    if (list->size() >= limit) {
      truncated = true;
      return;
    }
    list->push_back(std::move(item));
  }
  void clear() {
    const size_t keep = limit;
    *this = Journal();
    limit = keep;
  }
  // {"requests":[...],"calls":[...],"results":[...],"unknown_result_ids":[...],
  //  "duplicate_result_ids":[...],"missing_result_ids":[...],"truncated":false}
  // without the enclosing braces, so the server can put it beside "stats".
  std::string to_json_members() const;
};

}  // namespace toolorch::mockllm
