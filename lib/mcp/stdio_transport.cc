#include "mcp/stdio_transport.h"

#include <toolorch/status.h>

#include <event2/event.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace toolorch::mcp {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
constexpr int kReadsPerWakeup = 16;        // then let the loop's other work run
constexpr size_t kMaxLineBytes = 32u << 20;  // one message; past it the line is garbage
constexpr size_t kTailLines = 20;
constexpr size_t kMaxStderrLine = 1024;

json::Limits message_limits() {
  json::Limits l;
  l.max_bytes = kMaxLineBytes;
  return l;
}

}  // namespace

StdioTransport::StdioTransport(event_base *base, std::vector<std::string> argv, std::vector<std::string> env,
                               TransportHandler *handler)
    : base_(base), argv_(std::move(argv)), env_(std::move(env)), handler_(handler) {}

StdioTransport::~StdioTransport() { close(); }

bool StdioTransport::start(std::string *err) {
  if (!tools::spawn_child(argv_, env_, &child_, err)) return false;
  running_ = true;
  in_ev_ = event_new(base_, child_.stdin_fd, EV_WRITE, on_stdin, this);
  out_ev_ = event_new(base_, child_.stdout_fd, EV_READ | EV_PERSIST, on_stdout, this);
  err_ev_ = event_new(base_, child_.stderr_fd, EV_READ | EV_PERSIST, on_stderr, this);
  pidfd_ = tools::open_pidfd(child_.pid);
  exit_ev_ = event_new(base_, pidfd_, pidfd_ >= 0 ? EV_READ | EV_PERSIST : EV_PERSIST, on_exit, this);
  timeval poll{0, 50 * 1000};  // where the kernel has no pidfd: waitpid(WNOHANG) on a timer
  if (!in_ev_ || !out_ev_ || !err_ev_ || !exit_ev_ || event_add(out_ev_, nullptr) != 0 ||
      event_add(err_ev_, nullptr) != 0 || event_add(exit_ev_, pidfd_ >= 0 ? nullptr : &poll) != 0) {
    *err = "cannot watch the MCP server's pipes on the event loop";
    close();
    return false;
  }
  return true;
}

void StdioTransport::send(std::string text, int64_t, const std::string &, const std::string &) {
  if (closed_ || child_.stdin_fd < 0) return;
  out_buf_ += text;
  out_buf_ += '\n';
  flush();
}

void StdioTransport::flush() {
  while (!out_buf_.empty()) {
    ssize_t n = tools::write_no_sigpipe(child_.stdin_fd, out_buf_.data(), out_buf_.size());
    if (n > 0) {
      out_buf_.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      event_add(in_ev_, nullptr);  // the server is busy: write the rest when it reads
      return;
    }
    // EPIPE: the server closed its stdin; its exit tells the rest.
    out_buf_.clear();
    return;
  }
}

void StdioTransport::on_stdin(int, short, void *self) { static_cast<StdioTransport *>(self)->flush(); }

void StdioTransport::on_stdout(int, short, void *self) { static_cast<StdioTransport *>(self)->read_stdout(); }

void StdioTransport::read_stdout() {
  char buf[kReadChunk];
  for (int i = 0; i < kReadsPerWakeup && !closed_; ++i) {
    ssize_t n = read(child_.stdout_fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {  // end of its output: the exit (reaped) says why
      event_del(out_ev_);
      return;
    }
    size_t start = 0;
    for (size_t j = 0; j < static_cast<size_t>(n) && !closed_; ++j) {
      if (buf[j] != '\n') continue;
      line_.append(buf + start, j - start);
      start = j + 1;
      std::string line = std::move(line_);
      line_.clear();
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      std::string perr;
      json::Ptr msg = json::parse(line, message_limits(), &perr);
      if (msg) handler_->on_message(msg.get());
      else handler_->on_garbage("a line that is not JSON (" + perr + "): " + line.substr(0, 200));
    }
    if (closed_) return;
    line_.append(buf + start, static_cast<size_t>(n) - start);
    if (line_.size() > kMaxLineBytes) {
      line_.clear();
      handler_->on_garbage("a line longer than " + std::to_string(kMaxLineBytes) + " bytes");
    }
  }
}

void StdioTransport::on_stderr(int, short, void *self) { static_cast<StdioTransport *>(self)->read_stderr(); }

void StdioTransport::read_stderr() {
  char buf[4096];
  ssize_t n;
  while ((n = read(child_.stderr_fd, buf, sizeof buf)) != 0 && !closed_) {
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) event_del(err_ev_);
      return;
    }
    for (ssize_t j = 0; j < n && !closed_; ++j) {
      if (buf[j] != '\n') {
        if (err_line_.size() < kMaxStderrLine) err_line_ += buf[j];
        continue;
      }
      tail_.push_back(std::move(err_line_));
      err_line_.clear();
      if (tail_.size() > kTailLines) tail_.pop_front();
      handler_->on_stderr_line(tail_.back());
    }
  }
  if (!closed_) event_del(err_ev_);  // end of stderr
}

void StdioTransport::on_exit(int, short, void *self) {
  auto *t = static_cast<StdioTransport *>(self);
  int status = 0;
  pid_t r;
  do {
    r = waitpid(t->child_.pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return;  // not yet (the polling fallback)
  t->reaped(r == t->child_.pid ? status : 0);
}

void StdioTransport::reaped(int wait_status) {
  exited_ = true;
  running_ = false;
  // What it wrote before it went still counts.
  read_stdout();
  if (!closed_ && child_.stderr_fd >= 0) read_stderr();
  if (closed_) return;
  if (!err_line_.empty()) {
    tail_.push_back(std::move(err_line_));
    err_line_.clear();
  }
  std::string why = tools::describe_exit(wait_status, "");
  release_fds();
  closed_ = true;
  handler_->on_closed(why);
}

void StdioTransport::release_fds() {
  for (event **ev : {&in_ev_, &out_ev_, &err_ev_, &exit_ev_}) {
    if (*ev) event_free(*ev);
    *ev = nullptr;
  }
  tools::close_fd(&child_.stdin_fd);
  tools::close_fd(&child_.stdout_fd);
  tools::close_fd(&child_.stderr_fd);
  tools::close_fd(&pidfd_);
}

void StdioTransport::close() {
  closed_ = true;
  release_fds();
  if (running_ && !exited_) {
    tools::kill_child(child_.pid);
    int status;
    while (waitpid(child_.pid, &status, 0) < 0 && errno == EINTR) {
    }
    exited_ = true;
  }
  running_ = false;
}

std::string StdioTransport::stderr_tail() const {
  std::string out;
  for (const std::string &l : tail_) {
    if (!out.empty()) out += '\n';
    out += l;
  }
  return out;
}

}  // namespace toolorch::mcp
