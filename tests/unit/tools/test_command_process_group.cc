// A command tool's process group dies with the call (tool.h's promise), even
// when the direct child has already exited and only a grandchild it left in
// the group keeps running (issue 9, defect 1): `sh -c "sleep 987 & ..."`.
#include <signal.h>

#include "tools_test_util.h"

using namespace tools_test;

namespace {

// The shell starts `sleep 987` in the background (same process group),
// writes its pid, says "started" and exits; sleep keeps stdout open, so the
// call can only end by its timeout or a cancel.
std::string leave_a_grandchild(const std::string &pidfile) {
  return "[\"sh\", \"-c\", \"echo $$ > " + pidfile + ".sh; sleep 987 & echo $! > " + pidfile + ".tmp; mv " +
         pidfile + ".tmp " + pidfile + "; echo started\"]";
}

// Gone, or a zombie waiting for whatever reaper inherited it: either way
// killed. Kills it here if it survived, so a failing test leaves nothing.
bool grandchild_died(pid_t pid) {
  bool died = eventually([&] {
    char s = process_state(pid);
    return s == 0 || s == 'Z';
  });
  if (!died) kill(pid, SIGKILL);
  return died;
}

void timeout_kills_the_grandchild(void **) {
  std::string dir = temp_dir();
  std::string pidfile = dir + "/pid";
  toolorch_ctx *ctx = new_ctx();
  add_command_tool(ctx, "bg", leave_a_grandchild(pidfile), 1000);
  Result r = run_one(ctx, "bg", "{}");
  assert_int_equal(r.state, TOOLORCH_CALL_TIMED_OUT);
  std::string text = read_file(pidfile);
  assert_false(text.empty());  // the shell ran long before a 1 s timeout
  pid_t pid = std::stoi(text);
  assert_true(grandchild_died(pid));
  toolorch_free(ctx);
  unlink(pidfile.c_str());
  unlink((pidfile + ".sh").c_str());
  rmdir(dir.c_str());
}

void cancel_kills_the_grandchild(void **) {
  std::string dir = temp_dir();
  std::string pidfile = dir + "/pid";
  toolorch_ctx *ctx = new_ctx();
  add_command_tool(ctx, "bg", leave_a_grandchild(pidfile));
  toolorch_batch *b = submit_batch(ctx, "bg", {"{}"});
  assert_true(eventually([&] { return !read_file(pidfile).empty(); }));
  pid_t pid = std::stoi(read_file(pidfile));
  // Cancel only once the shell itself has exited and been reaped.
  pid_t sh = std::stoi(read_file(pidfile + ".sh"));
  assert_true(eventually([&] { return process_state(sh) == 0; }));
  assert_int_equal(toolorch_batch_cancel(b), TOOLORCH_OK);
  std::vector<Result> r = collect(ctx, b);
  assert_int_equal(r.size(), 1);
  assert_int_equal(r[0].state, TOOLORCH_CALL_CANCELLED);
  assert_true(grandchild_died(pid));
  toolorch_batch_free(b);
  toolorch_free(ctx);
  unlink(pidfile.c_str());
  unlink((pidfile + ".sh").c_str());
  rmdir(dir.c_str());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(timeout_kills_the_grandchild),
      cmocka_unit_test(cancel_kills_the_grandchild),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
