// bench_speculate: what speculation saves and wastes.
//
// The main model answers after 800 ms (to first byte) with 20 tool calls,
// then with its answer; the speculation model answers after 150 ms; each
// tool call takes 300 ms. For each source (model, history) and each share
// of correct guesses (100, 50, 0 %), the job runs with speculation and
// without, and the wall times and the tool time spent on wrong guesses are
// printed, then one JSON line per case:
//   {"bench":"speculate","source":...,"correct_pct":...,"wall_ms":...,
//    "wall_ms_off":...,"tool_ms":300,"wasted_tool_ms":...}
// Targets: at 100 %, wall_ms_off - wall_ms >= 0.9 x tool_ms; at 0 %,
// wall_ms <= wall_ms_off + 20 ms.
//   bench_speculate [--runs N]   (default 3; the median run is reported)
#include <event2/event.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <cjson/cJSON.h>
#include <toolorch/toolorch.h>
#include <toolorch/toolorch_libevent.h>

#include "mockllm/mock_server.h"

namespace {

constexpr int kCalls = 20;
constexpr int kToolMs = 300;
constexpr int kMainTtfbMs = 800;
constexpr int kSpecTtfbMs = 150;

struct Bench {
  event_base *base = nullptr;
  toolorch_ctx *ctx = nullptr;
  bool done = false;
  int status = 0;
  std::string summary;
};

struct Pending {
  toolorch_call *call;
  event *timer;
};

void tool_done(evutil_socket_t, short, void *ud) {
  auto *p = static_cast<Pending *>(ud);
  std::string out = std::string("result of ") + toolorch_call_args(p->call);
  toolorch_call_complete(p->call, out.c_str());
  event_free(p->timer);
  delete p;
}

void tool_cancelled(toolorch_call *, void *ud) {
  // Stop the work: finish at once (ELATE) so the handle is released.
  auto *p = static_cast<Pending *>(ud);
  event_del(p->timer);
  tool_done(-1, 0, p);
}

// A side-effect-free tool taking 300 ms, on the loop's timers.
void fetch(toolorch_call *call, const char *, void *ud) {
  auto *b = static_cast<Bench *>(ud);
  auto *p = new Pending{call, nullptr};
  p->timer = evtimer_new(b->base, tool_done, p);
  timeval tv{0, kToolMs * 1000};
  evtimer_add(p->timer, &tv);
  toolorch_call_on_cancel(call, tool_cancelled, p);
}

void on_event(const toolorch_event *ev, void *ud) {
  auto *b = static_cast<Bench *>(ud);
  if (toolorch_event_type_of(ev) != TOOLORCH_EVENT_JOB_DONE) return;
  b->done = true;
  b->status = toolorch_event_status(ev);
  b->summary = toolorch_event_speculation_json(ev);
  event_base_loopbreak(b->base);
}

// Calls i = 0..19; the first `same` keep their arguments, the others get
// a different tag (so a guess of the main script's call is wrong).
std::string calls_json(int same, const char *tag) {
  std::string s;
  for (int i = 0; i < kCalls; ++i) {
    std::string arg = i < same ? std::to_string(i) : std::string(tag) + std::to_string(i);
    s += (i ? "," : "") + std::string("{\"name\":\"fetch\",\"arguments\":{\"i\":\"") + arg + "\"}}";
  }
  return s;
}

std::string main_script(int same) {
  return "{\"rounds\":[{\"tool_calls\":[" + calls_json(same, "m") + "]},{\"text\":\"done\"}],\"ttfb_ms\":" +
         std::to_string(kMainTtfbMs) + "}";
}

std::string spec_script(int correct) {
  std::string items;
  for (int i = 0; i < kCalls; ++i) {
    std::string arg = i < correct ? std::to_string(i) : "guess" + std::to_string(i);
    items += (i ? "," : "") + std::string("{\"tool\":\"fetch\",\"arguments\":{\"i\":\"") + arg +
             "\"},\"confidence\":0.9}";
  }
  return "{\"rounds\":[{\"tool_calls\":[{\"name\":\"predict_calls\",\"arguments\":{\"calls\":[" + items +
         "]}}]},{\"tool_calls\":[{\"name\":\"predict_calls\",\"arguments\":{\"calls\":[]}}]}],\"ttfb_ms\":" +
         std::to_string(kSpecTtfbMs) + "}";
}

// One job; returns its wall time in ms (-1 on failure).
double run_job(Bench &b, const std::string &request) {
  b.done = false;
  b.summary.clear();
  auto t0 = std::chrono::steady_clock::now();
  int st = 0;
  toolorch_job *job = toolorch_job_start(b.ctx, request.c_str(), nullptr, &st);
  if (!job) {
    std::fprintf(stderr, "job_start: %s: %s\n", toolorch_strerror(st), toolorch_last_error(b.ctx));
    return -1;
  }
  timeval guard{30, 0};
  event_base_loopexit(b.base, &guard);
  event_base_dispatch(b.base);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  toolorch_job_free(job);
  event_base_loop(b.base, EVLOOP_NONBLOCK);
  if (!b.done || b.status != TOOLORCH_OK) {
    std::fprintf(stderr, "the job failed (%s)\n", b.done ? toolorch_strerror(b.status) : "no end in 30 s");
    return -1;
  }
  return ms;
}

toolorch_ctx *make_ctx(Bench &b, const std::string &main_url) {
  std::string json = "{\"max_parallel_tools\":64,\"llm\":{\"protocol\":\"openai\",\"base_url\":\"" + main_url +
                     "\",\"api_key\":\"sk-bench\",\"model\":\"main\"}}";
  toolorch_opts *o = toolorch_opts_new();
  if (toolorch_opts_from_json(o, json.c_str()) != TOOLORCH_OK) return nullptr;
  int st = 0;
  toolorch_ctx *ctx = toolorch_new_with_base(b.base, o, &st);
  toolorch_opts_free(o);
  if (!ctx) return nullptr;
  toolorch_set_event_fn(ctx, on_event, &b);
  toolorch_tool *t = toolorch_tool_new("fetch");
  toolorch_tool_set_schema(t, "{\"type\":\"object\",\"properties\":{\"i\":{\"type\":\"string\"}}}");
  toolorch_tool_set_flags(t, TOOLORCH_TOOL_SIDE_EFFECT_FREE);
  toolorch_tool_set_fn(t, fetch, &b);
  toolorch_register_tool(ctx, t);
  toolorch_tool_free(t);
  return ctx;
}

long wasted_ms(const std::string &summary) {
  cJSON *s = cJSON_Parse(summary.c_str());
  long v = s ? static_cast<long>(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(s, "wasted_tool_ms"))) : 0;
  cJSON_Delete(s);
  return v;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? -1 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char **argv) {
  int runs = 3;
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
  std::string err;
  toolorch::mockllm::Options mo;
  mo.script_json = main_script(kCalls);
  auto main_srv = toolorch::mockllm::Server::start(mo, &err);
  mo.script_json = spec_script(kCalls);
  auto spec_srv = main_srv ? toolorch::mockllm::Server::start(mo, &err) : nullptr;
  if (!main_srv || !spec_srv) {
    std::fprintf(stderr, "scripted servers: %s\n", err.c_str());
    return 1;
  }
  std::printf("main model %d ms to first byte, speculation model %d ms, tools %d ms, %d calls, %d run(s) each\n",
              kMainTtfbMs, kSpecTtfbMs, kToolMs, kCalls, runs);
  std::vector<std::string> lines;
  for (const char *source : {"model", "history"}) {
    for (int pct : {100, 50, 0}) {
      int correct = kCalls * pct / 100;
      std::vector<double> on, off;
      std::vector<long> wasted;
      for (int r = 0; r < runs; ++r) {
        Bench b;
        b.base = event_base_new();
        b.ctx = make_ctx(b, main_srv->url());
        if (!b.ctx) return 1;
        std::string prompt = "\"prompt\":\"bench " + std::to_string(r) + "\"";
        std::string spec_section;
        if (!std::strcmp(source, "model")) {
          spec_srv->load_script(spec_script(correct), &err);
          main_srv->load_script(main_script(kCalls), &err);
          spec_section = ",\"speculation\":{\"source\":\"model\",\"confidence_threshold\":0.5,\"model\":{\"base_url\":\"" +
                         spec_srv->url() + "\",\"model\":\"small\"}}";
        } else {
          // Teach the history with the main script, then play one where only
          // `correct` calls are the same as before.
          main_srv->load_script(main_script(kCalls), &err);
          spec_section = ",\"speculation\":{\"source\":\"history\"}";
          if (run_job(b, "{" + prompt + spec_section + "}") < 0) return 1;
          main_srv->load_script(main_script(correct), &err);
        }
        double t_on = run_job(b, "{" + prompt + spec_section + "}");
        long w = wasted_ms(b.summary);
        double t_off = run_job(b, "{" + prompt + "}");
        if (t_on < 0 || t_off < 0) return 1;
        on.push_back(t_on);
        off.push_back(t_off);
        wasted.push_back(w);
        toolorch_free(b.ctx);
        event_base_free(b.base);
      }
      std::sort(wasted.begin(), wasted.end());
      double m_on = median(on), m_off = median(off);
      long m_w = wasted[wasted.size() / 2];
      std::printf("%-8s %3d%% correct: %7.1f ms with speculation, %7.1f ms without (saved %6.1f ms), "
                  "%ld ms of tool time wasted\n",
                  source, pct, m_on, m_off, m_off - m_on, m_w);
      char line[256];
      std::snprintf(line, sizeof line,
                    "{\"bench\":\"speculate\",\"source\":\"%s\",\"correct_pct\":%d,\"wall_ms\":%.1f,\"wall_ms_off\":%.1f,"
                    "\"tool_ms\":%d,\"wasted_tool_ms\":%ld}",
                    source, pct, m_on, m_off, kToolMs, m_w);
      lines.push_back(line);
    }
  }
  for (const std::string &l : lines) std::printf("%s\n", l.c_str());
  return 0;
}
