// A tool that is a command: each call runs the program directly
// (posix_spawnp, never through a shell) with the call's arguments (JSON) on
// its stdin; its stdout is the result. Everything is watched by libevent on
// the loop: the stdin pipe is written without blocking (partial writes and
// EPIPE handled), stdout is collected up to the context's max_result_bytes
// (past it the call fails and the process is killed), stderr keeps its last
// 2 KiB for the error text, and the process is reaped through a pidfd (or,
// where the kernel has none, waitpid(WNOHANG) on a short timer). Exit 0 is
// a success; a non-zero exit or a signal fails the call with "command
// exited with status N: <end of stderr>". When the call is cancelled or
// times out, the process group is SIGKILLed, the pipes closed, the call
// abandoned, and the process still reaped. No zombie, no fd left behind.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "tools/builtin_runner.h"

struct event_base;

namespace toolorch::tools {

struct CommandToolOptions {
  bool use_pidfd = true;    // false: always reap by polling (tests the fallback)
  int reap_poll_ms = 10;    // the polling period of the fallback
  size_t stderr_tail_bytes = 2048;
};

class CommandToolRunner final : public BuiltinRunner {
 public:
  // base: the loop's event_base; it must outlive shutdown().
  CommandToolRunner(std::vector<std::string> argv, event_base *base, CommandToolOptions options = {});
  ~CommandToolRunner() override;

  void start(core::Call &call) override;
  void on_call_ended_without_result(core::Call &call, int reason) override;
  void shutdown() override;
  // Processes started and not yet reaped (cancelled ones included).
  size_t in_flight() const override;

  const std::vector<std::string> &argv() const { return argv_; }

  struct Proc;   // one running process (command_tool.cc)
  struct State;  // the processes in flight

 private:
  std::vector<std::string> argv_;
  std::shared_ptr<State> state_;
};

}  // namespace toolorch::tools
