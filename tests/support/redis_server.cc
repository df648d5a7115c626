#include "redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace toolorch::test {
namespace {

std::string find_redis_server() {
  const char *env = std::getenv("TOOLORCH_REDIS_SERVER");
  if (env && *env) return access(env, X_OK) == 0 ? env : "";
  const char *path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  dirs += ":/usr/sbin:/usr/local/sbin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string cand = dirs.substr(start, end - start) + "/redis-server";
    if (end > start && access(cand.c_str(), X_OK) == 0) return cand;
    start = end + 1;
  }
  return "";
}

void sleep_ms(int ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, nullptr);
}

}  // namespace

int free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

RedisServer::~RedisServer() { stop(); }

bool RedisServer::start(std::string *err) {
  if (pid_ > 0) return true;
  // A port found free may be taken before the server binds it: try a few.
  for (int attempt = 0; attempt < 5; ++attempt) {
    bool fresh_port = port_ == 0;
    if (fresh_port) port_ = free_loopback_port();
    if (port_ == 0) {
      if (err) *err = "no free loopback port";
      return false;
    }
    if (launch(err)) return true;
    if (pid_ == -2) return false;  // no binary: retrying cannot help
    if (!fresh_port) return false;  // a restart keeps its port
    port_ = 0;
  }
  return false;
}

bool RedisServer::launch(std::string *err) {
  std::string bin = find_redis_server();
  if (bin.empty()) {
    pid_ = -2;
    if (err)
      *err = "redis-server not found (install the redis-server package, or set TOOLORCH_REDIS_SERVER): "
             "the Redis tests cannot run without it";
    return false;
  }
  std::string port = std::to_string(port_);
  // Built before fork: the child only execs.
  std::vector<const char *> argv = {bin.c_str(), "--port", port.c_str(), "--bind", "127.0.0.1", "--save", "",
                                    "--appendonly", "no", "--daemonize", "no", "--dir", dir_.c_str(),
                                    "--loglevel", "warning"};
  for (const std::string &a : extra_args_) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    if (err) *err = std::string("fork: ") + std::strerror(errno);
    pid_ = -1;
    return false;
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, 0);
      dup2(devnull, 1);
    }
    execv(bin.c_str(), const_cast<char *const *>(argv.data()));
    _exit(127);
  }
  pid_ = pid;
  // Wait until PING answers (or the child died: port taken, bad binary).
  for (int i = 0; i < 400; ++i) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (err) *err = "redis-server exited at start (port " + port + " taken?)";
      return false;
    }
    std::string pong;
    if (command({"PING"}, &pong) && pong == "PONG") return true;
    sleep_ms(50);
  }
  if (err) *err = "redis-server did not answer PING within 20 s";
  kill();
  return false;
}

void RedisServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGCONT);  // a frozen server could not act on SIGTERM
  ::kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void RedisServer::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void RedisServer::freeze() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void RedisServer::thaw() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

bool RedisServer::command(const std::vector<std::string> &argv, std::string *out) const {
  timeval tv{2, 0};
  redisContext *c = redisConnectWithTimeout("127.0.0.1", port_, tv);
  if (!c || c->err) {
    if (out) *out = c ? c->errstr : "cannot connect";
    if (c) redisFree(c);
    return false;
  }
  redisSetTimeout(c, tv);
  std::vector<const char *> args;
  std::vector<size_t> lens;
  for (const auto &a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  auto *r = static_cast<redisReply *>(redisCommandArgv(c, static_cast<int>(args.size()), args.data(), lens.data()));
  bool ok = r && r->type != REDIS_REPLY_ERROR;
  std::string text;
  if (!r) {
    text = c->errstr;
  } else if (r->type == REDIS_REPLY_ARRAY) {
    for (size_t i = 0; i < r->elements; ++i) {
      if (i) text += '\n';
      const redisReply *e = r->element[i];
      text += e->type == REDIS_REPLY_INTEGER ? std::to_string(e->integer) : std::string(e->str ? e->str : "", e->len);
    }
  } else if (r->type == REDIS_REPLY_INTEGER) {
    text = std::to_string(r->integer);
  } else if (r->str) {
    text.assign(r->str, r->len);
  }
  if (out) *out = text;
  if (r) freeReplyObject(r);
  redisFree(c);
  return ok;
}

}  // namespace toolorch::test
