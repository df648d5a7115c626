// Traces end to end: a loopback OTLP/HTTP receiver (tests/support's test
// server) takes the export of a 2-round job with a tool retry, a failed tool,
// an HTTP tool and an LLM retry; the span tree, names, attributes, ids and
// timestamps are checked. Then a collector that is down (nothing blocks,
// drops are counted) and sampling at 0 and at 1 (with the OTEL_* variables).
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <toolorch/speculation.h>
#include <toolorch/toolorch.h>

#include "cmocka_cpp.h"
#include "json/json.h"
#include "mock_server.h"
#include "obs_util.h"
#include "test_http_server.h"

using toolorch::test::HttpBehaviour;
using toolorch::test::TestHttpServer;

namespace {

struct SpanRec {
  std::string trace_id, span_id, parent, name;
  long long start = 0, end = 0;
  int kind = 0, status = 0;
  std::map<std::string, std::string> attrs;  // every value as text
};

std::vector<SpanRec> received(const TestHttpServer &srv, std::string *service = nullptr) {
  std::vector<SpanRec> out;
  for (const auto &req : srv.requests()) {
    if (req.path != "/v1/traces") continue;
    assert_string_equal(req.method.c_str(), "POST");
    const std::string *ct = req.header("Content-Type");
    assert_non_null(ct);
    assert_string_equal(ct->c_str(), "application/json");
    toolorch::json::Ptr doc = toolorch::json::parse(req.body);
    assert_non_null(doc.get());
    for (const cJSON *rs = cJSON_GetObjectItem(doc.get(), "resourceSpans")->child; rs; rs = rs->next) {
      const cJSON *rattrs = cJSON_GetObjectItem(cJSON_GetObjectItem(rs, "resource"), "attributes");
      for (const cJSON *a = rattrs->child; a; a = a->next)
        if (service && !strcmp(cJSON_GetObjectItem(a, "key")->valuestring, "service.name"))
          *service = cJSON_GetObjectItem(cJSON_GetObjectItem(a, "value"), "stringValue")->valuestring;
      for (const cJSON *ss = cJSON_GetObjectItem(rs, "scopeSpans")->child; ss; ss = ss->next)
        for (const cJSON *s = cJSON_GetObjectItem(ss, "spans")->child; s; s = s->next) {
          SpanRec r;
          r.trace_id = cJSON_GetObjectItem(s, "traceId")->valuestring;
          r.span_id = cJSON_GetObjectItem(s, "spanId")->valuestring;
          if (const cJSON *p = cJSON_GetObjectItem(s, "parentSpanId")) r.parent = p->valuestring;
          r.name = cJSON_GetObjectItem(s, "name")->valuestring;
          r.kind = cJSON_GetObjectItem(s, "kind")->valueint;
          r.start = atoll(cJSON_GetObjectItem(s, "startTimeUnixNano")->valuestring);
          r.end = atoll(cJSON_GetObjectItem(s, "endTimeUnixNano")->valuestring);
          if (const cJSON *code = cJSON_GetObjectItem(cJSON_GetObjectItem(s, "status"), "code")) r.status = code->valueint;
          for (const cJSON *a = cJSON_GetObjectItem(s, "attributes")->child; a; a = a->next) {
            const cJSON *v = cJSON_GetObjectItem(a, "value")->child;
            std::string text = cJSON_IsString(v) ? v->valuestring
                               : cJSON_IsBool(v) ? (cJSON_IsTrue(v) ? "true" : "false")
                                                 : std::to_string(v->valuedouble);
            r.attrs[cJSON_GetObjectItem(a, "key")->valuestring] = text;
          }
          out.push_back(r);
        }
    }
  }
  return out;
}

std::vector<const SpanRec *> named(const std::vector<SpanRec> &all, const std::string &name) {
  std::vector<const SpanRec *> out;
  for (const SpanRec &s : all)
    if (s.name == name) out.push_back(&s);
  return out;
}

std::atomic<int> flaky_calls{0};
void ok_tool(toolorch_call *call, const char *, void *) { toolorch_call_complete(call, "fine"); }
void bad_tool(toolorch_call *call, const char *, void *) { toolorch_call_fail(call, "broken on purpose"); }
void flaky_tool(toolorch_call *call, const char *, void *) {
  if (flaky_calls.fetch_add(1) == 0) toolorch_call_fail_ex(call, "first attempt fails", TOOLORCH_FAIL_RETRYABLE);
  else toolorch_call_complete(call, "second time lucky");
}

void add_tool(toolorch_ctx *ctx, const char *name, toolorch_tool_fn fn, const std::string &url = "") {
  toolorch_tool *t = toolorch_tool_new(name);
  if (fn) toolorch_tool_set_fn(t, fn, nullptr);
  else toolorch_tool_set_http(t, url.c_str());
  if (!strcmp(name, "flaky")) toolorch_tool_set_retry(t, 2, TOOLORCH_BACKOFF_FIXED, 1, 1);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);
}

int wait_for(toolorch_ctx *ctx, int want_type) {
  for (;;) {
    toolorch_event *ev = nullptr;
    assert_int_equal(toolorch_next_event(ctx, 20000, &ev), TOOLORCH_OK);
    int type = toolorch_event_type_of(ev), status = toolorch_event_status(ev);
    toolorch_event_free(ev);
    if (type == want_type) return status;
  }
}

toolorch_ctx *new_ctx(const std::string &json) {
  toolorch_opts *o = toolorch_opts_new();
  if (toolorch_opts_from_json(o, json.c_str()) != TOOLORCH_OK) fail_msg("options: %s", toolorch_opts_last_error(o));
  toolorch_ctx *ctx = toolorch_new(o, nullptr);
  toolorch_opts_free(o);
  if (!ctx) fail_msg("toolorch_new: %s", toolorch_last_error(nullptr));
  return ctx;
}

void run_batch(toolorch_ctx *ctx, int n) {
  toolorch_batch *b = toolorch_batch_new(ctx, nullptr);
  for (int i = 0; i < n; ++i) toolorch_batch_add(b, "ok", "{}", nullptr);
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  wait_for(ctx, TOOLORCH_EVENT_BATCH_DONE);
  toolorch_batch_free(b);
}

}  // namespace

static void span_tree_of_a_two_round_job(void **) {
  TestHttpServer collector;
  collector.set("/v1/traces", HttpBehaviour::fixed(200, "{}"));
  collector.set("/tool", HttpBehaviour::fixed(200, "{\"page\": 1}"));
  assert_true(collector.start());
  toolorch::mockllm::Options mo;
  mo.script_json =
      "{\"rounds\": [{\"text\": \"looking\", \"tool_calls\": [{\"name\": \"ok\"}, {\"name\": \"bad\"},"
      " {\"name\": \"flaky\"}, {\"name\": \"web\", \"arguments\": {\"q\": \"x\"}}]}, {\"text\": \"done\"}],"
      " \"usage\": {\"input_tokens\": 100, \"output_tokens\": 20},"
      " \"faults\": [{\"round\": 1, \"kind\": \"http_500\", \"times\": 1}]}";
  std::string err;
  auto llm = toolorch::mockllm::Server::start(mo, &err);
  assert_non_null(llm.get());
  toolorch_ctx *ctx = new_ctx("{\"llm\": {\"protocol\": \"openai\", \"base_url\": \"" + llm->url() +
                              "\", \"api_key\": \"k\", \"model\": \"m\"}, \"observability\": {\"otlp_endpoint\": \"" +
                              collector.url("") + "\", \"otlp_flush_ms\": 20, \"service_name\": \"trace-test\"}}");
  flaky_calls = 0;
  add_tool(ctx, "ok", ok_tool);
  add_tool(ctx, "bad", bad_tool);
  add_tool(ctx, "flaky", flaky_tool);
  add_tool(ctx, "web", nullptr, collector.url("/tool"));
  const std::string host_trace = "4bf92f3577b34da6a3ce929d0e0e4736", host_span = "00f067aa0ba902b7";
  std::string req = "{\"prompt\": \"hi\", \"name\": \"helper\", \"llm_backoff_base_ms\": 5, \"traceparent\": \"00-" +
                    host_trace + "-" + host_span + "-01\"}";
  int status = 0;
  toolorch_job *job = toolorch_job_start(ctx, req.c_str(), nullptr, &status);
  assert_non_null(job);
  assert_int_equal(wait_for(ctx, TOOLORCH_EVENT_JOB_DONE), TOOLORCH_OK);
  toolorch_job_free(job);
  toolorch_free(ctx);  // sends what is still queued

  std::string service;
  std::vector<SpanRec> spans = received(collector, &service);
  assert_string_equal(service.c_str(), "trace-test");
  // invoke_agent, 2 rounds, 3 chat attempts (round 2's first got a 500),
  // 5 tool attempts (flaky twice).
  assert_int_equal(spans.size(), 1 + 2 + 3 + 5);
  for (const SpanRec &s : spans) {
    assert_string_equal(s.trace_id.c_str(), host_trace.c_str());  // the host's trace
    assert_true(s.start > 0 && s.start <= s.end);
  }
  auto agents = named(spans, "invoke_agent helper");
  assert_int_equal(agents.size(), 1);
  const SpanRec &agent = *agents[0];
  assert_string_equal(agent.parent.c_str(), host_span.c_str());
  assert_string_equal(agent.attrs.at("gen_ai.operation.name").c_str(), "invoke_agent");
  const SpanRec *r1 = named(spans, "round 1").at(0), *r2 = named(spans, "round 2").at(0);
  for (const SpanRec *r : {r1, r2}) {
    assert_string_equal(r->parent.c_str(), agent.span_id.c_str());
    assert_true(r->start >= agent.start && r->end <= agent.end);
  }
  assert_true(r1->end <= r2->start);
  auto chats = named(spans, "chat m");
  assert_int_equal(chats.size(), 3);
  int in_r1 = 0, in_r2 = 0, errors = 0;
  for (const SpanRec *c : chats) {
    assert_int_equal(c->kind, 3);  // CLIENT
    assert_string_equal(c->attrs.at("gen_ai.provider.name").c_str(), "openai");
    assert_string_equal(c->attrs.at("gen_ai.request.model").c_str(), "m");
    const SpanRec *round = c->parent == r1->span_id ? r1 : r2;
    assert_string_equal(c->parent.c_str(), round->span_id.c_str());
    assert_true(c->start >= round->start && c->end <= round->end);
    (round == r1 ? in_r1 : in_r2)++;
    if (c->status == 2) {
      errors++;
      assert_string_equal(c->attrs.at("error.type").c_str(), "server_error");
      assert_string_equal(c->attrs.at("toolorch.llm.attempt").c_str(), "1");
    } else {
      assert_string_equal(c->attrs.at("gen_ai.usage.input_tokens").c_str(), "100");
      assert_string_equal(c->attrs.at("gen_ai.usage.output_tokens").c_str(), "20");
      assert_true(c->attrs.count("toolorch.llm.time_to_first_token_ms"));
    }
  }
  assert_int_equal(in_r1, 1);
  assert_int_equal(in_r2, 2);
  assert_int_equal(errors, 1);
  // Every tool attempt is a child of round 1, not of whatever ran last.
  std::map<std::string, std::vector<const SpanRec *>> tools;
  for (const SpanRec &s : spans)
    if (s.name.rfind("execute_tool ", 0) == 0) {
      assert_string_equal(s.parent.c_str(), r1->span_id.c_str());
      assert_true(s.start >= r1->start && s.end <= r1->end);
      assert_string_equal(s.attrs.at("gen_ai.operation.name").c_str(), "execute_tool");
      assert_true(!s.attrs.at("gen_ai.tool.call.id").empty());
      tools[s.attrs.at("gen_ai.tool.name")].push_back(&s);
    }
  assert_int_equal(tools["ok"].size(), 1);
  assert_int_equal(tools["ok"][0]->status, 0);
  assert_string_equal(tools["ok"][0]->attrs.at("toolorch.tool.status").c_str(), "succeeded");
  assert_int_equal(tools["bad"].size(), 1);
  assert_int_equal(tools["bad"][0]->status, 2);
  assert_string_equal(tools["bad"][0]->attrs.at("error.type").c_str(), "tool_error");
  assert_string_equal(tools["bad"][0]->attrs.at("toolorch.tool.status").c_str(), "failed");
  assert_int_equal(tools["flaky"].size(), 2);
  const SpanRec *f1 = tools["flaky"][0], *f2 = tools["flaky"][1];
  if (f1->start > f2->start) std::swap(f1, f2);
  assert_string_equal(f1->attrs.at("toolorch.tool.status").c_str(), "retrying");
  assert_string_equal(f1->attrs.at("toolorch.tool.attempt").c_str(), "1");
  assert_string_equal(f2->attrs.at("toolorch.tool.attempt").c_str(), "2");
  assert_string_equal(f2->attrs.at("toolorch.tool.attempts").c_str(), "2");
  assert_string_equal(f2->attrs.at("toolorch.tool.status").c_str(), "succeeded");
  assert_string_equal(f1->attrs.at("gen_ai.tool.call.id").c_str(), f2->attrs.at("gen_ai.tool.call.id").c_str());
  assert_true(f1->end <= f2->start);
  // The HTTP tool's request carried its attempt's span as traceparent.
  assert_int_equal(tools["web"].size(), 1);
  bool seen = false;
  for (const auto &r : collector.requests())
    if (r.path == "/tool") {
      const std::string *tp = r.header("traceparent");
      assert_non_null(tp);
      assert_string_equal(tp->c_str(), ("00-" + host_trace + "-" + tools["web"][0]->span_id + "-01").c_str());
      seen = true;
    }
  assert_true(seen);
}

static void collector_down_drops_and_counts(void **) {
  TestHttpServer gone;
  assert_true(gone.start());
  std::string url = gone.url("");
  gone.stop();  // nothing listens there now
  toolorch_ctx *ctx = new_ctx("{\"observability\": {\"otlp_endpoint\": \"" + url +
                              "\", \"otlp_flush_ms\": 10, \"otlp_max_queue\": 10}}");
  add_tool(ctx, "ok", ok_tool);
  run_batch(ctx, 200);  // 201 spans: the batch's and one per call; the batch ends regardless
  double dropped = 0;
  for (int i = 0; i < 2000 && dropped < 201; ++i) {
    char *text = toolorch_metrics_text(ctx);
    dropped = obs_test::value(obs_test::samples(text), "toolorch_trace_spans_dropped_total");
    free(text);
    if (dropped < 201) usleep(5000);
  }
  // The queue held 10; the rest were dropped at once, those 10 when the
  // export failed.
  if (dropped != 201) fail_msg("dropped %g spans, want 201", dropped);
  run_batch(ctx, 5);  // still running normally
  toolorch_free(ctx);
}

static void sampling_zero_and_one(void **) {
  TestHttpServer collector;
  collector.set("/v1/traces", HttpBehaviour::fixed(200, "{}"));
  assert_true(collector.start());
  toolorch_ctx *none = new_ctx("{\"observability\": {\"otlp_endpoint\": \"" + collector.url("") +
                               "\", \"otlp_flush_ms\": 10, \"trace_sample\": 0}}");
  add_tool(none, "ok", ok_tool);
  run_batch(none, 20);
  toolorch_free(none);
  assert_int_equal(received(collector).size(), 0);

  // Ratio 1, endpoint and service from the standard variables.
  setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url("").c_str(), 1);
  setenv("OTEL_SERVICE_NAME", "from-env", 1);
  setenv("OTEL_TRACES_SAMPLER_ARG", "1.0", 1);
  toolorch_ctx *all = new_ctx("{\"observability\": {\"otlp_flush_ms\": 10}}");
  unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT");
  unsetenv("OTEL_SERVICE_NAME");
  unsetenv("OTEL_TRACES_SAMPLER_ARG");
  add_tool(all, "ok", ok_tool);
  run_batch(all, 20);
  toolorch_free(all);
  std::string service;
  auto spans = received(collector, &service);
  assert_string_equal(service.c_str(), "from-env");
  assert_int_equal(spans.size(), 21);
  const SpanRec *batch = named(spans, "batch").at(0);
  assert_true(batch->parent.empty());
  for (const SpanRec &s : spans)
    if (&s != batch) {
      assert_string_equal(s.parent.c_str(), batch->span_id.c_str());
      assert_string_equal(s.trace_id.c_str(), batch->trace_id.c_str());
    }
}

// A chain's steps (docs/CHAINS.md) are child spans of the chain call's
// execute_tool span.
static void chain_steps_are_child_spans(void **) {
  TestHttpServer collector;
  collector.set("/v1/traces", HttpBehaviour::fixed(200, "{}"));
  assert_true(collector.start());
  toolorch_ctx *ctx = new_ctx("{\"observability\": {\"otlp_endpoint\": \"" + collector.url("") +
                              "\", \"otlp_flush_ms\": 10, \"trace_sample\": 1}}");
  add_tool(ctx, "ok", ok_tool);
  assert_int_equal(toolorch_register_chain_json(ctx, R"({"name":"pair","steps":[
      {"parallel":[{"name":"a","tool":"ok"},{"name":"b","tool":"ok"}]},{"name":"c","tool":"ok"}]})"), TOOLORCH_OK);
  toolorch_batch *b = toolorch_batch_new(ctx, nullptr);
  toolorch_batch_add(b, "pair", "{}", "p1");
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  wait_for(ctx, TOOLORCH_EVENT_BATCH_DONE);
  toolorch_batch_free(b);
  toolorch_free(ctx);
  auto spans = received(collector);
  auto chain = named(spans, "execute_tool pair");
  auto steps = named(spans, "execute_tool ok");
  assert_int_equal(chain.size(), 1);
  assert_int_equal(steps.size(), 3);
  assert_string_equal(chain[0]->parent.c_str(), named(spans, "batch").at(0)->span_id.c_str());
  for (const SpanRec *st : steps) {
    assert_string_equal(st->parent.c_str(), chain[0]->span_id.c_str());
    assert_string_equal(st->trace_id.c_str(), chain[0]->trace_id.c_str());
  }
}

namespace {
// Round 1's guesses: one the model will ask for, one it will not.
void two_guesses(const char *request, toolorch_prediction *p, void *) {
  if (strstr(request, "\"round\":1")) {
    toolorch_prediction_add(p, "pure", "{\"i\":\"1\"}", 0.9);
    toolorch_prediction_add(p, "pure", "{\"i\":\"9\"}", 0.9);
  }
  toolorch_prediction_done(p);
}
}  // namespace

// Speculation in the trace: a guess's execute_tool span says whether a real
// call took it over (then it carries the model's call id), and it belongs
// to the round like the real calls; the outcome counters agree.
static void speculation_hit_on_tool_spans(void **) {
  TestHttpServer collector;
  collector.set("/v1/traces", HttpBehaviour::fixed(200, "{}"));
  assert_true(collector.start());
  toolorch::mockllm::Options mo;
  // The response comes after 300 ms: the guesses have run by then.
  mo.script_json =
      "{\"rounds\": [{\"tool_calls\": [{\"name\": \"pure\", \"arguments\": {\"i\": \"1\"}},"
      " {\"name\": \"pure\", \"arguments\": {\"i\": \"2\"}}]}, {\"text\": \"done\"}], \"ttfb_ms\": 300}";
  std::string err;
  auto llm = toolorch::mockllm::Server::start(mo, &err);
  assert_non_null(llm.get());
  toolorch_ctx *ctx = new_ctx("{\"llm\": {\"protocol\": \"openai\", \"base_url\": \"" + llm->url() +
                              "\", \"api_key\": \"k\", \"model\": \"m\"}, \"observability\": {\"otlp_endpoint\": \"" +
                              collector.url("") + "\", \"otlp_flush_ms\": 20}}");
  toolorch_tool *t = toolorch_tool_new("pure");
  toolorch_tool_set_fn(t, ok_tool, nullptr);
  toolorch_tool_set_flags(t, TOOLORCH_TOOL_SIDE_EFFECT_FREE);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);
  assert_int_equal(toolorch_set_predictor(ctx, two_guesses, nullptr), TOOLORCH_OK);
  int status = 0;
  toolorch_job *job = toolorch_job_start(
      ctx, "{\"prompt\": \"hi\", \"name\": \"spec\", \"speculation\": {\"source\": \"predictor\"}}", nullptr,
      &status);
  assert_non_null(job);
  assert_int_equal(wait_for(ctx, TOOLORCH_EVENT_JOB_DONE), TOOLORCH_OK);
  toolorch_job_free(job);
  char *text = toolorch_metrics_text(ctx);
  auto m = obs_test::samples(text);
  free(text);
  assert_int_equal(obs_test::value(m, "toolorch_speculations_total{outcome=\"started\"}"), 2);
  assert_int_equal(obs_test::value(m, "toolorch_speculations_total{outcome=\"hit\"}"), 1);
  assert_int_equal(obs_test::value(m, "toolorch_speculations_total{outcome=\"wasted\"}") +
                       obs_test::value(m, "toolorch_speculations_total{outcome=\"cancelled\"}"),
                   1);
  assert_int_equal(obs_test::value(m, "toolorch_speculations_total{outcome=\"dropped\"}"), 0);
  assert_int_equal(obs_test::value(m, "toolorch_tools_total{tool_name=\"pure\",status=\"succeeded\"}"), 3);
  toolorch_free(ctx);

  std::vector<SpanRec> spans = received(collector);
  const SpanRec *r1 = named(spans, "round 1").at(0);
  auto tools = named(spans, "execute_tool pure");
  assert_int_equal(tools.size(), 3);  // two guesses, one real call
  const SpanRec *hit = nullptr, *miss = nullptr, *real = nullptr;
  for (const SpanRec *s : tools) {
    assert_string_equal(s->parent.c_str(), r1->span_id.c_str());
    assert_string_equal(s->trace_id.c_str(), r1->trace_id.c_str());
    assert_true(s->start >= r1->start && s->end <= r1->end && s->start <= s->end);
    assert_string_equal(s->attrs.at("toolorch.tool.status").c_str(), "succeeded");
    auto h = s->attrs.find("toolorch.speculation.hit");
    if (h == s->attrs.end()) real = s;
    else if (h->second == "true") hit = s;
    else miss = s;
  }
  assert_non_null(hit);
  assert_non_null(miss);
  assert_non_null(real);
  assert_string_equal(hit->attrs.at("toolorch.speculation.outcome").c_str(), "hit");
  // Taken over: the model's id, the guess's id beside it.
  assert_string_equal(hit->attrs.at("toolorch.speculation.guess_id").c_str(), "guess_1");
  assert_true(hit->attrs.at("gen_ai.tool.call.id").rfind("guess_", 0) != 0);
  assert_string_equal(miss->attrs.at("toolorch.speculation.outcome").c_str(), "wasted");
  assert_string_equal(miss->attrs.at("gen_ai.tool.call.id").c_str(), "guess_2");
  assert_int_equal(real->attrs.count("toolorch.speculation.outcome"), 0);
  assert_true(real->attrs.at("gen_ai.tool.call.id").rfind("guess_", 0) != 0);
}

int main(void) {
  curl_global_init(CURL_GLOBAL_ALL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(span_tree_of_a_two_round_job),
      cmocka_unit_test(collector_down_drops_and_counts),
      cmocka_unit_test(sampling_zero_and_one),
      cmocka_unit_test(chain_steps_are_child_spans),
      cmocka_unit_test(speculation_hit_on_tool_spans),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
