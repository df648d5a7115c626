// Helpers for the built-in tool tests: an owned-mode context, tool
// registration through the public C API, a batch run that collects every
// event until BATCH_DONE, and process/fd checks from /proc.
#pragma once

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <toolorch/toolorch.h>

// cmocka last: it defines macros (fail, ...) that clash with the C++ headers.
#include "cmocka_cpp.h"

namespace tools_test {

struct Result {
  std::string id, tool, text;
  int state = 0, status = 0, attempts = 0;
};

struct Opt {
  const char *key;
  int64_t value;
};

inline toolorch_ctx *new_ctx(std::vector<Opt> opts = {}) {
  toolorch_opts *o = toolorch_opts_new();
  assert_non_null(o);
  assert_int_equal(toolorch_opts_set_int(o, "tool_timeout_ms", 60000), TOOLORCH_OK);
  for (const Opt &kv : opts) assert_int_equal(toolorch_opts_set_int(o, kv.key, kv.value), TOOLORCH_OK);
  int status = 0;
  toolorch_ctx *ctx = toolorch_new(o, &status);
  toolorch_opts_free(o);
  assert_non_null(ctx);
  return ctx;
}

// A context from options in JSON (tool_timeout_ms 60000 unless given).
inline toolorch_ctx *new_ctx_json(const char *json) {
  toolorch_opts *o = toolorch_opts_new();
  assert_non_null(o);
  assert_int_equal(toolorch_opts_set_int(o, "tool_timeout_ms", 60000), TOOLORCH_OK);
  assert_int_equal(toolorch_opts_from_json(o, json), TOOLORCH_OK);
  int status = 0;
  toolorch_ctx *ctx = toolorch_new(o, &status);
  toolorch_opts_free(o);
  assert_non_null(ctx);
  return ctx;
}

// Registers an HTTP tool; timeout_ms 0 = the context's.
inline void add_http_tool(toolorch_ctx *ctx, const char *name, const std::string &url,
                          std::vector<std::string> headers = {}, int64_t timeout_ms = 0) {
  toolorch_tool *t = toolorch_tool_new(name);
  assert_non_null(t);
  assert_int_equal(toolorch_tool_set_http(t, url.c_str()), TOOLORCH_OK);
  for (const std::string &h : headers) assert_int_equal(toolorch_tool_add_http_header(t, h.c_str()), TOOLORCH_OK);
  assert_int_equal(toolorch_tool_set_timeout_ms(t, timeout_ms), TOOLORCH_OK);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);
}

inline void add_command_tool(toolorch_ctx *ctx, const char *name, const std::string &argv_json,
                             int64_t timeout_ms = 0) {
  toolorch_tool *t = toolorch_tool_new(name);
  assert_non_null(t);
  int rc = toolorch_tool_set_command(t, argv_json.c_str());
  if (rc != TOOLORCH_OK) fprintf(stderr, "set_command: %s\n", toolorch_last_error(nullptr));
  assert_int_equal(rc, TOOLORCH_OK);
  assert_int_equal(toolorch_tool_set_timeout_ms(t, timeout_ms), TOOLORCH_OK);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);
}

// Waits (bounded: a hang fails the test, it is not a timing assertion) for
// the batch's events until BATCH_DONE; on_event sees each one first.
inline std::vector<Result> collect(toolorch_ctx *ctx, toolorch_batch *b,
                                   const std::function<void(const toolorch_event *)> &on_event = {}) {
  std::vector<Result> out;
  for (;;) {
    toolorch_event *ev = nullptr;
    int rc = toolorch_next_event(ctx, 30000, &ev);
    assert_int_equal(rc, TOOLORCH_OK);
    if (on_event) on_event(ev);
    int type = toolorch_event_type_of(ev);
    if (type == TOOLORCH_EVENT_CALL_RESULT) {
      assert_ptr_equal(toolorch_event_batch(ev), b);
      Result r;
      r.id = toolorch_event_call_id(ev);
      r.tool = toolorch_event_tool_name(ev);
      r.text.assign(toolorch_event_text(ev), toolorch_event_text_len(ev));
      r.state = toolorch_event_call_state(ev);
      r.status = toolorch_event_status(ev);
      r.attempts = toolorch_event_attempts(ev);
      out.push_back(std::move(r));
    }
    toolorch_event_free(ev);
    if (type == TOOLORCH_EVENT_BATCH_DONE) return out;
  }
}

// One batch of calls to one tool, submitted; the caller collects and frees it.
inline toolorch_batch *submit_batch(toolorch_ctx *ctx, const char *tool, const std::vector<std::string> &args) {
  toolorch_batch *b = toolorch_batch_new(ctx, nullptr);
  assert_non_null(b);
  for (const std::string &a : args) assert_int_equal(toolorch_batch_add(b, tool, a.c_str(), nullptr), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  return b;
}

// n distinct arguments, {"i":0} to {"i":n-1}.
inline std::vector<std::string> numbered_args(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("{\"i\":" + std::to_string(i) + "}");
  return out;
}

// Nothing more comes out of the context's queue (nothing is delivered twice).
inline void assert_queue_empty(toolorch_ctx *ctx) {
  toolorch_event *ev = nullptr;
  assert_int_equal(toolorch_next_event(ctx, 100, &ev), TOOLORCH_EAGAIN);
}

// One batch of calls to one tool, run to the end.
inline std::vector<Result> run_batch(toolorch_ctx *ctx, const char *tool, const std::vector<std::string> &args) {
  toolorch_batch *b = submit_batch(ctx, tool, args);
  std::vector<Result> r = collect(ctx, b);
  toolorch_batch_free(b);
  return r;
}

inline Result run_one(toolorch_ctx *ctx, const char *tool, const std::string &args) {
  std::vector<Result> r = run_batch(ctx, tool, {args});
  assert_int_equal(r.size(), 1);
  return r[0];
}

inline bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

// Polls cond every 5 ms for up to `limit` (a bound against hangs only).
inline bool eventually(const std::function<bool()> &cond, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

inline int count_open_fds() {
  int n = 0;
  DIR *d = opendir("/proc/self/fd");
  assert_non_null(d);
  while (dirent *e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n - 1;  // the directory's own fd
}

// The process's state letter from /proc ('Z' = zombie), or 0 if it is gone
// (reaped).
inline char process_state(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  if (!f) return 0;
  std::string line;
  std::getline(f, line);
  size_t close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return 0;
  return line[close + 2];
}

// True when this process has no child left, running or zombie. WNOWAIT:
// asking must not reap a zombie the library was supposed to reap.
inline bool no_children_left() {
  siginfo_t info{};
  return waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD;
}

// A fresh empty temporary directory.
inline std::string temp_dir() {
  char tmpl[] = "/tmp/toolorch-tools-XXXXXX";
  char *d = mkdtemp(tmpl);
  assert_non_null(d);
  return d;
}

inline std::string read_file(const std::string &path) {
  std::ifstream f(path);
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return s;
}

}  // namespace tools_test
