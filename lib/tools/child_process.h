// Starting a program directly (posix_spawnp, never a shell) with its stdin,
// stdout and stderr connected to pipes, and the OS-level helpers around it.
// No libevent here: command_tool.cc watches the fds.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace toolorch::tools {

struct ChildProcess {
  pid_t pid = -1;
  // The parent's ends, non-blocking and close-on-exec.
  int stdin_fd = -1;   // write the input here
  int stdout_fd = -1;  // read the output here
  int stderr_fd = -1;
};

// Start argv[0] (looked up in PATH) in a process group of its own (so that a
// kill reaches what it starts too), with default signal dispositions, an
// empty signal mask and no fd of ours but the three pipes. False with a
// reason such as `no such program "x"` in *err.
bool spawn_child(const std::vector<std::string> &argv, ChildProcess *out, std::string *err);
// The same with "KEY=value" entries added to (or replacing those of) this
// process's environment.
bool spawn_child(const std::vector<std::string> &argv, const std::vector<std::string> &env,
                 ChildProcess *out, std::string *err);

// SIGKILL the child's process group, and the child itself unless it has
// been reaped already (reaped = true). The group outlives its leader: what
// the child started and left in the group (`sh -c "sleep 987 &"`) is
// killed even after the child exited. Safe after the reap because Linux
// never hands out a pid while a process group of that id still exists; once
// the group is empty, killpg finds nothing (ESRCH).
void kill_child(pid_t pid, bool reaped = false);

// Close *fd if open and set it to -1.
void close_fd(int *fd);

// A pidfd for pid (readable once it exits), or -1 where the kernel has none.
int open_pidfd(pid_t pid);

// write() that never raises SIGPIPE in this process: EPIPE comes back as
// errno instead. Returns what write() returns.
ssize_t write_no_sigpipe(int fd, const char *data, size_t len);

// "command exited with status 3: oops" / "command killed by signal 9 (Killed)".
std::string describe_exit(int wait_status, std::string_view stderr_tail);

}  // namespace toolorch::tools
