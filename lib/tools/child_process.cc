#include "tools/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char **environ;

namespace toolorch::tools {
namespace {

// A pipe whose parent end is non-blocking; both ends close-on-exec (the
// child gets its end through dup2, which clears the flag on the copy).
// Ends below 3 are moved up, so that dup2 onto 0/1/2 never meets itself.
bool make_pipe(int fds[2], std::string *err) {
  if (pipe2(fds, O_CLOEXEC) != 0) {
    *err = std::string("cannot create a pipe: ") + std::strerror(errno);
    return false;
  }
  for (int i = 0; i < 2; ++i) {
    if (fds[i] >= 3) continue;
    int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
    if (moved < 0) {
      *err = std::string("cannot move a pipe fd: ") + std::strerror(errno);
      close(fds[0]);
      close(fds[1]);
      fds[0] = fds[1] = -1;
      return false;
    }
    close(fds[i]);
    fds[i] = moved;
  }
  return true;
}

bool set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

std::string spawn_error(const std::string &program, int code) {
  if (code == ENOENT) return "no such program \"" + program + "\"";
  if (code == EACCES) return "cannot run \"" + program + "\": permission denied";
  return "cannot run \"" + program + "\": " + std::strerror(code);
}

}  // namespace

void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

bool spawn_child(const std::vector<std::string> &argv, ChildProcess *out, std::string *err) {
  return spawn_child(argv, {}, out, err);
}

bool spawn_child(const std::vector<std::string> &argv, const std::vector<std::string> &env,
                 ChildProcess *out, std::string *err) {
  if (argv.empty() || argv[0].empty()) {
    *err = "the command has no program";
    return false;
  }
  int in[2] = {-1, -1}, o[2] = {-1, -1}, e[2] = {-1, -1};
  auto close_all = [&] {
    for (int *fd : {&in[0], &in[1], &o[0], &o[1], &e[0], &e[1]}) close_fd(fd);
  };
  if (!make_pipe(in, err) || !make_pipe(o, err) || !make_pipe(e, err)) {
    close_all();
    return false;
  }
  if (!set_nonblocking(in[1]) || !set_nonblocking(o[0]) || !set_nonblocking(e[0])) {
    *err = std::string("cannot make a pipe non-blocking: ") + std::strerror(errno);
    close_all();
    return false;
  }

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, o[1], 1);
  posix_spawn_file_actions_adddup2(&actions, e[1], 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  // fds another thread opened without O_CLOEXEC must not leak into the child.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#endif
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);  // a host that ignores SIGPIPE must not pass that on
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

  std::vector<char *> args;
  args.reserve(argv.size() + 1);
  for (const std::string &a : argv) args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);

  // The environment: ours, with the given entries replacing same-named ones.
  std::vector<char *> envp;
  for (char **e = environ; e && *e; ++e) {
    const char *eq = strchr(*e, '=');
    size_t klen = eq ? static_cast<size_t>(eq - *e) : strlen(*e);
    bool replaced = false;
    for (const std::string &kv : env) replaced = replaced || (kv.size() > klen && kv[klen] == '=' && kv.compare(0, klen, *e, klen) == 0);
    if (!replaced) envp.push_back(*e);
  }
  for (const std::string &kv : env) envp.push_back(const_cast<char *>(kv.c_str()));
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), env.empty() ? environ : envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close_fd(&in[0]);
  close_fd(&o[1]);
  close_fd(&e[1]);
  if (rc != 0) {
    *err = spawn_error(argv[0], rc);
    close_all();
    return false;
  }
  out->pid = pid;
  out->stdin_fd = in[1];
  out->stdout_fd = o[0];
  out->stderr_fd = e[0];
  return true;
}

void kill_child(pid_t pid, bool reaped) {
  if (pid <= 0) return;
  killpg(pid, SIGKILL);
  if (!reaped) kill(pid, SIGKILL);  // in case it left its group
}

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  long fd = syscall(SYS_pidfd_open, pid, 0);
  return fd < 0 ? -1 : static_cast<int>(fd);
#else
  (void)pid;
  return -1;
#endif
}

ssize_t write_no_sigpipe(int fd, const char *data, size_t len) {
  // A pipe has no MSG_NOSIGNAL: block SIGPIPE on this thread around the
  // write, and swallow the one it raised unless one was pending already.
  sigset_t pipe_set, old, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  ssize_t n = write(fd, data, len);
  int saved = errno;
  if (n < 0 && saved == EPIPE && !was_pending) {
    timespec zero{0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return n;
}

std::string describe_exit(int wait_status, std::string_view stderr_tail) {
  std::string text;
  if (WIFEXITED(wait_status)) {
    text = "command exited with status " + std::to_string(WEXITSTATUS(wait_status));
  } else if (WIFSIGNALED(wait_status)) {
    int sig = WTERMSIG(wait_status);
    const char *name = strsignal(sig);
    text = "command killed by signal " + std::to_string(sig);
    if (name) text += std::string(" (") + name + ")";
  } else {
    text = "command ended with wait status " + std::to_string(wait_status);
  }
  while (!stderr_tail.empty() && (stderr_tail.back() == '\n' || stderr_tail.back() == '\r' ||
                                  stderr_tail.back() == ' ' || stderr_tail.back() == '\t'))
    stderr_tail.remove_suffix(1);
  if (!stderr_tail.empty()) {
    text += ": ";
    text.append(stderr_tail);
  }
  return text;
}

}  // namespace toolorch::tools
