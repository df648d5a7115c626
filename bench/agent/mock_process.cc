#include "mock_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace bench {
namespace {

bool write_file(const std::string &path, const std::string &text) {
  std::ofstream out(path, std::ios::trunc | std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

int read_port(const std::string &path) {
  std::ifstream in(path);
  int port = 0;
  if (in >> port) return port;
  return 0;
}

}  // namespace

MockProcess::MockProcess(std::string binary, std::string dir) : binary_(std::move(binary)), dir_(std::move(dir)) {}

MockProcess::~MockProcess() { stop(); }

std::string MockProcess::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

bool MockProcess::start(const std::string &script_json, std::string *err) {
  const std::string script = dir_ + "/script.json", port_file = dir_ + "/port";
  unlink(port_file.c_str());
  if (!write_file(script, script_json)) {
    *err = "cannot write " + script;
    return false;
  }
  pid_ = fork();
  if (pid_ < 0) {
    *err = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  if (pid_ == 0) {
    int null_fd = open("/dev/null", O_WRONLY);
    if (null_fd >= 0) dup2(null_fd, STDOUT_FILENO);  // its "listening on" line; errors stay on stderr
    execl(binary_.c_str(), binary_.c_str(), "--script", script.c_str(), "--port-file", port_file.c_str(),
          static_cast<char *>(nullptr));
    std::fprintf(stderr, "bench: cannot run %s: %s\n", binary_.c_str(), std::strerror(errno));
    _exit(127);
  }
  for (int i = 0; i < 10000; ++i) {
    if ((port_ = read_port(port_file)) > 0) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      *err = binary_ + " exited before listening";
      return false;
    }
    timespec ms{0, 1000000};
    nanosleep(&ms, nullptr);
  }
  *err = binary_ + " wrote no port within 10 s";
  stop();
  return false;
}

double MockProcess::stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  rusage ru{};
  pid_t got;
  do {
    got = wait4(pid_, &status, 0, &ru);
  } while (got < 0 && errno == EINTR);
  pid_ = -1;
  if (got < 0) return -1;
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

}  // namespace bench
