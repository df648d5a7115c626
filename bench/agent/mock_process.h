// The scripted LLM server as a separate process (toolorch-mockllm), so that
// the bench's own process CPU is the library's, and the server's CPU is read
// from its rusage when it exits.
#pragma once

#include <sys/types.h>

#include <string>

namespace bench {

class MockProcess {
 public:
  // binary: the toolorch-mockllm program; dir: a private folder for the
  // script and the port file.
  MockProcess(std::string binary, std::string dir);
  ~MockProcess();  // stop()s
  MockProcess(const MockProcess &) = delete;
  MockProcess &operator=(const MockProcess &) = delete;

  // Writes the script, starts the server and waits (up to 10 s) until it
  // has written its port. False with *err otherwise.
  bool start(const std::string &script_json, std::string *err);
  // SIGTERM, then reap it; returns its CPU (user + system) in ms, or -1.
  double stop();

  int port() const { return port_; }
  std::string url() const;

 private:
  std::string binary_, dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace bench
