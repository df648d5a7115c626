// A real redis-server for tests, started by the test itself on a free
// loopback port and stopped when the object goes away. Nothing is skipped:
// if redis-server is missing, start() fails with a message saying so, and
// the test must fail loudly on it.
//
//   toolorch::test::RedisServer redis;
//   if (!redis.start(&err)) fail_msg("%s", err.c_str());
//   ... redis.url() is "redis://127.0.0.1:<port>/0" ...
//   redis.kill();            // a crash, mid-run
//   redis.start(&err);       // back, on the same port
//
// The binary is $TOOLORCH_REDIS_SERVER if set, else redis-server on PATH.
// Started with --save '' --appendonly no (nothing on disk) and bound to
// 127.0.0.1 only. The child dies with the test process (PDEATHSIG).
// Not thread-safe: one thread drives it.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace toolorch::test {

class RedisServer {
 public:
  RedisServer() = default;
  ~RedisServer();
  RedisServer(const RedisServer &) = delete;
  RedisServer &operator=(const RedisServer &) = delete;

  // Starts it and waits until it answers PING (up to 20 s). The first start
  // picks a free port; later starts reuse it.
  bool start(std::string *err);
  // SIGTERM and wait; a no-op when not running.
  void stop();
  // SIGKILL and wait: a crash as the clients see it.
  void kill();
  // SIGSTOP / SIGCONT: a server that hangs without closing its sockets.
  void freeze();
  void thaw();
  bool running() const { return pid_ > 0; }
  // Arguments added to the command line of the next start() (e.g.
  // {"--cluster-enabled", "yes"}); the working directory of the server
  // ("--dir", default /tmp).
  void set_extra_args(std::vector<std::string> args) { extra_args_ = std::move(args); }
  void set_dir(std::string dir) { dir_ = std::move(dir); }
  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

  // One command over a short-lived blocking connection (test side only,
  // never on a loop). The reply: a string, an integer as text, or an
  // array's elements joined with '\n'. False with *out = the error.
  bool command(const std::vector<std::string> &argv, std::string *out) const;

 private:
  bool launch(std::string *err);
  int port_ = 0;
  pid_t pid_ = -1;
  std::vector<std::string> extra_args_;
  std::string dir_ = "/tmp";
};

// A free TCP port on 127.0.0.1 (bound once to port 0, then released).
int free_loopback_port();

}  // namespace toolorch::test
