#include "tools/command_tool.h"

#include <toolorch/status.h>

#include <event2/event.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/dispatcher.h"
#include "core/result_limits.h"
#include "tools/child_process.h"

namespace toolorch::tools {

struct CommandToolRunner::State {
  event_base *base = nullptr;
  CommandToolOptions options;
  std::unordered_map<uint64_t, std::unique_ptr<Proc>> procs;  // loop thread only
  std::unordered_map<core::Call *, Proc *> by_call;  // the process of each call still ours
  uint64_t next_key = 1;
  bool shut_down = false;
};

struct CommandToolRunner::Proc {
  State *st = nullptr;
  uint64_t key = 0;
  std::string program;
  core::CallRef call;  // empty once the call is no longer ours (cancelled, failed early)
  ChildProcess child;
  int pidfd = -1;
  event *in_ev = nullptr, *out_ev = nullptr, *err_ev = nullptr, *reap_ev = nullptr;
  std::string input;
  size_t input_off = 0;
  std::string out, err_tail;
  size_t max_out = 0;
  bool exited = false;
  int wait_status = 0;
  bool status_lost = false;  // someone else reaped it (a host ignoring SIGCHLD)

  ~Proc() {
    close_stdin();
    close_outputs();
    stop_reaper();
  }
  void close_stdin() {
    if (in_ev) event_free(in_ev);
    in_ev = nullptr;
    close_fd(&child.stdin_fd);
  }
  void close_stdout() {
    if (out_ev) event_free(out_ev);
    out_ev = nullptr;
    close_fd(&child.stdout_fd);
  }
  void close_stderr() {
    if (err_ev) event_free(err_ev);
    err_ev = nullptr;
    close_fd(&child.stderr_fd);
  }
  void close_outputs() {
    close_stdout();
    close_stderr();
  }
  void stop_reaper() {
    if (reap_ev) event_free(reap_ev);
    reap_ev = nullptr;
    close_fd(&pidfd);
  }
};

namespace {

using Proc = CommandToolRunner::Proc;
using State = CommandToolRunner::State;

constexpr size_t kReadChunk = 64 * 1024;
constexpr int kReadsPerWakeup = 16;  // then yield to the loop's other work

void on_stdin(evutil_socket_t, short, void *arg);
void on_stdout(evutil_socket_t, short, void *arg);
void on_stderr(evutil_socket_t, short, void *arg);
void on_reap(evutil_socket_t, short, void *arg);

// Take p out of its runner; the caller destroys it (which frees its events,
// the one running now included) and must not touch it afterwards.
std::unique_ptr<Proc> take(Proc *p) {
  auto it = p->st->procs.find(p->key);
  std::unique_ptr<Proc> own = std::move(it->second);
  p->st->procs.erase(it);
  return own;
}

// The process's call, which is no longer its own.
core::CallRef release_call(Proc *p) {
  if (p->call) p->st->by_call.erase(p->call.get());
  return std::move(p->call);
}

// The call is not ours any more: kill the process group (what the child
// left in it too, even when the child itself has exited), close the pipes,
// keep reaping. Destroys p if nothing is left to wait for.
void let_go(Proc *p) {
  release_call(p);
  kill_child(p->child.pid, p->exited);
  p->close_stdin();
  p->close_outputs();
  if (p->exited) take(p);
}

// Finish the call with what the process left, once it has exited and both
// outputs reached their end.
void maybe_finish(Proc *p) {
  if (!p->call || !p->exited || p->child.stdout_fd >= 0 || p->child.stderr_fd >= 0) return;
  std::unique_ptr<Proc> own = take(p);
  own->close_stdin();
  bool ok = false;
  std::string text;
  if (own->status_lost) {
    text = "the exit status of command \"" + own->program + "\" was lost (is SIGCHLD ignored?)";
  } else if (WIFEXITED(own->wait_status) && WEXITSTATUS(own->wait_status) == 0) {
    ok = true;
    text = std::move(own->out);
  } else {
    text = describe_exit(own->wait_status, own->err_tail);
  }
  core::CallRef call = release_call(own.get());
  own.reset();  // everything released before the end runs other code
  if (ok) core::finish_call(*call, std::move(text));
  else core::fail_call(*call, std::move(text));
}

void write_input(Proc *p) {
  while (p->input_off < p->input.size()) {
    ssize_t n = write_no_sigpipe(p->child.stdin_fd, p->input.data() + p->input_off, p->input.size() - p->input_off);
    if (n > 0) {
      p->input_off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (p->in_ev) event_add(p->in_ev, nullptr);
      return;
    }
    // EPIPE: the program does not read its input (or stopped reading); its
    // exit status and output still decide the call.
    break;
  }
  p->close_stdin();
}

void on_stdin(evutil_socket_t, short, void *arg) { write_input(static_cast<Proc *>(arg)); }

// Read what is there; false at the end of the stream (or an error).
bool drain(int fd, std::string *into, size_t keep_tail) {
  char buf[kReadChunk];
  for (int i = 0; i < kReadsPerWakeup; ++i) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      into->append(buf, static_cast<size_t>(n));
      if (keep_tail && into->size() > 2 * keep_tail) into->erase(0, into->size() - keep_tail);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;
  }
  return true;
}

void on_stdout(evutil_socket_t fd, short, void *arg) {
  auto *p = static_cast<Proc *>(arg);
  bool open = drain(fd, &p->out, 0);
  if (p->out.size() > p->max_out) {
    core::CallRef call = release_call(p);
    bool truncate = call->finisher &&
                    call->finisher->opts().max_result_policy == core::CoreOptions::ResultPolicy::kTruncate;
    std::string text;
    if (truncate) {
      // Policy "truncate": what it wrote up to the cap is the result, marked
      // as cut; the process is stopped (its exit status is not waited for).
      text = std::move(p->out);
      core::truncate_result(&text, static_cast<int64_t>(p->max_out));
    } else {
      text = "output of command \"" + p->program + "\" exceeds max_result_bytes (" + std::to_string(p->max_out) +
             " bytes)";
    }
    let_go(p);  // p may be gone now
    if (truncate) {
      call->finisher->stats()->results_truncated.fetch_add(1, std::memory_order_relaxed);
      core::finish_call(*call, std::move(text));
    } else {
      core::fail_call(*call, std::move(text));
    }
    return;
  }
  if (!open) {
    p->close_stdout();
    maybe_finish(p);
  }
}

void on_stderr(evutil_socket_t fd, short, void *arg) {
  auto *p = static_cast<Proc *>(arg);
  if (drain(fd, &p->err_tail, p->st->options.stderr_tail_bytes)) return;
  size_t keep = p->st->options.stderr_tail_bytes;
  if (p->err_tail.size() > keep) p->err_tail.erase(0, p->err_tail.size() - keep);
  p->close_stderr();
  maybe_finish(p);
}

void on_reap(evutil_socket_t, short, void *arg) {
  auto *p = static_cast<Proc *>(arg);
  int status = 0;
  pid_t r;
  do {
    r = waitpid(p->child.pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return;  // not yet (the polling fallback)
  p->exited = true;
  if (r == p->child.pid) p->wait_status = status;
  else p->status_lost = true;  // ECHILD: reaped by someone else
  p->stop_reaper();
  if (!p->call) {
    take(p);  // cancelled earlier: this was all we waited for
    return;
  }
  maybe_finish(p);
}

// The events that watch a fresh process; false if libevent refuses one.
bool watch(Proc *p) {
  event_base *base = p->st->base;
  const CommandToolOptions &o = p->st->options;
  p->in_ev = event_new(base, p->child.stdin_fd, EV_WRITE, on_stdin, p);
  p->out_ev = event_new(base, p->child.stdout_fd, EV_READ | EV_PERSIST, on_stdout, p);
  p->err_ev = event_new(base, p->child.stderr_fd, EV_READ | EV_PERSIST, on_stderr, p);
  if (!p->in_ev || !p->out_ev || !p->err_ev) return false;
  if (event_add(p->out_ev, nullptr) != 0 || event_add(p->err_ev, nullptr) != 0) return false;
  p->pidfd = o.use_pidfd ? open_pidfd(p->child.pid) : -1;
  if (p->pidfd >= 0) {
    p->reap_ev = event_new(base, p->pidfd, EV_READ | EV_PERSIST, on_reap, p);
    if (!p->reap_ev || event_add(p->reap_ev, nullptr) != 0) return false;
  } else {
    p->reap_ev = event_new(base, -1, EV_PERSIST, on_reap, p);
    int ms = o.reap_poll_ms > 0 ? o.reap_poll_ms : 10;
    timeval tv{ms / 1000, (ms % 1000) * 1000};
    if (!p->reap_ev || event_add(p->reap_ev, &tv) != 0) return false;
  }
  return true;
}

// Blocking reap of a process that was just SIGKILLed: only at shutdown.
void reap_now(Proc *p) {
  kill_child(p->child.pid, p->exited);
  if (p->exited) return;
  int status;
  while (waitpid(p->child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  p->exited = true;
}

}  // namespace

CommandToolRunner::CommandToolRunner(std::vector<std::string> argv, event_base *base, CommandToolOptions options)
    : argv_(std::move(argv)), state_(std::make_shared<State>()) {
  state_->base = base;
  state_->options = options;
}

CommandToolRunner::~CommandToolRunner() { shutdown(); }

size_t CommandToolRunner::in_flight() const { return state_->procs.size(); }

void CommandToolRunner::start(core::Call &call) {
  if (state_->shut_down) {
    core::fail_call(call, "the context is shutting down");
    return;
  }
  auto proc = std::make_unique<Proc>();
  std::string err;
  if (!spawn_child(argv_, &proc->child, &err)) {
    core::fail_call(call, err);
    return;
  }
  Proc *p = proc.get();
  p->st = state_.get();
  p->key = state_->next_key++;
  p->program = argv_[0];
  p->input = call.args();
  int64_t cap = call.finisher->opts().max_result_bytes;
  p->max_out = cap > 0 ? static_cast<size_t>(cap) : SIZE_MAX;
  state_->procs.emplace(p->key, std::move(proc));

  if (!watch(p)) {
    reap_now(p);  // without its events it could not be reaped later
    take(p);
    core::fail_call(call, "cannot watch the command's pipes on the event loop");
    return;
  }
  p->call = core::CallRef(&call);
  state_->by_call[&call] = p;
  write_input(p);
}

void CommandToolRunner::on_call_ended_without_result(core::Call &call, int) {
  auto it = state_->by_call.find(&call);
  if (it == state_->by_call.end()) return;
  Proc *p = it->second;
  core::CallRef keep = p->call;
  let_go(p);  // SIGKILL to its process group; reaped without blocking
  core::abandon_call(*keep);
}

void CommandToolRunner::shutdown() {
  State &st = *state_;
  if (st.shut_down) return;
  st.shut_down = true;
  auto procs = std::move(st.procs);
  st.procs.clear();
  st.by_call.clear();
  for (auto &entry : procs) reap_now(entry.second.get());
  procs.clear();  // frees the events and fds, drops the calls
}

}  // namespace toolorch::tools
