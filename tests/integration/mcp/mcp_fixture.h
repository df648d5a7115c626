// Shared by the MCP integration tests: contexts, server descriptions, a
// batch runner that keeps every event, and an HTTP server process.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <toolorch/toolorch.h>

#include "cmocka_cpp.h"

namespace mcp_test {

struct Result {
  int state = 0, status = 0, attempts = 0;
  std::string text;
};

struct BatchRun {
  std::map<std::string, Result> results;  // by call id
  struct Progress {
    std::string call_id, message;
    double progress, total;
  };
  std::vector<Progress> progress;
};

inline toolorch_ctx *new_ctx(const char *options_json = nullptr) {
  toolorch_opts *o = toolorch_opts_new();
  if (options_json && toolorch_opts_from_json(o, options_json) != TOOLORCH_OK)
    fail_msg("options: %s", toolorch_opts_last_error(o));
  int status = 0;
  toolorch_ctx *ctx = toolorch_new(o, &status);
  toolorch_opts_free(o);
  if (!ctx) fail_msg("toolorch_new: %s", toolorch_last_error(nullptr));
  return ctx;
}

// calls: {id, tool, args}
inline BatchRun run_batch(toolorch_ctx *ctx, const std::vector<std::vector<std::string>> &calls) {
  toolorch_batch *b = toolorch_batch_new(ctx, nullptr);
  for (const auto &c : calls) assert_int_equal(toolorch_batch_add(b, c[1].c_str(), c[2].c_str(), c[0].c_str()), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  BatchRun run;
  for (;;) {
    toolorch_event *ev = nullptr;
    if (toolorch_next_event(ctx, 60000, &ev) != TOOLORCH_OK) fail_msg("no event within 60 s");
    int type = toolorch_event_type_of(ev);
    if (type == TOOLORCH_EVENT_CALL_RESULT) {
      Result &r = run.results[toolorch_event_call_id(ev)];
      r.state = toolorch_event_call_state(ev);
      r.status = toolorch_event_status(ev);
      r.attempts = toolorch_event_attempts(ev);
      r.text = toolorch_event_text(ev);
    } else if (type == TOOLORCH_EVENT_PROGRESS) {
      run.progress.push_back({toolorch_event_call_id(ev), toolorch_event_text(ev), toolorch_event_progress(ev),
                              toolorch_event_progress_total(ev)});
    }
    toolorch_event_free(ev);
    if (type == TOOLORCH_EVENT_BATCH_DONE) break;
  }
  toolorch_batch_free(b);
  return run;
}

inline std::string temp_path(const char *stem) {
  char buf[256];
  snprintf(buf, sizeof buf, "/tmp/toolorch-mcp-%s-%d-%ld", stem, static_cast<int>(getpid()),
           static_cast<long>(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000000));
  return buf;
}

inline std::string read_file(const std::string &path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline size_t count(const std::string &hay, const std::string &needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

// Poll until pred() or about 20 s pass (no assertion on how long it took).
template <typename F>
bool eventually(F pred) {
  for (int i = 0; i < 2000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

// A server process of its own (the HTTP servers): started with argv, port
// read from the file it writes, killed at the end.
class Process {
 public:
  Process(const std::vector<std::string> &argv, const std::vector<std::string> &env = {}) {
    pid_ = fork();
    if (pid_ == 0) {
      setpgid(0, 0);
      for (const std::string &kv : env) putenv(const_cast<char *>(kv.c_str()));
      std::vector<char *> args;
      for (const std::string &a : argv) args.push_back(const_cast<char *>(a.c_str()));
      args.push_back(nullptr);
      execvp(args[0], args.data());
      _exit(127);
    }
  }
  ~Process() {
    if (pid_ > 0) {
      kill(-pid_, SIGKILL);
      kill(pid_, SIGKILL);
      int st;
      waitpid(pid_, &st, 0);
    }
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

}  // namespace mcp_test
