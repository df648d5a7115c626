// toolorch-mockllm: the scripted LLM server as a program.
//   toolorch-mockllm [--port N] [--host ADDR] [--script FILE] [--port-file FILE] [--stats-on-exit]
// Prints "listening on 127.0.0.1:PORT" once it accepts connections; stops
// cleanly on SIGINT or SIGTERM.
#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "mockllm/mock_server.h"

namespace {

void usage() {
  std::fprintf(stderr,
               "usage: toolorch-mockllm [--port N] [--host ADDR] [--script FILE] [--port-file FILE] "
               "[--stats-on-exit]\n"
               "  --port N         port to listen on (0, the default: a free port)\n"
               "  --host ADDR      address to bind (default 127.0.0.1)\n"
               "  --script FILE    the JSON script to play (see SCRIPT.md)\n"
               "  --port-file FILE write the port there once listening\n"
               "  --stats-on-exit  print GET /stats to stderr when stopping\n");
}

bool read_file(const std::string &path, std::string *out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// Written to a temporary name and renamed, so a watcher never reads half a number.
bool write_port_file(const std::string &path, int port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << port << "\n";
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// Benchmarks hold a thousand connections open: lift the soft descriptor limit.
void raise_fd_limit() {
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

int main(int argc, char **argv) {
  toolorch::mockllm::Options opts;
  std::string script_file, port_file;
  bool stats_on_exit = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char *name) -> const char * {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "toolorch-mockllm: %s needs a value\n", name);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--port") {
      char *end = nullptr;
      const long p = std::strtol(value("--port"), &end, 10);
      if (!end || *end || p < 0 || p > 65535) {
        std::fprintf(stderr, "toolorch-mockllm: --port must be 0..65535\n");
        return 2;
      }
      opts.port = static_cast<int>(p);
    } else if (a == "--host") {
      opts.host = value("--host");
    } else if (a == "--script") {
      script_file = value("--script");
    } else if (a == "--port-file") {
      port_file = value("--port-file");
    } else if (a == "--stats-on-exit") {
      stats_on_exit = true;
    } else if (a == "--help" || a == "-h") {
      usage();
      return 0;
    } else {
      std::fprintf(stderr, "toolorch-mockllm: unknown argument %s\n", a.c_str());
      usage();
      return 2;
    }
  }
  if (!script_file.empty() && !read_file(script_file, &opts.script_json)) {
    std::fprintf(stderr, "toolorch-mockllm: cannot read %s: %s\n", script_file.c_str(), std::strerror(errno));
    return 1;
  }

  // Block the stop signals before the server thread starts (it inherits the
  // mask); this thread waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();

  std::string err;
  auto server = toolorch::mockllm::Server::start(opts, &err);
  if (!server) {
    std::fprintf(stderr, "toolorch-mockllm: %s\n", err.c_str());
    return 1;
  }
  if (!port_file.empty() && !write_port_file(port_file, server->port())) {
    std::fprintf(stderr, "toolorch-mockllm: cannot write %s\n", port_file.c_str());
    return 1;
  }
  std::printf("listening on %s:%d\n", opts.host.c_str(), server->port());
  std::fflush(stdout);

  int sig = 0;
  while (sigwait(&stop_signals, &sig) != 0) {
  }
  if (stats_on_exit) std::fprintf(stderr, "%s\n", server->stats_json().c_str());
  server->stop();
  return 0;
}
