// Metrics end to end: a batch and a job run through the public C API, then
// the built-in /metrics endpoint is scraped over real HTTP: exact counter
// values, histograms consistent with themselves, and promtool accepts the
// text. User metrics through toolorch_metric_*.
#include <cstring>
#include <string>

#include <toolorch/toolorch.h>

#include "cmocka_cpp.h"
#include "mock_server.h"
#include "obs_util.h"

using obs_test::value;

static void ok_tool(toolorch_call *call, const char *, void *) { toolorch_call_complete(call, "fine"); }
static void bad_tool(toolorch_call *call, const char *, void *) { toolorch_call_fail(call, "broken on purpose"); }
// Fails its first attempt (retryable), succeeds on the second.
static void flaky_tool(toolorch_call *call, const char *args, void *) {
  if (strstr(args, "\"again\"")) toolorch_call_complete(call, "second time lucky");
  else toolorch_call_fail_ex(call, "first attempt fails", TOOLORCH_FAIL_RETRYABLE);
}

static void add_tool(toolorch_ctx *ctx, const char *name, toolorch_tool_fn fn) {
  toolorch_tool *t = toolorch_tool_new(name);
  toolorch_tool_set_fn(t, fn, nullptr);
  if (!strcmp(name, "flaky")) toolorch_tool_set_retry(t, 2, TOOLORCH_BACKOFF_FIXED, 1, 1);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);
}

static int wait_for(toolorch_ctx *ctx, int want_type) {
  for (;;) {
    toolorch_event *ev = nullptr;
    assert_int_equal(toolorch_next_event(ctx, 20000, &ev), TOOLORCH_OK);
    int type = toolorch_event_type_of(ev), status = toolorch_event_status(ev);
    toolorch_event_free(ev);
    if (type == want_type) return status;
  }
}

static std::string scrape(toolorch_ctx *ctx) {
  int port = toolorch_metrics_port(ctx);
  assert_true(port > 0);
  long status = 0;
  std::string ctype;
  std::string body = obs_test::http_get("http://127.0.0.1:" + std::to_string(port) + "/metrics", &status, &ctype);
  assert_int_equal(status, 200);
  assert_non_null(strstr(ctype.c_str(), "text/plain; version=0.0.4"));
  long nf = 0;
  obs_test::http_get("http://127.0.0.1:" + std::to_string(port) + "/other", &nf);
  assert_int_equal(nf, 404);
  return body;
}

static void a_batch_then_a_scrape(void **) {
  toolorch_opts *o = toolorch_opts_new();
  assert_int_equal(toolorch_opts_set_string(o, "observability.metrics_listen", "127.0.0.1:0"), TOOLORCH_OK);
  toolorch_ctx *ctx = toolorch_new(o, nullptr);
  toolorch_opts_free(o);
  assert_non_null(ctx);
  add_tool(ctx, "ok", ok_tool);
  add_tool(ctx, "bad", bad_tool);
  add_tool(ctx, "flaky", flaky_tool);
  toolorch_batch *b = toolorch_batch_new(ctx, nullptr);
  for (int i = 0; i < 5; ++i) toolorch_batch_add(b, "ok", "{}", nullptr);
  for (int i = 0; i < 3; ++i) toolorch_batch_add(b, "bad", "{}", nullptr);
  // The flaky tool sees the same arguments on its retry: it fails both.
  toolorch_batch_add(b, "flaky", "{}", nullptr);
  toolorch_batch_add(b, "flaky", "{\"x\": \"again\"}", nullptr);
  toolorch_batch_add(b, "no_such_tool", "{}", nullptr);
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  wait_for(ctx, TOOLORCH_EVENT_BATCH_DONE);
  toolorch_batch_free(b);

  std::string text = scrape(ctx);
  auto m = obs_test::samples(text);
  assert_true(value(m, "toolorch_tools_total{tool_name=\"ok\",status=\"succeeded\"}") == 5);
  assert_true(value(m, "toolorch_tools_total{tool_name=\"ok\",status=\"failed\"}") == 0);
  assert_true(value(m, "toolorch_tools_total{tool_name=\"bad\",status=\"failed\"}") == 3);
  assert_true(value(m, "toolorch_tools_total{tool_name=\"flaky\",status=\"failed\"}") == 1);
  assert_true(value(m, "toolorch_tools_total{tool_name=\"flaky\",status=\"succeeded\"}") == 1);
  // An unknown tool's name is not a label value: it folds into "other".
  assert_true(value(m, "toolorch_tools_total{tool_name=\"other\",status=\"failed\"}") == 1);
  assert_null(strstr(text.c_str(), "no_such_tool"));
  // flaky "{}" retried twice (3 attempts), flaky "again" not at all.
  assert_true(value(m, "toolorch_retries_total{kind=\"tool\"}") == 2);
  assert_true(value(m, "toolorch_retries_total{kind=\"llm\"}") == 0);
  assert_true(value(m, "toolorch_tool_duration_seconds_count{tool_name=\"ok\"}") == 5);
  assert_true(value(m, "toolorch_tool_wait_seconds_count{tool_name=\"flaky\"}") == 4);  // one per attempt
  assert_true(value(m, "toolorch_parallel_executions") == 0);
  assert_true(value(m, "toolorch_parallel_executions_max") >= 1);
  assert_true(value(m, "toolorch_late_completions_total") == 0);
  assert_non_null(strstr(text.c_str(), "# TYPE toolorch_speculations_total counter"));
  assert_true(obs_test::check_histograms(text) >= 7);
  obs_test::promtool_accepts(text);

  // toolorch_metrics_text says the same.
  char *own = toolorch_metrics_text(ctx);
  assert_non_null(own);
  auto m2 = obs_test::samples(own);
  assert_true(value(m2, "toolorch_tools_total{tool_name=\"ok\",status=\"succeeded\"}") == 5);
  free(own);
  toolorch_free(ctx);
}

static void a_job_then_a_scrape(void **) {
  toolorch::mockllm::Options mo;
  mo.script_json =
      "{\"rounds\": [{\"text\": \"looking\", \"tool_calls\": [{\"name\": \"ok\", \"arguments\": {\"a\": 1}},"
      " {\"name\": \"ok\", \"arguments\": {\"a\": 2}}]}, {\"text\": \"done\"}],"
      " \"usage\": {\"input_tokens\": 100, \"output_tokens\": 20},"
      " \"faults\": [{\"round\": 1, \"kind\": \"http_500\", \"times\": 1}]}";
  std::string err;
  auto server = toolorch::mockllm::Server::start(mo, &err);
  assert_non_null(server.get());
  std::string json = "{\"llm\": {\"protocol\": \"openai\", \"base_url\": \"" + server->url() +
                     "\", \"api_key\": \"k\", \"model\": \"m\"}, \"observability\": {\"metrics_listen\": \"127.0.0.1:0\"}}";
  toolorch_opts *o = toolorch_opts_new();
  assert_int_equal(toolorch_opts_from_json(o, json.c_str()), TOOLORCH_OK);
  toolorch_ctx *ctx = toolorch_new(o, nullptr);
  toolorch_opts_free(o);
  assert_non_null(ctx);
  add_tool(ctx, "ok", ok_tool);
  int status = 0;
  toolorch_job *job = toolorch_job_start(ctx, "{\"prompt\": \"hi\", \"llm_backoff_base_ms\": 5}", nullptr, &status);
  assert_non_null(job);
  assert_int_equal(wait_for(ctx, TOOLORCH_EVENT_JOB_DONE), TOOLORCH_OK);
  toolorch_job_free(job);

  std::string text = scrape(ctx);
  auto m = obs_test::samples(text);
  assert_true(value(m, "toolorch_tools_total{tool_name=\"ok\",status=\"succeeded\"}") == 2);
  assert_true(value(m, "toolorch_llm_requests_total{provider=\"openai\",status=\"ok\"}") == 2);
  assert_true(value(m, "toolorch_llm_requests_total{provider=\"openai\",status=\"server_error\"}") == 1);
  assert_true(value(m, "toolorch_retries_total{kind=\"llm\"}") == 1);
  assert_true(value(m, "toolorch_llm_tokens_total{provider=\"openai\",kind=\"input\"}") == 200);
  assert_true(value(m, "toolorch_llm_tokens_total{provider=\"openai\",kind=\"output\"}") == 40);
  assert_true(value(m, "toolorch_duration_seconds_count{operation=\"job\"}") == 1);
  assert_true(value(m, "toolorch_duration_seconds_count{operation=\"round\"}") == 2);
  assert_true(value(m, "toolorch_duration_seconds_count{operation=\"llm_request\"}") == 3);
  assert_true(value(m, "toolorch_duration_seconds_count{operation=\"llm_time_to_first_token\"}") == 2);
  assert_true(obs_test::check_histograms(text) >= 6);
  obs_test::promtool_accepts(text);
  toolorch_free(ctx);
}

static void user_metrics(void **) {
  toolorch_ctx *ctx = toolorch_new(nullptr, nullptr);
  assert_non_null(ctx);
  assert_int_equal(toolorch_metric_define(ctx, TOOLORCH_METRIC_COUNTER, "app_orders_total", "Orders.",
                                          "[\"shop\"]", nullptr),
                   TOOLORCH_OK);
  assert_int_equal(toolorch_metric_define(ctx, TOOLORCH_METRIC_GAUGE, "app_queue_depth", "Queue depth.", nullptr, nullptr),
                   TOOLORCH_OK);
  assert_int_equal(toolorch_metric_define(ctx, TOOLORCH_METRIC_HISTOGRAM, "app_latency_seconds", "Latency.",
                                          "[]", "[0.1, 1, 10]"),
                   TOOLORCH_OK);
  // Again the same: fine; another kind under that name: EEXIST.
  assert_int_equal(toolorch_metric_define(ctx, TOOLORCH_METRIC_COUNTER, "app_orders_total", "Orders.", "[\"shop\"]", nullptr),
                   TOOLORCH_OK);
  assert_int_equal(toolorch_metric_define(ctx, TOOLORCH_METRIC_GAUGE, "app_orders_total", "x", nullptr, nullptr),
                   TOOLORCH_EEXIST);
  assert_int_equal(toolorch_metric_define(ctx, TOOLORCH_METRIC_GAUGE, "9bad", "x", nullptr, nullptr), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_metric_define(ctx, TOOLORCH_METRIC_GAUGE, "toolorch_mine", "x", nullptr, nullptr),
                   TOOLORCH_EINVAL);
  assert_int_equal(toolorch_metric_define(ctx, TOOLORCH_METRIC_HISTOGRAM, "app_h", "x", nullptr, "[2, 1]"),
                   TOOLORCH_EINVAL);
  assert_int_equal(toolorch_metric_define(ctx, TOOLORCH_METRIC_HISTOGRAM, "app_h", "x", nullptr, "[1, \"2\"]"),
                   TOOLORCH_EINVAL);
  assert_non_null(strstr(toolorch_last_error(ctx), "buckets: expected a JSON array of numbers"));
  assert_int_equal(toolorch_metric_define(ctx, TOOLORCH_METRIC_COUNTER, "app_c_total", "x", "[\"le\", 1]", nullptr),
                   TOOLORCH_EINVAL);

  assert_int_equal(toolorch_metric_add(ctx, "app_orders_total", "[\"north \\\"1\\\"\\\\\\n\"]", 2), TOOLORCH_OK);
  assert_int_equal(toolorch_metric_add(ctx, "app_orders_total", "[\"north \\\"1\\\"\\\\\\n\"]", 1.5), TOOLORCH_OK);
  assert_int_equal(toolorch_metric_add(ctx, "app_orders_total", "[\"south\"]", -1), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_metric_add(ctx, "app_orders_total", nullptr, 1), TOOLORCH_EINVAL);  // one label needed
  assert_int_equal(toolorch_metric_add(ctx, "app_orders_total", "not json", 1), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_metric_set(ctx, "app_orders_total", "[\"x\"]", 1), TOOLORCH_ESTATE);
  assert_int_equal(toolorch_metric_add(ctx, "toolorch_tools_total", "[\"a\",\"b\"]", 1), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_metric_add(ctx, "undefined", nullptr, 1), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_metric_set(ctx, "app_queue_depth", nullptr, 7), TOOLORCH_OK);
  assert_int_equal(toolorch_metric_add(ctx, "app_queue_depth", nullptr, -2), TOOLORCH_OK);
  assert_int_equal(toolorch_metric_observe(ctx, "app_latency_seconds", nullptr, 0.05), TOOLORCH_OK);
  assert_int_equal(toolorch_metric_observe(ctx, "app_latency_seconds", nullptr, 5), TOOLORCH_OK);
  assert_int_equal(toolorch_metric_observe(ctx, "app_latency_seconds", "[]", 50), TOOLORCH_OK);

  char *text = toolorch_metrics_text(ctx);
  assert_non_null(text);
  auto m = obs_test::samples(text);
  // The label value is escaped: \" for a quote, \\ for a backslash, \n for a newline.
  assert_true(value(m, "app_orders_total{shop=\"north \\\"1\\\"\\\\\\n\"}") == 3.5);
  assert_true(value(m, "app_queue_depth") == 5);
  // A refused update leaves no series behind (the -1 for "south" above).
  assert_int_equal(m.count("app_orders_total{shop=\"south\"}"), 0);
  assert_true(value(m, "app_latency_seconds_bucket{le=\"0.1\"}") == 1);
  assert_true(value(m, "app_latency_seconds_bucket{le=\"1\"}") == 1);
  assert_true(value(m, "app_latency_seconds_bucket{le=\"10\"}") == 2);
  assert_true(value(m, "app_latency_seconds_bucket{le=\"+Inf\"}") == 3);
  assert_true(value(m, "app_latency_seconds_sum") == 55.05);
  obs_test::check_histograms(text);
  obs_test::promtool_accepts(text);
  free(text);
  toolorch_free(ctx);

  // Metrics off: no text, clearly.
  toolorch_opts *o = toolorch_opts_new();
  assert_int_equal(toolorch_opts_set_bool(o, "observability.metrics", 0), TOOLORCH_OK);
  assert_int_equal(toolorch_opts_set_string(o, "observability.metrics_listen", "localhost:80"), TOOLORCH_ECONFIG);
  assert_int_equal(toolorch_opts_set_string(o, "observability.nope", "x"), TOOLORCH_ECONFIG);
  toolorch_ctx *off = toolorch_new(o, nullptr);
  toolorch_opts_free(o);
  assert_null(toolorch_metrics_text(off));
  assert_non_null(strstr(toolorch_last_error(off), "metrics are off"));
  assert_int_equal(toolorch_metrics_port(off), -1);
  toolorch_free(off);
}

int main(void) {
  curl_global_init(CURL_GLOBAL_ALL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_batch_then_a_scrape),
      cmocka_unit_test(a_job_then_a_scrape),
      cmocka_unit_test(user_metrics),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
