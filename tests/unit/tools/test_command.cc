// Command tools (toolorch_tool_set_command): stdin/stdout, exit statuses,
// stderr in the error, kill and reap on cancel and timeout, spawn errors,
// many at once, big inputs and outputs; no zombie and no fd left behind.
#include <event2/event.h>

#include <toolorch/toolorch_libevent.h>

#include "tools_test_util.h"

using namespace tools_test;

namespace {

void cat_echoes_the_arguments(void **) {
  toolorch_ctx *ctx = new_ctx();
  add_command_tool(ctx, "cat", "[\"cat\"]");
  Result r = run_one(ctx, "cat", "{\"question\":\"why\",\"n\":[1,2,3]}");
  assert_int_equal(r.state, TOOLORCH_CALL_SUCCEEDED);
  assert_string_equal(r.text.c_str(), "{\"question\":\"why\",\"n\":[1,2,3]}");
  toolorch_free(ctx);
}

void false_fails(void **) {
  toolorch_ctx *ctx = new_ctx();
  add_command_tool(ctx, "false", "[\"false\"]");
  Result r = run_one(ctx, "false", "{}");
  assert_int_equal(r.state, TOOLORCH_CALL_FAILED);
  assert_int_equal(r.status, TOOLORCH_ETOOL);
  assert_string_equal(r.text.c_str(), "command exited with status 1");
  toolorch_free(ctx);
}

// The test uses sh as its program; the library itself never adds a shell.
void status_and_stderr_in_the_error(void **) {
  toolorch_ctx *ctx = new_ctx();
  add_command_tool(ctx, "oops", "[\"sh\", \"-c\", \"echo partial; echo oops >&2; exit 3\"]");
  Result r = run_one(ctx, "oops", "{}");
  assert_int_equal(r.state, TOOLORCH_CALL_FAILED);
  assert_string_equal(r.text.c_str(), "command exited with status 3: oops");

  add_command_tool(ctx, "killed", "[\"sh\", \"-c\", \"kill -TERM $$\"]");
  r = run_one(ctx, "killed", "{}");
  assert_int_equal(r.state, TOOLORCH_CALL_FAILED);
  assert_true(contains(r.text, "killed by signal 15"));
  toolorch_free(ctx);
}

// Arguments are never interpreted by a shell: they are the stdin bytes, and
// argv elements reach the program verbatim.
void no_shell_ever(void **) {
  toolorch_ctx *ctx = new_ctx();
  add_command_tool(ctx, "printf", "[\"printf\", \"%s|%s\", \"$(id)\", \"a b;c\"]");
  Result r = run_one(ctx, "printf", "{\"x\":\"$(rm -rf /); `id`\"}");
  assert_int_equal(r.state, TOOLORCH_CALL_SUCCEEDED);
  assert_string_equal(r.text.c_str(), "$(id)|a b;c");
  toolorch_free(ctx);
}

void missing_program_fails_clearly(void **) {
  toolorch_ctx *ctx = new_ctx();
  add_command_tool(ctx, "nope", "[\"toolorch-no-such-program-x\", \"arg\"]");
  Result r = run_one(ctx, "nope", "{}");
  assert_int_equal(r.state, TOOLORCH_CALL_FAILED);
  assert_string_equal(r.text.c_str(), "no such program \"toolorch-no-such-program-x\"");
  toolorch_free(ctx);
}

// Cancelled while `sleep 30` runs: the call ends cancelled at once, the
// process is killed and reaped (gone from /proc, not a zombie).
void cancel_kills_and_reaps(void **) {
  std::string dir = temp_dir();
  std::string pidfile = dir + "/pid";
  toolorch_ctx *ctx = new_ctx();
  add_command_tool(ctx, "sleeper", "[\"sh\", \"-c\", \"echo $$ > " + pidfile + ".tmp; mv " + pidfile + ".tmp " +
                                       pidfile + "; exec sleep 30\"]");
  toolorch_batch *b = submit_batch(ctx, "sleeper", {"{}"});
  assert_true(eventually([&] { return !read_file(pidfile).empty(); }));
  pid_t pid = std::stoi(read_file(pidfile));
  assert_true(eventually([&] { return process_state(pid) == 'S'; }));  // sleeping in `sleep`

  assert_int_equal(toolorch_batch_cancel(b), TOOLORCH_OK);
  std::vector<Result> r = collect(ctx, b);
  assert_int_equal(r.size(), 1);
  assert_int_equal(r[0].state, TOOLORCH_CALL_CANCELLED);
  assert_true(eventually([&] { return process_state(pid) == 0; }));  // killed and reaped
  assert_int_equal(toolorch_stat(ctx, "late_completions"), 0);
  toolorch_batch_free(b);
  toolorch_free(ctx);
  unlink(pidfile.c_str());
  rmdir(dir.c_str());
}

void timeout_kills_and_reaps(void **) {
  std::string dir = temp_dir();
  std::string pidfile = dir + "/pid";
  toolorch_ctx *ctx = new_ctx();
  add_command_tool(ctx, "sleeper", "[\"sh\", \"-c\", \"echo $$ > " + pidfile + "; exec sleep 30\"]", 300);
  Result r = run_one(ctx, "sleeper", "{}");
  assert_int_equal(r.state, TOOLORCH_CALL_TIMED_OUT);
  std::string text = read_file(pidfile);
  if (!text.empty()) {  // the shell got as far as writing it
    pid_t pid = std::stoi(text);
    assert_true(eventually([&] { return process_state(pid) == 0; }));
  }
  assert_int_equal(toolorch_stat(ctx, "calls_timed_out"), 1);
  toolorch_free(ctx);
  assert_true(no_children_left());
  unlink(pidfile.c_str());
  rmdir(dir.c_str());
}

// 50 commands at once: each waits for a flag file the test creates only once
// all 50 are seen running, so "50 at once" is a state, not a timing.
void fifty_in_parallel(void **) {
  std::string dir = temp_dir();
  std::string flag = dir + "/go";
  toolorch_ctx *ctx = new_ctx({{"max_parallel_tools", 64}});
  add_command_tool(ctx, "gated",
                   "[\"sh\", \"-c\", \"while [ ! -e " + flag + " ]; do sleep 0.01; done; cat\"]");
  toolorch_batch *b = toolorch_batch_new(ctx, nullptr);
  for (int i = 0; i < 50; ++i) {
    std::string args = "{\"i\":" + std::to_string(i) + "}";
    std::string id = "c" + std::to_string(i);
    assert_int_equal(toolorch_batch_add(b, "gated", args.c_str(), id.c_str()), TOOLORCH_OK);
  }
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  assert_true(eventually([&] { return toolorch_stat(ctx, "running") == 50; }));
  FILE *f = fopen(flag.c_str(), "w");
  assert_non_null(f);
  fclose(f);
  std::vector<Result> r = collect(ctx, b);
  assert_int_equal(r.size(), 50);
  for (const Result &x : r) {
    assert_int_equal(x.state, TOOLORCH_CALL_SUCCEEDED);
    std::string expect = "{\"i\":" + x.id.substr(1) + "}";
    assert_string_equal(x.text.c_str(), expect.c_str());
  }
  assert_int_equal(toolorch_stat(ctx, "max_running"), 50);
  toolorch_batch_free(b);
  toolorch_free(ctx);
  assert_true(no_children_left());
  unlink(flag.c_str());
  rmdir(dir.c_str());
}

// Arguments far larger than a pipe's buffer: written in pieces as the
// program reads them, while its output is read at the same time.
void big_input_round_trips(void **) {
  toolorch_ctx *ctx = new_ctx();
  add_command_tool(ctx, "cat", "[\"cat\"]");
  std::string big = "{\"data\":\"";
  for (int i = 0; big.size() < 600 * 1024; ++i) big += "chunk" + std::to_string(i) + " ";
  big += "\"}";
  Result r = run_one(ctx, "cat", big);
  assert_int_equal(r.state, TOOLORCH_CALL_SUCCEEDED);
  assert_int_equal(r.text.size(), big.size());
  assert_true(r.text == big);
  toolorch_free(ctx);
}

// A program that does not read its input and exits: EPIPE on its stdin is
// not an error (and raises no SIGPIPE in this process).
void unread_input_is_fine(void **) {
  toolorch_ctx *ctx = new_ctx();
  add_command_tool(ctx, "echo", "[\"echo\", \"hello\"]");
  std::string big = "{\"data\":\"" + std::string(300 * 1024, 'z') + "\"}";
  Result r = run_one(ctx, "echo", big);
  assert_int_equal(r.state, TOOLORCH_CALL_SUCCEEDED);
  assert_string_equal(r.text.c_str(), "hello\n");
  toolorch_free(ctx);
}

void output_over_max_result_bytes_fails(void **) {
  toolorch_ctx *ctx = new_ctx({{"max_result_bytes", 4096}});
  add_command_tool(ctx, "yes", "[\"yes\"]");  // never ends by itself
  Result r = run_one(ctx, "yes", "{}");
  assert_int_equal(r.state, TOOLORCH_CALL_FAILED);
  assert_true(contains(r.text, "exceeds max_result_bytes"));
  toolorch_free(ctx);
  assert_true(no_children_left());
}

// max_result_policy "truncate": the output up to the cap, marked; the
// process is killed (it would never end by itself).
void output_over_max_result_bytes_truncated(void **) {
  toolorch_ctx *ctx = new_ctx_json("{\"max_result_bytes\": 4096, \"max_result_policy\": \"truncate\"}");
  add_command_tool(ctx, "yes", "[\"yes\"]");
  Result r = run_one(ctx, "yes", "{}");
  assert_int_equal(r.state, TOOLORCH_CALL_SUCCEEDED);
  assert_true(r.text.size() <= 4096);
  size_t at = r.text.find("\n[toolorch: result truncated at max_result_bytes (4096)");
  assert_true(at != std::string::npos && at > 3000);
  for (size_t i = 0; i < at; i += 2) assert_true(r.text.compare(i, 2, "y\n") == 0);
  toolorch_free(ctx);
  assert_true(no_children_left());
}

void stderr_keeps_its_tail(void **) {
  toolorch_ctx *ctx = new_ctx();
  add_command_tool(ctx, "noisy",
                   "[\"sh\", \"-c\", \"i=0; while [ $i -lt 2000 ]; do echo line$i >&2; i=$((i+1)); done; exit 2\"]");
  Result r = run_one(ctx, "noisy", "{}");
  assert_int_equal(r.state, TOOLORCH_CALL_FAILED);
  assert_true(contains(r.text, "status 2: "));
  assert_true(contains(r.text, "line1999"));
  assert_false(contains(r.text, "line0\n"));
  assert_true(r.text.size() <= 2048 + 64);
  toolorch_free(ctx);
}

// Every pipe and pidfd is closed and every child reaped, whatever the end:
// success, failure, spawn error, cancel, free with processes running.
void no_fd_leak_no_zombie(void **) {
  int before = count_open_fds();
  toolorch_ctx *ctx = new_ctx();
  add_command_tool(ctx, "cat", "[\"cat\"]");
  add_command_tool(ctx, "false", "[\"false\"]");
  add_command_tool(ctx, "nope", "[\"toolorch-no-such-program-x\"]");
  add_command_tool(ctx, "sleep", "[\"sleep\", \"30\"]", 200);
  for (int round = 0; round < 3; ++round) {
    toolorch_batch *b = toolorch_batch_new(ctx, nullptr);
    for (const char *tool : {"cat", "false", "nope", "sleep", "cat"})
      assert_int_equal(toolorch_batch_add(b, tool, "{}", nullptr), TOOLORCH_OK);
    assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
    std::vector<Result> r = collect(ctx, b);
    assert_int_equal(r.size(), 5);
    toolorch_batch_free(b);
  }
  // And some still running when the context goes.
  submit_batch(ctx, "sleep", numbered_args(4));
  assert_true(eventually([&] { return toolorch_stat(ctx, "running") == 4; }));
  toolorch_free(ctx);
  assert_int_equal(count_open_fds(), before);
  assert_true(no_children_left());
}

// Borrowed-loop mode: the pipes and the reaper live on the host's base,
// driven by the host's thread; events through the callback.
struct BorrowedState {
  std::vector<Result> results;
  bool done = false;
};

void on_borrowed_event(const toolorch_event *ev, void *ud) {
  auto *st = static_cast<BorrowedState *>(ud);
  if (toolorch_event_type_of(ev) == TOOLORCH_EVENT_CALL_RESULT) {
    Result r;
    r.tool = toolorch_event_tool_name(ev);
    r.text = toolorch_event_text(ev);
    r.state = toolorch_event_call_state(ev);
    st->results.push_back(r);
  }
  if (toolorch_event_type_of(ev) == TOOLORCH_EVENT_BATCH_DONE) st->done = true;
}

void borrowed_loop_mode(void **) {
  event_base *base = event_base_new();
  assert_non_null(base);
  int status = 0;
  toolorch_ctx *ctx = toolorch_new_with_base(base, nullptr, &status);
  assert_non_null(ctx);
  BorrowedState st;
  assert_int_equal(toolorch_set_event_fn(ctx, on_borrowed_event, &st), TOOLORCH_OK);
  add_command_tool(ctx, "cat", "[\"cat\"]");
  add_command_tool(ctx, "sleep", "[\"sleep\", \"30\"]");
  toolorch_batch *b = toolorch_batch_new(ctx, nullptr);
  assert_int_equal(toolorch_batch_add(b, "cat", "{\"borrowed\":true}", nullptr), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_add(b, "sleep", "{}", nullptr), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (st.results.empty()) {
    assert_true(std::chrono::steady_clock::now() < until);
    event_base_loop(base, EVLOOP_ONCE);
  }
  assert_string_equal(st.results[0].tool.c_str(), "cat");
  assert_int_equal(st.results[0].state, TOOLORCH_CALL_SUCCEEDED);
  assert_string_equal(st.results[0].text.c_str(), "{\"borrowed\":true}");
  assert_int_equal(toolorch_batch_cancel(b), TOOLORCH_OK);
  assert_true(st.done);
  assert_int_equal(st.results.size(), 2);
  assert_int_equal(st.results[1].state, TOOLORCH_CALL_CANCELLED);
  // Reaped by the loop (pidfd or timer), not by toolorch_free.
  assert_true(eventually([&] {
    event_base_loop(base, EVLOOP_NONBLOCK);
    return no_children_left();
  }));
  toolorch_batch_free(b);
  toolorch_free(ctx);
  event_base_free(base);
}

void bad_commands_are_refused(void **) {
  toolorch_tool *t = toolorch_tool_new("t");
  assert_int_equal(toolorch_tool_set_command(t, "cat"), TOOLORCH_EJSON);
  assert_true(contains(toolorch_last_error(nullptr), "not JSON"));
  assert_int_equal(toolorch_tool_set_command(t, "{\"a\":1}"), TOOLORCH_EINVAL);
  assert_true(contains(toolorch_last_error(nullptr), "array of strings"));
  assert_int_equal(toolorch_tool_set_command(t, "[]"), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_tool_set_command(t, "[\"\"]"), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_tool_set_command(t, "[\"cat\", 1]"), TOOLORCH_EINVAL);
  assert_true(contains(toolorch_last_error(nullptr), "element 1"));
  assert_int_equal(toolorch_tool_set_command(t, "[\"ca\\u0000t\"]"), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_tool_set_command(nullptr, "[\"cat\"]"), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_tool_set_command(t, nullptr), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_tool_set_command(t, "[\"cat\", \"-\"]"), TOOLORCH_OK);
  toolorch_tool_free(t);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cat_echoes_the_arguments),
      cmocka_unit_test(false_fails),
      cmocka_unit_test(status_and_stderr_in_the_error),
      cmocka_unit_test(no_shell_ever),
      cmocka_unit_test(missing_program_fails_clearly),
      cmocka_unit_test(cancel_kills_and_reaps),
      cmocka_unit_test(timeout_kills_and_reaps),
      cmocka_unit_test(fifty_in_parallel),
      cmocka_unit_test(big_input_round_trips),
      cmocka_unit_test(unread_input_is_fine),
      cmocka_unit_test(output_over_max_result_bytes_fails),
      cmocka_unit_test(output_over_max_result_bytes_truncated),
      cmocka_unit_test(stderr_keeps_its_tail),
      cmocka_unit_test(no_fd_leak_no_zombie),
      cmocka_unit_test(borrowed_loop_mode),
      cmocka_unit_test(bad_commands_are_refused),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
