// Demo tool endpoints served beside the scripted LLM, so that a demo agent
// (examples/agent.json, run by the `toolorch` CLI) has tools that take a
// visible moment without any other server:
//
//   POST /tools/echo[?delay_ms=N][&status=S]
//     answers S (default 200) with the request body, after N ms (default 0,
//     at most 60000) on a libevent timer, so any number wait at once.
//
// A client that leaves while its answer waits is forgotten (its timer
// freed). Loop thread only, like the rest of the server.
#pragma once

#include <string_view>
#include <unordered_set>

struct event_base;
struct evhttp_request;

namespace toolorch::mockllm {

class DemoTools {
 public:
  DemoTools() = default;
  ~DemoTools();  // stop()s
  DemoTools(const DemoTools &) = delete;
  DemoTools &operator=(const DemoTools &) = delete;

  // True if path is a demo tool endpoint: the request is then answered
  // (now or after its delay). False: not ours, nothing done.
  bool handle(evhttp_request *req, std::string_view path, event_base *base);

  // Drop every answer still waiting (before the evhttp and the base go).
  void stop();

  struct Pending;

 private:
  std::unordered_set<Pending *> pending_;
};

}  // namespace toolorch::mockllm
