// bench_mcp: the cost of an MCP call beside a plain HTTP tool, on loopback.
//
//   bench_mcp [CALLS]      (default 2000)
//
// Cases:
//  - http_tool: an HTTP tool POSTing to the scripted LLM server's echo
//    endpoint (in-process, answers at once);
//  - mcp_stdio / mcp_http: the `echo` tool of the scripted MCP server
//    (tests/support/mcp, Node) over stdio and over Streamable HTTP.
// Each runs CALLS calls one at a time (max_parallel_tools 1), so wall/CALLS
// is the latency of one call and the process's CPU/CALLS what toolorch
// spends on it (the server's own time is in the wall figure, not the CPU).
//  - parallel_100_stdio: 100 calls of `slow` (200 ms each) at once to one
//    stdio server: the batch's wall against its slowest call's run time.
// Prints figures, then one JSON line per case.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <toolorch/toolorch.h>

#include "mock_server.h"

namespace {

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double cpu_ms() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 + ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
}

toolorch_ctx *new_ctx(int max_parallel) {
  toolorch_opts *o = toolorch_opts_new();
  toolorch_opts_set_int(o, "max_parallel_tools", max_parallel);
  toolorch_opts_set_int(o, "tool_timeout_ms", 60000);
  int st = 0;
  toolorch_ctx *ctx = toolorch_new(o, &st);
  toolorch_opts_free(o);
  if (!ctx) {
    std::fprintf(stderr, "toolorch_new: %s\n", toolorch_last_error(nullptr));
    std::exit(1);
  }
  return ctx;
}

struct Figures {
  double wall_ms = 0, cpu_ms = 0, slowest_ms = 0;
  int ok = 0;
};

Figures run(toolorch_ctx *ctx, const char *tool, const char *args, int n) {
  toolorch_batch *b = toolorch_batch_new(ctx, nullptr);
  for (int i = 0; i < n; ++i) toolorch_batch_add(b, tool, args, nullptr);
  Figures f;
  double w0 = now_ms(), c0 = cpu_ms();
  toolorch_batch_submit(b);
  for (toolorch_event *ev; toolorch_next_event(ctx, 60000, &ev) == TOOLORCH_OK;) {
    int type = toolorch_event_type_of(ev);
    if (type == TOOLORCH_EVENT_CALL_RESULT) {
      if (toolorch_event_call_state(ev) == TOOLORCH_CALL_SUCCEEDED) f.ok++;
      f.slowest_ms = std::max(f.slowest_ms, toolorch_event_run_us(ev) / 1e3);
    }
    toolorch_event_free(ev);
    if (type == TOOLORCH_EVENT_BATCH_DONE) break;
  }
  f.wall_ms = now_ms() - w0;
  f.cpu_ms = cpu_ms() - c0;
  toolorch_batch_free(b);
  return f;
}

void add_server(toolorch_ctx *ctx, const std::string &desc) {
  if (toolorch_add_mcp_server(ctx, desc.c_str()) != TOOLORCH_OK) {
    std::fprintf(stderr, "add server: %s\n", toolorch_last_error(ctx));
    std::exit(1);
  }
}

std::string stdio_desc() {
  return std::string("{\"name\": \"s\", \"command\": [\"") + TOOLORCH_NODE + "\", \"" + SCRIPTED_MCP_SERVER + "\"]}";
}

// The scripted MCP server over HTTP, as a process of its own.
struct HttpServer {
  pid_t pid = -1;
  std::string url;
  HttpServer() {
    std::string port_file = "/tmp/bench-mcp-port-" + std::to_string(getpid());
    pid = fork();
    if (pid == 0) {
      execl(TOOLORCH_NODE, TOOLORCH_NODE, SCRIPTED_MCP_SERVER, "--http", port_file.c_str(), static_cast<char *>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 1000 && url.empty(); ++i) {
      std::ifstream in(port_file);
      std::string port;
      if (in >> port) url = "http://127.0.0.1:" + port + "/mcp";
      else std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    unlink(port_file.c_str());
  }
  ~HttpServer() {
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
  }
};

void report(const char *name, int n, const Figures &f) {
  std::printf("%-20s %5d calls  ok %5d  wall %8.1f ms  %7.1f us/call  cpu %6.1f us/call\n", name, n, f.ok, f.wall_ms,
              f.wall_ms * 1e3 / n, f.cpu_ms * 1e3 / n);
}

}  // namespace

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  int n = argc > 1 ? std::atoi(argv[1]) : 2000;
  if (n <= 0) n = 2000;

  std::string err;
  toolorch::mockllm::Options mo;
  auto mock = toolorch::mockllm::Server::start(mo, &err);
  if (!mock) {
    std::fprintf(stderr, "mock server: %s\n", err.c_str());
    return 1;
  }
  toolorch_ctx *ctx = new_ctx(1);
  toolorch_tool *t = toolorch_tool_new("http_echo");
  toolorch_tool_set_http(t, (mock->url() + "/tools/echo?delay_ms=0").c_str());
  toolorch_register_tool(ctx, t);
  toolorch_tool_free(t);
  add_server(ctx, stdio_desc());
  HttpServer http;
  add_server(ctx, "{\"name\": \"h\", \"url\": \"" + http.url + "\", \"prefix\": \"h_\"}");

  const char *args = "{\"text\": \"hello\"}";
  run(ctx, "http_echo", args, 50);  // warm-up: connections, JIT of the servers
  run(ctx, "echo", args, 50);
  run(ctx, "h_echo", args, 50);
  Figures fh = run(ctx, "http_echo", args, n);
  Figures fs = run(ctx, "echo", args, n);
  Figures fm = run(ctx, "h_echo", args, n);
  toolorch_free(ctx);

  // 100 at once to one stdio server.
  ctx = new_ctx(1000);
  add_server(ctx, stdio_desc());
  run(ctx, "slow", "{\"ms\": 1}", 100);
  Figures fp = run(ctx, "slow", "{\"ms\": 200}", 100);
  toolorch_free(ctx);

  report("http_tool", n, fh);
  report("mcp_stdio", n, fs);
  report("mcp_http", n, fm);
  std::printf("%-20s %5d calls  ok %5d  wall %8.1f ms  slowest call %.1f ms\n", "parallel_100_stdio", 100, fp.ok,
              fp.wall_ms, fp.slowest_ms);
  auto line = [&](const char *name, const Figures &f) {
    std::printf("{\"bench\":\"mcp\",\"case\":\"%s\",\"calls\":%d,\"ok\":%d,\"us_per_call\":%.1f,\"cpu_us_per_call\":%.2f,"
                "\"overhead_us_vs_http\":%.1f}\n",
                name, n, f.ok, f.wall_ms * 1e3 / n, f.cpu_ms * 1e3 / n, (f.wall_ms - fh.wall_ms) * 1e3 / n);
  };
  line("http_tool", fh);
  line("mcp_stdio", fs);
  line("mcp_http", fm);
  std::printf("{\"bench\":\"mcp\",\"case\":\"parallel_100_stdio\",\"calls\":100,\"ok\":%d,\"wall_ms\":%.1f,"
              "\"slowest_call_ms\":%.1f}\n",
              fp.ok, fp.wall_ms, fp.slowest_ms);
  return 0;
}
