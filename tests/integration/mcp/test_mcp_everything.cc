// The official MCP reference server (npm @modelcontextprotocol/server-everything,
// installed by `npm ci` in this folder) as a tool source, over stdio and over
// Streamable HTTP: its tools listed, several called in parallel, a long
// operation's progress received, and a cancelled one stopped on the server
// (it then never answers: no late response arrives).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "mcp_fixture.h"

using namespace mcp_test;

namespace {

const std::string kServer = std::string(MCP_TEST_DIR) + "/node_modules/@modelcontextprotocol/server-everything/dist/index.js";

// A second connection to the same server whose calls time out soon.
const std::string kShort =
    "\"prefix\": \"short_\", \"timeout_ms\": 700, \"tools\": [\"echo\", \"trigger-long-running-operation\"]";

void add(toolorch_ctx *ctx, const std::string &desc) {
  if (toolorch_add_mcp_server(ctx, desc.c_str()) != TOOLORCH_OK) fail_msg("add: %s", toolorch_last_error(ctx));
}

void require_installed() {
  if (access(kServer.c_str(), R_OK) != 0)
    fail_msg("%s is missing: run `npm ci` in tests/integration/mcp (scripts/install-deps.sh does)", kServer.c_str());
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

bool accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

void exercise(toolorch_ctx *ctx, const char *name) {
  assert_true(toolorch_mcp_stat(ctx, name, "tools") >= 5);
  assert_string_equal(toolorch_mcp_revision(ctx, name), "2025-11-25");  // it does not speak 2026-07-28: the fallback
  // Several calls at once, and a long operation reporting progress.
  BatchRun run = run_batch(ctx, {{"e1", "echo", "{\"message\": \"hello\"}"},
                                 {"e2", "echo", "{\"message\": \"world\"}"},
                                 {"s1", "get-sum", "{\"a\": 2, \"b\": 3}"},
                                 {"long", "trigger-long-running-operation", "{\"duration\": 1, \"steps\": 4}"}});
  assert_string_equal(run.results["e1"].text.c_str(), "Echo: hello");
  assert_string_equal(run.results["e2"].text.c_str(), "Echo: world");
  assert_string_equal(run.results["s1"].text.c_str(), "The sum of 2 and 3 is 5.");
  assert_int_equal(run.results["long"].state, TOOLORCH_CALL_SUCCEEDED);
  assert_non_null(strstr(run.results["long"].text.c_str(), "Long running operation completed"));
  assert_int_equal(run.progress.size(), 4);
  for (size_t i = 0; i < run.progress.size(); ++i) {
    assert_string_equal(run.progress[i].call_id.c_str(), "long");
    assert_true(run.progress[i].progress == double(i + 1));
    assert_true(run.progress[i].total == 4.0);
  }
  // A schema violation is caught before the server sees it.
  run = run_batch(ctx, {{"bad", "get-sum", "{\"a\": \"two\"}"}});
  assert_int_equal(run.results["bad"].state, TOOLORCH_CALL_FAILED);
}

// The call's deadline (the "short" server's timeout_ms) cancels it; the
// server is told and drops its answer: had it not been told, its response
// would arrive after 1.5 s and be counted as late.
void cancel_long_operation(toolorch_ctx *ctx, const char *name) {
  int64_t cancels = toolorch_mcp_stat(ctx, name, "cancels_sent");
  BatchRun run = run_batch(ctx, {{"c", "short_trigger-long-running-operation", "{\"duration\": 1.5, \"steps\": 3}"}});
  assert_int_equal(run.results["c"].state, TOOLORCH_CALL_TIMED_OUT);
  assert_int_equal(toolorch_mcp_stat(ctx, name, "cancels_sent"), cancels + 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // past the operation's end
  // Still answering, and no answer came for the cancelled call.
  run = run_batch(ctx, {{"e", "short_echo", "{\"message\": \"after\"}"}});
  assert_string_equal(run.results["e"].text.c_str(), "Echo: after");
  assert_int_equal(toolorch_mcp_stat(ctx, name, "late_responses"), 0);
}

void over_stdio(void **) {
  require_installed();
  toolorch_ctx *ctx = new_ctx();
  std::string cmd = "\"command\": [\"" TOOLORCH_TEST_NODE "\", \"" + kServer + "\", \"stdio\"]";
  add(ctx, "{\"name\": \"everything\", " + cmd + "}");
  add(ctx, "{\"name\": \"short\", " + cmd + ", " + kShort + "}");
  exercise(ctx, "everything");
  cancel_long_operation(ctx, "short");
  toolorch_free(ctx);
}

void over_streamable_http(void **) {
  require_installed();
  int port = free_port();
  Process server({TOOLORCH_TEST_NODE, kServer, "streamableHttp"}, {"PORT=" + std::to_string(port)});
  assert_true(eventually([&] { return accepts(port); }));
  toolorch_ctx *ctx = new_ctx();
  std::string url = "\"url\": \"http://127.0.0.1:" + std::to_string(port) + "/mcp\"";
  add(ctx, "{\"name\": \"everything\", " + url + "}");
  add(ctx, "{\"name\": \"short\", " + url + ", " + kShort + "}");
  exercise(ctx, "everything");
  cancel_long_operation(ctx, "short");
  toolorch_free(ctx);
}

}  // namespace

int main() {
  signal(SIGPIPE, SIG_IGN);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(over_stdio),
      cmocka_unit_test(over_streamable_http),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
