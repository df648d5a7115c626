// An MCP server run as a child process: newline-delimited JSON-RPC on its
// stdin and stdout, its stderr handed over line by line (and its last lines
// kept for errors). Started without a shell (posix_spawnp, a process group
// of its own); every pipe is non-blocking and watched by libevent on the
// loop, so a server that stops reading never stalls anything else: what it
// has not taken waits in memory. The process is SIGKILLed and reaped by
// close().
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "mcp/transport.h"
#include "tools/child_process.h"

struct event_base;
struct event;

namespace toolorch::mcp {

class StdioTransport final : public Transport {
 public:
  StdioTransport(event_base *base, std::vector<std::string> argv, std::vector<std::string> env,
                 TransportHandler *handler);
  ~StdioTransport() override;

  bool start(std::string *err) override;
  void send(std::string text, int64_t id, const std::string &method, const std::string &name) override;
  bool abort_request(int64_t) override { return false; }
  void set_revision(const std::string &) override {}
  void close() override;
  std::string stderr_tail() const override;

  pid_t pid() const { return child_.pid; }

 private:
  static void on_stdin(int fd, short what, void *self);
  static void on_stdout(int fd, short what, void *self);
  static void on_stderr(int fd, short what, void *self);
  static void on_exit(int fd, short what, void *self);
  void flush();
  void read_stdout();
  void read_stderr();
  void reaped(int wait_status);
  void release_fds();

  event_base *base_;
  std::vector<std::string> argv_, env_;
  TransportHandler *handler_;
  tools::ChildProcess child_;
  int pidfd_ = -1;
  event *in_ev_ = nullptr, *out_ev_ = nullptr, *err_ev_ = nullptr, *exit_ev_ = nullptr;
  std::string out_buf_;           // stdin bytes not yet written
  std::string line_;              // stdout bytes of an incomplete line
  std::string err_line_;          // stderr bytes of an incomplete line
  std::deque<std::string> tail_;  // the last stderr lines
  bool running_ = false, exited_ = false, closed_ = false;
};

}  // namespace toolorch::mcp
