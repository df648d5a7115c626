// Speculation end to end over loopback: the scripted server plays the main
// model and a second one plays the speculation model (its own script), both
// protocols, streamed and not; the host predictor through the C API; the
// history across jobs of one context.
#include <toolorch/speculation.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>

#include "job_harness.h"

using toolorch::test::JobHarness;
using toolorch::test::JobRun;

namespace {

struct Variant {
  const char *protocol;
  bool stream;
};
const Variant kVariants[] = {{"openai", true}, {"openai", false}, {"anthropic", true}, {"anthropic", false}};

// The main model: 4 fetch calls after 400 ms (time for the guesses to
// start), then the answer naming the results.
const char *kMain =
    "{\"rounds\":[{\"repeat\":{\"name\":\"fetch\",\"count\":4,\"arguments\":{\"i\":\"{i}\"}}},"
    "{\"text\":\"answer: {tool_results}\"}],\"ttfb_ms\":400}";

std::string predict(const std::vector<std::string> &calls) {
  std::string items;
  for (const std::string &c : calls) items += (items.empty() ? "" : ",") + c;
  return "{\"rounds\":[{\"tool_calls\":[{\"name\":\"predict_calls\",\"arguments\":{\"calls\":[" + items +
         "]}}]},{\"tool_calls\":[{\"name\":\"predict_calls\",\"arguments\":{\"calls\":[]}}]}]}";
}
std::string fetch_guess(const std::string &i, double confidence = 0.9) {
  return "{\"tool\":\"fetch\",\"arguments\":{\"i\":\"" + i + "\"},\"confidence\":" + std::to_string(confidence) + "}";
}

struct SpecServer {
  std::unique_ptr<toolorch::mockllm::Server> server;
  explicit SpecServer(const std::string &script) {
    toolorch::mockllm::Options mo;
    mo.script_json = script;
    std::string err;
    server = toolorch::mockllm::Server::start(mo, &err);
    if (!server) fail_msg("speculation server: %s", err.c_str());
  }
};

std::string model_request(const Variant &v, const SpecServer &spec, int timeout_ms = 5000) {
  return std::string("{\"prompt\":\"go\",\"stream\":") + (v.stream ? "true" : "false") +
         ",\"speculation\":{\"source\":\"model\",\"timeout_ms\":" + std::to_string(timeout_ms) +
         ",\"model\":{\"base_url\":\"" + spec.server->url() + "\",\"model\":\"small\"}}}";
}

const char *kAnswer = "answer: ok:{\"i\":\"0\"},ok:{\"i\":\"1\"},ok:{\"i\":\"2\"},ok:{\"i\":\"3\"}";

// toolorch_speculations_total{outcome="<outcome>"} from the metrics text.
double spec_metric(const JobHarness &h, const char *outcome) {
  char *text = toolorch_metrics_text(h.ctx());
  assert_non_null(text);
  std::string key = std::string("toolorch_speculations_total{outcome=\"") + outcome + "\"} ";
  const char *at = strstr(text, key.c_str());
  if (!at) fail_msg("no %s in the metrics", key.c_str());
  double v = strtod(at + key.size(), nullptr);
  free(text);
  return v;
}

// The counter of every outcome matches the context's stats.
void spec_metrics_match_stats(const JobHarness &h, int started) {
  assert_int_equal(spec_metric(h, "started"), started);
  assert_int_equal(spec_metric(h, "hit"), h.stat("speculation_hits"));
  assert_int_equal(spec_metric(h, "cancelled"), h.stat("speculation_cancelled"));
  assert_int_equal(spec_metric(h, "wasted"), h.stat("speculation_wasted"));
  int64_t dropped = 0;
  for (const char *r : {"side_effects", "over_cap", "below_threshold", "unknown_tool", "invalid_arguments",
                        "rate_limited"})
    dropped += h.stat((std::string("speculation_dropped_") + r).c_str());
  assert_int_equal(spec_metric(h, "dropped"), dropped);
  assert_int_equal(spec_metric(h, "source_failed"), h.stat("speculation_source_failures"));
}

int count_prefix(const std::vector<std::string> &v, const std::string &prefix) {
  int n = 0;
  for (auto &s : v) n += s.rfind(prefix, 0) == 0;
  return n;
}

}  // namespace

static void model_all_right(void **) {
  for (const Variant &v : kVariants) {
    SpecServer spec(predict({fetch_guess("0"), fetch_guess("1"), fetch_guess("2"), fetch_guess("3")}));
    JobHarness h(kMain, v.protocol);
    h.add_tools(1);
    JobRun r = h.run(model_request(v, spec));
    assert_int_equal(r.done_status, TOOLORCH_OK);
    assert_string_equal(r.done_text.c_str(), kAnswer);
    assert_int_equal(r.tool_runs(), 4);  // each tool ran once
    assert_int_equal(r.taken_over[1] + r.taken_over[2], 4);
    assert_int_equal(count_prefix(r.spec, "1:fetch"), 4);  // used
    assert_int_equal(h.stat("speculation_hits"), 4);
    // The main model got each result once, under the ids it issued.
    assert_int_equal(h.server_stat("tool_results_seen"), 4);
    assert_int_equal(h.server_stat("unknown_result_ids"), 0);
    assert_int_equal(h.server_stat("duplicate_results"), 0);
    assert_non_null(strstr(r.spec_json.c_str(), "\"hits\":4"));
    assert_int_equal(spec_metric(h, "hit"), 4);
    assert_int_equal(spec_metric(h, "cancelled") + spec_metric(h, "wasted"), 0);
    spec_metrics_match_stats(h, 4);
  }
}

static void model_all_wrong_and_half(void **) {
  for (const Variant &v : kVariants) {
    for (int half = 0; half < 2; ++half) {
      SpecServer spec(half ? predict({fetch_guess("0"), fetch_guess("1"), fetch_guess("x"), fetch_guess("y")})
                           : predict({fetch_guess("x"), fetch_guess("y")}));
      JobHarness h(kMain, v.protocol);
      h.add_tools(1);
      JobRun r = h.run(model_request(v, spec));
      assert_int_equal(r.done_status, TOOLORCH_OK);
      assert_string_equal(r.done_text.c_str(), kAnswer);  // the answer is unchanged
      int hits = half ? 2 : 0;
      assert_int_equal(h.stat("speculation_hits"), hits);
      assert_int_equal(r.tool_runs(), 4 - hits + (half ? 4 : 2));
      // The wrong guesses were cancelled or discarded, never delivered.
      assert_int_equal(count_prefix(r.spec, "2:") + count_prefix(r.spec, "3:"), 2);
      // toolorch_speculations_total: every guess started; the wrong ones
      // cancelled or wasted.
      assert_int_equal(spec_metric(h, "hit"), hits);
      assert_int_equal(spec_metric(h, "cancelled") + spec_metric(h, "wasted"), 2);
      assert_int_equal(spec_metric(h, "dropped"), 0);
      spec_metrics_match_stats(h, half ? 4 : 2);
      assert_int_equal(h.server_stat("tool_results_seen"), 4);
      assert_int_equal(h.server_stat("unknown_result_ids"), 0);
    }
  }
}

static void side_effecting_guess_never_runs(void **) {
  SpecServer spec(predict({"{\"tool\":\"write\",\"arguments\":{},\"confidence\":1}"}));
  JobHarness h(kMain, "openai");
  h.add_tools(1);
  JobRun r = h.run(model_request(kVariants[0], spec));
  assert_int_equal(r.done_status, TOOLORCH_OK);
  for (auto &l : r.log) assert_null(strstr(l.c_str(), "write"));
  assert_int_equal(count_prefix(r.spec, "4:write:side_effects"), 1);
  assert_int_equal(h.stat("speculation_dropped_side_effects"), 1);
  assert_int_equal(spec_metric(h, "dropped"), 1);
  spec_metrics_match_stats(h, 0);
}

static void speculation_model_slow_failing_garbage(void **) {
  const char *scripts[] = {
      // slow: answers after the speculation timeout
      "{\"rounds\":[{\"text\":\"late\"}],\"ttfb_ms\":3000}",
      // failing
      "{\"rounds\":[{\"text\":\"x\"}],\"faults\":[{\"kind\":\"http_500\",\"times\":-1}]}",
      // garbage
      "{\"rounds\":[{\"text\":\"x\"}],\"faults\":[{\"kind\":\"non_json_body\",\"times\":-1}]}",
      // no predict_calls, or a malformed list
      "{\"rounds\":[{\"text\":\"I guess fetch\"}]}",
      "{\"rounds\":[{\"tool_calls\":[{\"name\":\"predict_calls\",\"arguments\":{\"calls\":\"many\"}}]}]}",
  };
  for (const char *script : scripts) {
    for (const Variant &v : {kVariants[0], kVariants[3]}) {
      SpecServer spec(script);
      JobHarness h(kMain, v.protocol);
      h.add_tools(1);
      JobRun r = h.run(model_request(v, spec, 200));
      assert_int_equal(r.done_status, TOOLORCH_OK);
      assert_string_equal(r.done_text.c_str(), kAnswer);
      assert_int_equal(r.tool_runs(), 4);
      assert_true(h.stat("speculation_source_failures") >= 1);
      assert_int_equal(h.stat("speculation_hits"), 0);
      assert_true(spec_metric(h, "source_failed") >= 1);
      spec_metrics_match_stats(h, 0);
    }
  }
}

namespace {
struct PredictorState {
  std::vector<std::thread> threads;
  std::atomic<int> late_status{0};
  int mode = 0;  // 0: right guesses from another thread; 1: never answers
};

void predictor(const char *request, toolorch_prediction *p, void *ud) {
  auto *st = static_cast<PredictorState *>(ud);
  bool first_round = strstr(request, "\"round\":1") != nullptr;
  if (st->mode == 1 || !first_round) {
    if (!first_round && st->mode == 0) toolorch_prediction_done(p);
    return;  // never answers: toolorch_free releases it
  }
  st->threads.emplace_back([p] {
    for (int i = 0; i < 4; ++i) {
      std::string args = "{\"i\":\"" + std::to_string(i) + "\"}";
      toolorch_prediction_add(p, "fetch", args.c_str(), 0.9);
    }
    toolorch_prediction_done(p);
  });
}
}  // namespace

static void predictor_from_another_thread_and_never(void **) {
  for (int mode = 0; mode < 2; ++mode) {
    PredictorState st;
    st.mode = mode;
    JobHarness h(kMain, "anthropic");
    h.add_tools(1);
    assert_int_equal(toolorch_set_predictor(h.ctx(), predictor, &st), TOOLORCH_OK);
    JobRun r = h.run("{\"prompt\":\"go\",\"speculation\":{\"source\":\"predictor\"}}");
    for (auto &t : st.threads) t.join();
    assert_int_equal(r.done_status, TOOLORCH_OK);
    assert_string_equal(r.done_text.c_str(), kAnswer);
    assert_int_equal(r.tool_runs(), 4);
    assert_int_equal(h.stat("speculation_hits"), mode == 0 ? 4 : 0);
  }
}

static void history_hit_on_repeat_not_on_another(void **) {
  for (const Variant &v : {kVariants[0], kVariants[3]}) {
    JobHarness h(kMain, v.protocol);
    h.add_tools(1);
    std::string req = std::string("{\"prompt\":\"same question\",\"stream\":") + (v.stream ? "true" : "false") +
                      ",\"speculation\":{\"source\":\"history\"}}";
    JobRun first = h.run(req);
    assert_int_equal(first.done_status, TOOLORCH_OK);
    assert_int_equal(h.stat("speculation_hits"), 0);
    JobRun again = h.run(req);
    assert_string_equal(again.done_text.c_str(), kAnswer);
    assert_int_equal(again.tool_runs(), 4);
    assert_int_equal(h.stat("speculation_hits"), 4);
    JobRun other = h.run(std::string("{\"prompt\":\"another question\",\"speculation\":{\"source\":\"history\"}}"));
    assert_int_equal(other.done_status, TOOLORCH_OK);
    assert_int_equal(h.stat("speculation_hits"), 4);
    assert_int_equal(other.tool_runs(), 4);
  }
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(model_all_right),
      cmocka_unit_test(model_all_wrong_and_half),
      cmocka_unit_test(side_effecting_guess_never_runs),
      cmocka_unit_test(speculation_model_slow_failing_garbage),
      cmocka_unit_test(predictor_from_another_thread_and_never),
      cmocka_unit_test(history_hit_on_repeat_not_on_another),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
