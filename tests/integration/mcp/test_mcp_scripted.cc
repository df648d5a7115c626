// MCP servers as tool sources, against the project's scripted MCP server
// (tests/support/mcp) over stdio and Streamable HTTP, in both protocol
// revisions: listing (paginated), calls, errors, progress, cancellation
// (the server is told), late responses, crashes and restarts, garbage,
// list_changed, name clashes, and the process reaped by toolorch_free.
#include <cerrno>
#include <cstring>

#include "mcp_fixture.h"

using namespace mcp_test;

namespace {

std::string stdio_server(const std::string &name, const std::string &args, const std::string &extra = "") {
  std::string cmd = "[\"" TOOLORCH_TEST_NODE "\", \"" SCRIPTED_MCP_SERVER "\"";
  std::istringstream in(args);
  for (std::string a; in >> a;) cmd += ", \"" + a + "\"";
  cmd += "]";
  return "{\"name\": \"" + name + "\", \"command\": " + cmd + (extra.empty() ? "" : ", " + extra) + "}";
}

void add(toolorch_ctx *ctx, const std::string &desc) {
  if (toolorch_add_mcp_server(ctx, desc.c_str()) != TOOLORCH_OK) fail_msg("add: %s", toolorch_last_error(ctx));
}

std::string revision(toolorch_ctx *ctx, const char *server) { return toolorch_mcp_revision(ctx, server); }

// Calls, results and errors, the same in each revision.
void check_calls(toolorch_ctx *ctx, const std::string &log_path, const char *rev) {
  BatchRun run = run_batch(ctx, {{"a", "echo", "{\"text\": \"one\"}"},
                                 {"b", "echo", "{\"text\": \"two\"}"},
                                 {"c", "fail", "{}"},
                                 {"d", "rpc_error", "{}"},
                                 {"e", "slow", "{\"ms\": 300, \"steps\": 3}"}});
  assert_int_equal(run.results["a"].state, TOOLORCH_CALL_SUCCEEDED);
  assert_string_equal(run.results["a"].text.c_str(), "one");
  assert_string_equal(run.results["b"].text.c_str(), "two");
  assert_int_equal(run.results["c"].state, TOOLORCH_CALL_FAILED);
  assert_string_equal(run.results["c"].text.c_str(), "it failed on purpose");
  assert_int_equal(run.results["d"].state, TOOLORCH_CALL_FAILED);
  assert_string_equal(run.results["d"].text.c_str(), "MCP error -32000: scripted error");
  assert_int_equal(run.results["e"].state, TOOLORCH_CALL_SUCCEEDED);
  assert_string_equal(run.results["e"].text.c_str(), "slow done");
  // Progress of call e: three steps, in order, with their total and message.
  assert_int_equal(run.progress.size(), 3);
  for (size_t i = 0; i < 3; ++i) {
    assert_string_equal(run.progress[i].call_id.c_str(), "e");
    assert_true(run.progress[i].progress == double(i + 1));
    assert_true(run.progress[i].total == 3.0);
    assert_string_equal(run.progress[i].message.c_str(), ("step " + std::to_string(i + 1)).c_str());
  }
  std::string log = read_file(log_path);
  if (!strcmp(rev, "2026-07-28")) {
    assert_int_equal(count(log, "\"initialize\""), 0);
    // Every request says its revision in _meta.
    assert_int_equal(count(log, "\"tools/call\""), count(log, "\"method\":\"tools/call\",\"params\":{\"name\""));
    assert_true(count(log, "io.modelcontextprotocol/protocolVersion") >= count(log, "\"tools/call\"") + 1);
  } else {
    assert_int_equal(count(log, "\"method\":\"initialize\""), 1);
    assert_int_equal(count(log, "notifications/initialized"), 1);
  }
}

void stdio_in_each_revision(void **) {
  for (const char *rev : {"2025", "2026"}) {
    std::string log = temp_path("log");
    toolorch_ctx *ctx = new_ctx();
    add(ctx, stdio_server("s", std::string("--revisions ") + rev + " --log " + log));
    assert_string_equal(revision(ctx, "s").c_str(), !strcmp(rev, "2025") ? "2025-11-25" : "2026-07-28");
    // 8 tools, listed two per page.
    assert_int_equal(toolorch_mcp_stat(ctx, "s", "tools"), 8);
    assert_int_equal(count(read_file(log), "\"tools/list\""), 4);
    check_calls(ctx, log, !strcmp(rev, "2025") ? "2025-11-25" : "2026-07-28");
    toolorch_free(ctx);
    unlink(log.c_str());
  }
}

void cancelled_call_tells_the_server(void **) {
  std::string log = temp_path("log");
  toolorch_ctx *ctx = new_ctx();
  add(ctx, stdio_server("s", "--log " + log, "\"timeout_ms\": 300"));
  BatchRun run = run_batch(ctx, {{"x", "slow", "{\"ms\": 5000}"}, {"y", "hang", "{}"}});
  assert_int_equal(run.results["x"].state, TOOLORCH_CALL_TIMED_OUT);
  assert_int_equal(run.results["y"].state, TOOLORCH_CALL_TIMED_OUT);
  assert_true(eventually([&] { return count(read_file(log), "notifications/cancelled") == 2; }));
  assert_int_equal(count(read_file(log), "\"requestId\""), 2);
  assert_int_equal(toolorch_mcp_stat(ctx, "s", "cancels_sent"), 2);
  // A server that answers anyway: its late response is dropped and counted.
  run = run_batch(ctx, {{"z", "slow", "{\"ms\": 700, \"ignore_cancel\": true}"}});
  assert_int_equal(run.results["z"].state, TOOLORCH_CALL_TIMED_OUT);
  assert_true(eventually([&] { return toolorch_mcp_stat(ctx, "s", "late_responses") == 1; }));
  toolorch_free(ctx);
  unlink(log.c_str());
}

void crash_fails_calls_at_once_then_restarts(void **) {
  toolorch_ctx *ctx = new_ctx();
  // A long deadline: the crash, not the deadline, must end the call.
  add(ctx, stdio_server("s", "--start-delay-ms 200", "\"timeout_ms\": 60000, \"restart_backoff_ms\": 50"));
  BatchRun run = run_batch(ctx, {{"boom", "crash", "{}"}});
  assert_int_equal(run.results["boom"].state, TOOLORCH_CALL_FAILED);
  const std::string &why = run.results["boom"].text;
  assert_non_null(strstr(why.c_str(), "MCP server \"s\" exited with status 3"));
  assert_non_null(strstr(why.c_str(), "boom"));  // its last stderr line
  assert_int_equal(toolorch_mcp_stat(ctx, "s", "crashes"), 1);
  // The next calls start it again (it is slow to start: they wait for it).
  run = run_batch(ctx, {{"a", "echo", "{\"text\": \"back\"}"}, {"b", "echo", "{\"text\": \"again\"}"}});
  assert_string_equal(run.results["a"].text.c_str(), "back");
  assert_string_equal(run.results["b"].text.c_str(), "again");
  assert_int_equal(toolorch_mcp_stat(ctx, "s", "starts"), 2);
  toolorch_free(ctx);
}

void garbage_is_a_clear_error(void **) {
  toolorch_ctx *ctx = new_ctx();
  add(ctx, stdio_server("s", "", "\"timeout_ms\": 60000"));
  BatchRun run = run_batch(ctx, {{"g", "garbage", "{}"}});
  assert_int_equal(run.results["g"].state, TOOLORCH_CALL_FAILED);
  assert_non_null(strstr(run.results["g"].text.c_str(), "not JSON"));
  assert_non_null(strstr(run.results["g"].text.c_str(), "this is not json"));
  assert_int_equal(toolorch_mcp_stat(ctx, "s", "garbage"), 1);
  run = run_batch(ctx, {{"a", "echo", "{\"text\": \"fine\"}"}});
  assert_string_equal(run.results["a"].text.c_str(), "fine");
  toolorch_free(ctx);
}

void list_changed_registers_new_tools(void **) {
  toolorch_ctx *ctx = new_ctx();
  add(ctx, stdio_server("s", ""));
  BatchRun run = run_batch(ctx, {{"x", "extra", "{}"}});
  assert_non_null(strstr(run.results["x"].text.c_str(), "unknown tool"));
  run = run_batch(ctx, {{"a", "add_tool", "{}"}});
  assert_string_equal(run.results["a"].text.c_str(), "added");
  assert_true(eventually([&] { return toolorch_mcp_stat(ctx, "s", "tools") == 9; }));
  assert_int_equal(toolorch_mcp_stat(ctx, "s", "list_changes"), 1);
  run = run_batch(ctx, {{"x", "extra", "{}"}});
  assert_string_equal(run.results["x"].text.c_str(), "extra ran");
  toolorch_free(ctx);
}

void host_tool(toolorch_call *call, const char *, void *) { toolorch_call_complete(call, "host"); }

void name_clash_names_both_sources(void **) {
  toolorch_ctx *ctx = new_ctx();
  toolorch_tool *t = toolorch_tool_new("echo");
  toolorch_tool_set_fn(t, host_tool, nullptr);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);
  std::string desc = stdio_server("s", "");
  assert_int_equal(toolorch_add_mcp_server(ctx, desc.c_str()), TOOLORCH_EEXIST);
  const char *why = toolorch_last_error(ctx);
  assert_non_null(strstr(why, "tool \"echo\" of MCP server \"s\""));
  assert_non_null(strstr(why, "the host"));
  assert_non_null(strstr(why, "prefix"));
  // With a prefix both live side by side; only the listed tools come in.
  add(ctx, stdio_server("s", "", "\"prefix\": \"s_\", \"tools\": [\"echo\", \"fail\"]"));
  assert_int_equal(toolorch_mcp_stat(ctx, "s", "tools"), 2);
  BatchRun run = run_batch(ctx, {{"a", "echo", "{}"}, {"b", "s_echo", "{\"text\": \"mcp\"}"}, {"c", "s_slow", "{}"}});
  assert_string_equal(run.results["a"].text.c_str(), "host");
  assert_string_equal(run.results["b"].text.c_str(), "mcp");
  assert_non_null(strstr(run.results["c"].text.c_str(), "unknown tool"));
  toolorch_free(ctx);
}

void bad_descriptions_are_refused(void **) {
  toolorch_ctx *ctx = new_ctx();
  assert_int_equal(toolorch_add_mcp_server(ctx, "{\"name\": \"s\", \"command\": [\"x\"], \"colour\": 1}"), TOOLORCH_ECONFIG);
  assert_non_null(strstr(toolorch_last_error(ctx), "unknown key \"colour\""));
  assert_int_equal(toolorch_add_mcp_server(ctx, "{\"name\": \"s\"}"), TOOLORCH_ECONFIG);
  assert_int_equal(toolorch_add_mcp_server(ctx, "{\"name\": \"s\", \"command\": [\"no-such-program-xyz\"]}"), TOOLORCH_EIO);
  assert_non_null(strstr(toolorch_last_error(ctx), "no such program"));
  toolorch_free(ctx);
  // The context option: a server that cannot start means no context.
  toolorch_opts *o = toolorch_opts_new();
  assert_int_equal(toolorch_opts_from_json(o, "{\"mcp_servers\": [{\"name\": \"bad\", \"command\": [\"no-such-program-xyz\"]}]}"),
                   TOOLORCH_OK);
  int status = 0;
  assert_null(toolorch_new(o, &status));
  assert_int_equal(status, TOOLORCH_EIO);
  assert_non_null(strstr(toolorch_last_error(nullptr), "MCP server \"bad\""));
  toolorch_opts_free(o);
}

void option_starts_servers_and_free_reaps_them(void **) {
  std::string pid_file = temp_path("pid");
  std::string opts = "{\"mcp_servers\": [" + stdio_server("s", "--pid-file " + pid_file) + "]}";
  toolorch_ctx *ctx = new_ctx(opts.c_str());
  BatchRun run = run_batch(ctx, {{"a", "echo", "{\"text\": \"hi\"}"}});
  assert_string_equal(run.results["a"].text.c_str(), "hi");
  pid_t pid = static_cast<pid_t>(atoi(read_file(pid_file).c_str()));
  assert_true(pid > 0);
  assert_int_equal(kill(pid, 0), 0);
  toolorch_free(ctx);
  assert_int_equal(kill(pid, 0), -1);  // killed and reaped
  assert_int_equal(errno, ESRCH);
  unlink(pid_file.c_str());
}

void http_in_each_revision(void **) {
  for (const char *rev : {"2025", "2026"}) {
    std::string log = temp_path("log"), port_file = temp_path("port");
    Process server({TOOLORCH_TEST_NODE, SCRIPTED_MCP_SERVER, "--http", port_file, "--revisions", rev, "--log", log});
    assert_true(eventually([&] { return !read_file(port_file).empty(); }));
    std::string url = "http://127.0.0.1:" + read_file(port_file) + "/mcp";
    toolorch_ctx *ctx = new_ctx();
    add(ctx, "{\"name\": \"h\", \"url\": \"" + url + "\", \"timeout_ms\": 400, \"headers\": {\"X-Test\": \"1\"}}");
    bool modern = !strcmp(rev, "2026");
    assert_string_equal(revision(ctx, "h").c_str(), modern ? "2026-07-28" : "2025-11-25");
    assert_int_equal(toolorch_mcp_stat(ctx, "h", "tools"), 8);
    check_calls(ctx, log, modern ? "2026-07-28" : "2025-11-25");
    // Cancellation: 2026 closes the call's response stream, 2025 notifies.
    BatchRun run = run_batch(ctx, {{"x", "slow", "{\"ms\": 5000}"}});
    assert_int_equal(run.results["x"].state, TOOLORCH_CALL_TIMED_OUT);
    if (modern) {
      assert_true(eventually([&] { return count(read_file(log), "stream_closed") == 1; }));
      assert_int_equal(count(read_file(log), "notifications/cancelled"), 0);
    } else {
      assert_true(eventually([&] { return count(read_file(log), "notifications/cancelled") == 1; }));
    }
    toolorch_free(ctx);
    unlink(log.c_str());
    unlink(port_file.c_str());
  }
}

}  // namespace

int main() {
  signal(SIGPIPE, SIG_IGN);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(stdio_in_each_revision),
      cmocka_unit_test(cancelled_call_tells_the_server),
      cmocka_unit_test(crash_fails_calls_at_once_then_restarts),
      cmocka_unit_test(garbage_is_a_clear_error),
      cmocka_unit_test(list_changed_registers_new_tools),
      cmocka_unit_test(name_clash_names_both_sources),
      cmocka_unit_test(bad_descriptions_are_refused),
      cmocka_unit_test(option_starts_servers_and_free_reaps_them),
      cmocka_unit_test(http_in_each_revision),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
