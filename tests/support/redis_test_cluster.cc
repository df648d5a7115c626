#include "redis_test_cluster.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace toolorch::test {
namespace {

void sleep_ms(int ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, nullptr);
}

// redis-cli beside $TOOLORCH_REDIS_SERVER, else on PATH.
std::string find_redis_cli() {
  const char *env = std::getenv("TOOLORCH_REDIS_SERVER");
  if (env && *env) {
    std::string dir(env);
    size_t slash = dir.rfind('/');
    std::string cand = (slash == std::string::npos ? std::string(".") : dir.substr(0, slash)) + "/redis-cli";
    if (access(cand.c_str(), X_OK) == 0) return cand;
  }
  const char *path = std::getenv("PATH");
  std::string dirs = std::string(path ? path : "/usr/local/bin:/usr/bin:/bin") + ":/usr/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string cand = dirs.substr(start, end - start) + "/redis-cli";
    if (end > start && access(cand.c_str(), X_OK) == 0) return cand;
    start = end + 1;
  }
  return "";
}

// Runs argv, its output into log_path; the exit status, or -1.
int run(const std::vector<std::string> &args, const std::string &log_path) {
  std::vector<const char *> argv;
  for (const auto &a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull >= 0) dup2(devnull, 0);
    if (log >= 0) {
      dup2(log, 1);
      dup2(log, 2);
    }
    execv(argv[0], const_cast<char *const *>(argv.data()));
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_file(const std::string &path) {
  std::string out;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

std::string info_field(const std::string &info, const std::string &key) {
  size_t at = info.find(key + ":");
  if (at == std::string::npos) return "";
  size_t end = info.find_first_of("\r\n", at);
  return info.substr(at + key.size() + 1, end == std::string::npos ? std::string::npos : end - at - key.size() - 1);
}

}  // namespace

RedisTestCluster::~RedisTestCluster() {
  nodes_.clear();  // stops every server
  if (dir_.empty()) return;
  if (DIR *d = opendir(dir_.c_str())) {
    while (dirent *e = readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") unlink((dir_ + "/" + name).c_str());
    }
    closedir(d);
  }
  rmdir(dir_.c_str());
}

bool RedisTestCluster::start(int masters, std::string *err) {
  std::string cli = find_redis_cli();
  if (cli.empty()) {
    if (err) *err = "redis-cli not found (install the redis-server package): the cluster cannot be created";
    return false;
  }
  char tmpl[] = "/tmp/toolorch-cluster-XXXXXX";
  if (!mkdtemp(tmpl)) {
    if (err) *err = std::string("mkdtemp: ") + std::strerror(errno);
    return false;
  }
  dir_ = tmpl;
  std::vector<std::string> create = {cli, "--cluster", "create"};
  for (int i = 0; i < masters; ++i) {
    auto n = std::make_unique<RedisServer>();
    n->set_dir(dir_);
    // The bus port is given explicitly: the default (port + 10000) may be
    // taken or beyond 65535.
    n->set_extra_args({"--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + std::to_string(i) + ".conf",
                       "--cluster-port", std::to_string(free_loopback_port()), "--cluster-node-timeout", "2000",
                       "--cluster-require-full-coverage", "no"});
    if (!n->start(err)) return false;
    create.push_back("127.0.0.1:" + std::to_string(n->port()));
    nodes_.push_back(std::move(n));
  }
  create.insert(create.end(), {"--cluster-replicas", "0", "--cluster-yes"});
  std::string log = dir_ + "/create.log";
  int rc = run(create, log);
  if (rc != 0) {
    if (err) *err = "redis-cli --cluster create failed (exit " + std::to_string(rc) + "): " + read_file(log);
    return false;
  }
  return wait_ok(err);
}

bool RedisTestCluster::wait_ok(std::string *err) const {
  std::string last;
  for (int i = 0; i < 600; ++i) {
    bool all = true;
    for (const auto &n : nodes_) {
      std::string info;
      if (!n->command({"CLUSTER", "INFO"}, &info) || info_field(info, "cluster_state") != "ok" ||
          info_field(info, "cluster_known_nodes") != std::to_string(nodes_.size()) ||
          info_field(info, "cluster_slots_ok") != "16384") {
        all = false;
        last = info;
        break;
      }
    }
    if (all) return true;
    sleep_ms(50);
  }
  if (err) *err = "the cluster did not reach cluster_state:ok within 30 s; last CLUSTER INFO: " + last;
  return false;
}

std::string RedisTestCluster::url() const {
  std::string u = "redis+cluster://";
  for (size_t i = 0; i < nodes_.size(); ++i) u += (i ? ",127.0.0.1:" : "127.0.0.1:") + std::to_string(nodes_[i]->port());
  return u;
}

int RedisTestCluster::owner_of_slot(int slot) const {
  for (const auto &asked : nodes_) {
    std::string text;
    if (!asked->running() || !asked->command({"CLUSTER", "NODES"}, &text)) continue;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream f(line);
      std::vector<std::string> w;
      for (std::string x; f >> x;) w.push_back(x);
      if (w.size() < 9 || w[2].find("master") == std::string::npos) continue;
      std::string addr = w[1].substr(0, w[1].find('@'));
      int port = std::atoi(addr.substr(addr.rfind(':') + 1).c_str());
      for (size_t k = 8; k < w.size(); ++k) {
        if (w[k][0] == '[') continue;
        int lo = std::atoi(w[k].c_str()), hi = lo;
        size_t dash = w[k].find('-');
        if (dash != std::string::npos) hi = std::atoi(w[k].c_str() + dash + 1);
        if (slot < lo || slot > hi) continue;
        for (size_t n = 0; n < nodes_.size(); ++n)
          if (nodes_[n]->port() == port) return static_cast<int>(n);
      }
    }
    return -1;
  }
  return -1;
}

}  // namespace toolorch::test
