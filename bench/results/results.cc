// bench_results: results through the store, in owned mode, with the worst
// consumer: it reads no event until every call of the batch has ended, so
// every result waits in the store at once. Then it reads every CALL_RESULT
// (from memory, decompressed or read back from its spill file) and checks
// it byte for byte. MB/s = result bytes / (submit .. last event read).
// Peak RSS: VmHWM of this process, reset before each case (clear_refs 5).
//
//   bench_results [--quick]      (--quick: a tenth of the calls)
//
// Prints a table, then one JSON line per case:
//   {"bench":"results","case":...,"mb_per_s":...,"peak_rss_mb":...,"budget_mb":...}
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <toolorch/toolorch.h>

namespace {

// Tool-result-like JSON (search hits), compressible about 5:1 with zstd-1.
std::string payload(size_t n, unsigned seed) {
  static const char *w[] = {"agent", "tool",   "result", "cache", "latency", "model", "search", "paris",
                            "weather", "budget", "memory", "spill", "the",   "of",      "and",   "with"};
  std::string s = "[";
  unsigned x = seed * 2654435761u + 1;
  auto next = [&x] { return x = x * 1103515245u + 12345u, (x >> 16) & 0x7fff; };
  while (s.size() < n) {
    s += "{\"title\":\"";
    for (int i = 0; i < 6; ++i) (s += w[next() % 16]) += ' ';
    s += "\",\"url\":\"https://example.com/" + std::to_string(next()) + "\",\"snippet\":\"";
    for (int i = 0; i < 30; ++i) (s += w[next() % 16]) += ' ';
    s += "\"},";
  }
  s.resize(n);
  return s;
}

std::vector<std::string> g_pool;  // 16 payloads of the case's size

void tool_fn(toolorch_call *call, const char *args, void *) {
  const char *c = std::strchr(args, ':');
  size_t i = c ? std::strtoul(c + 1, nullptr, 10) : 0;
  const std::string &p = g_pool[i % g_pool.size()];
  toolorch_call_complete_len(call, p.data(), p.size());
}

double rss_mb(const char *field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  size_t len = std::strlen(field);
  while (std::getline(f, line))
    if (line.compare(0, len, field) == 0) return std::atof(line.c_str() + len + 1) / 1024.0;
  return -1;
}

void reset_peak_rss() {
  malloc_trim(0);
  std::ofstream("/proc/self/clear_refs") << "5";
}

struct Case {
  const char *name;
  int calls;
  size_t size;
  bool compress;
  int64_t budget_mb;
};

struct Figures {
  double mb_per_s = 0, peak_rss_mb = 0;
  long long spilled = 0, compressed = 0, read_back_mb = 0, failures = 0, bad = 0;
  double ratio = 0;
};

Figures run(const Case &c, const std::string &spill_root) {
  g_pool.clear();
  for (unsigned k = 0; k < 16; ++k) g_pool.push_back(payload(c.size, k + 1));
  toolorch_opts *o = toolorch_opts_new();
  std::string json = "{\"max_memory_bytes\": " + std::to_string(c.budget_mb << 20) + ", \"spill_dir\": \"" +
                     spill_root + "\", \"compress_results\": " + (c.compress ? "true" : "false") +
                     ", \"tool_timeout_ms\": 600000, \"max_parallel_tools\": 1000}";
  if (toolorch_opts_from_json(o, json.c_str()) != TOOLORCH_OK) {
    std::fprintf(stderr, "options: %s\n", toolorch_opts_last_error(o));
    std::exit(1);
  }
  int status = 0;
  toolorch_ctx *ctx = toolorch_new(o, &status);
  toolorch_opts_free(o);
  if (!ctx) {
    std::fprintf(stderr, "toolorch_new: %s\n", toolorch_strerror(status));
    std::exit(1);
  }
  toolorch_tool *t = toolorch_tool_new("big");
  toolorch_tool_set_fn(t, tool_fn, nullptr);
  toolorch_register_tool(ctx, t);
  toolorch_tool_free(t);
  toolorch_batch *b = toolorch_batch_new(ctx, nullptr);
  std::string args;
  for (int i = 0; i < c.calls; ++i) {
    args = "{\"i\":" + std::to_string(i) + "}";
    toolorch_batch_add(b, "big", args.c_str(), std::to_string(i).c_str());
  }
  reset_peak_rss();
  auto t0 = std::chrono::steady_clock::now();
  toolorch_batch_submit(b);
  while (toolorch_batch_ended(b) < static_cast<size_t>(c.calls)) std::this_thread::sleep_for(std::chrono::microseconds(200));
  Figures f;
  toolorch_event *ev = nullptr;
  for (bool done = false; !done;) {
    if (toolorch_next_event(ctx, 60000, &ev) != TOOLORCH_OK) break;
    int type = toolorch_event_type_of(ev);
    if (type == TOOLORCH_EVENT_CALL_RESULT) {
      // The id is the batch's ("0", "1", ...): the payload is pool[i % 16].
      const char *id = toolorch_event_call_id(ev);
      const std::string &p = g_pool[std::strtoul(id, nullptr, 10) % g_pool.size()];
      if (toolorch_event_text_len(ev) != p.size() || std::memcmp(toolorch_event_text(ev), p.data(), p.size()) != 0)
        f.bad++;
    } else if (type == TOOLORCH_EVENT_BATCH_DONE) {
      done = true;
    }
    toolorch_event_free(ev);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  f.peak_rss_mb = rss_mb("VmHWM:");
  f.mb_per_s = double(c.calls) * double(c.size) / 1e6 / secs;
  f.spilled = toolorch_stat(ctx, "results_spilled");
  f.compressed = toolorch_stat(ctx, "results_compressed");
  f.read_back_mb = toolorch_stat(ctx, "result_bytes_read_back") >> 20;
  f.failures = toolorch_stat(ctx, "result_spill_failures");
  int64_t in = toolorch_stat(ctx, "result_bytes_compressed"), out = toolorch_stat(ctx, "result_bytes_compressed_to");
  f.ratio = out > 0 ? double(in) / double(out) : 0;
  toolorch_batch_free(b);
  toolorch_free(ctx);
  return f;
}

}  // namespace

int main(int argc, char **argv) {
  bool quick = argc > 1 && !std::strcmp(argv[1], "--quick");
  int div = quick ? 10 : 1;
  char tmpl[] = "/tmp/toolorch-bench-results-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  std::string root = tmpl;
  const Case cases[] = {
      {"4k_raw", 10000 / div, 4096, false, 64},        {"4k_zstd", 10000 / div, 4096, true, 64},
      {"4k_raw_spill", 10000 / div, 4096, false, 16},  {"4k_zstd_spill", 10000 / div, 4096, true, 4},
      {"1m_raw_spill", 1000 / div, 1 << 20, false, 64}, {"1m_zstd_spill", 1000 / div, 1 << 20, true, 64},
  };
  std::printf("%-15s %7s %8s %9s %12s %9s %8s %8s %6s %5s\n", "case", "calls", "MB/s", "budgetMB", "peak RSS MB",
              "spilled", "zstd'd", "readMB", "ratio", "bad");
  std::vector<std::string> lines;
  for (const Case &c : cases) {
    Figures f = run(c, root);
    std::printf("%-15s %7d %8.1f %9lld %12.1f %9lld %8lld %8lld %6.2f %5lld%s\n", c.name, c.calls, f.mb_per_s,
                (long long)c.budget_mb, f.peak_rss_mb, f.spilled, f.compressed, f.read_back_mb, f.ratio, f.bad,
                f.failures ? " (spill failures!)" : "");
    char line[512];
    std::snprintf(line, sizeof line,
                  "{\"bench\":\"results\",\"case\":\"%s\",\"mb_per_s\":%.1f,\"peak_rss_mb\":%.1f,\"budget_mb\":%lld,"
                  "\"calls\":%d,\"result_bytes\":%zu,\"spilled\":%lld,\"compressed\":%lld,\"ratio\":%.2f,"
                  "\"within_target\":%s}",
                  c.name, f.mb_per_s, f.peak_rss_mb, (long long)c.budget_mb, c.calls, c.size, f.spilled, f.compressed,
                  f.ratio, f.peak_rss_mb <= double(c.budget_mb + 32) && !f.bad ? "true" : "false");
    lines.push_back(line);
  }
  for (const std::string &l : lines) std::printf("%s\n", l.c_str());
  std::string cmd = "rm -rf '" + root + "'";
  return std::system(cmd.c_str()) == 0 ? 0 : 1;
}
