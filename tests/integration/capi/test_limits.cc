// Rate limits through the public C API: typed setters with dotted keys,
// counters, a limit shared by two contexts through a real redis-server,
// and the adaptive rate cut by a 429 from the scripted LLM server.
#include <cmath>
#include <cstring>
#include <string>

#include <toolorch/toolorch.h>

#include "cmocka_cpp.h"
#include "mock_server.h"
#include "redis_server.h"

static void instant_tool(toolorch_call *call, const char *, void *) { toolorch_call_complete(call, "ok"); }

static toolorch_ctx *ctx_with(toolorch_opts *o) {
  int status = 0;
  toolorch_ctx *ctx = toolorch_new(o, &status);
  if (!ctx) fail_msg("toolorch_new: %s", toolorch_last_error(nullptr));
  toolorch_tool *t = toolorch_tool_new("lookup");
  toolorch_tool_set_fn(t, instant_tool, nullptr);
  toolorch_tool_set_service(t, "svc");
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);
  return ctx;
}

// Runs n calls; returns how many succeeded, counting rate-limited ones.
static int run_batch(toolorch_ctx *ctx, int n, int *rate_limited) {
  toolorch_batch *b = toolorch_batch_new(ctx, nullptr);
  for (int i = 0; i < n; ++i) toolorch_batch_add(b, "lookup", "{}", nullptr);
  toolorch_batch_submit(b);
  int ok = 0;
  for (;;) {
    toolorch_event *ev = nullptr;
    assert_int_equal(toolorch_next_event(ctx, 20000, &ev), TOOLORCH_OK);
    int type = toolorch_event_type_of(ev);
    if (type == TOOLORCH_EVENT_CALL_RESULT) {
      if (toolorch_event_call_state(ev) == TOOLORCH_CALL_SUCCEEDED) ok++;
      else if (toolorch_event_status(ev) == TOOLORCH_ERATELIMITED) (*rate_limited)++;
    }
    toolorch_event_free(ev);
    if (type == TOOLORCH_EVENT_BATCH_DONE) break;
  }
  toolorch_batch_free(b);
  return ok;
}

static void typed_setters_and_counters(void **) {
  toolorch_opts *o = toolorch_opts_new();
  assert_int_equal(toolorch_opts_set_int(o, "rate_limits.services.svc.calls", 5), TOOLORCH_OK);
  assert_int_equal(toolorch_opts_set_int(o, "rate_limits.services.svc.window_s", 60), TOOLORCH_OK);
  assert_int_equal(toolorch_opts_set_string(o, "rate_limits.backpressure", "fail"), TOOLORCH_OK);
  assert_int_equal(toolorch_opts_set_int(o, "rate_limits.services.svc.callz", 5), TOOLORCH_ECONFIG);
  assert_non_null(strstr(toolorch_opts_last_error(o), "callz"));
  assert_int_equal(toolorch_opts_set_string(o, "rate_limits.backpressure", "sometimes"), TOOLORCH_ECONFIG);
  toolorch_ctx *ctx = ctx_with(o);
  toolorch_opts_free(o);
  int limited = 0;
  assert_int_equal(run_batch(ctx, 10, &limited), 5);
  assert_int_equal(limited, 5);
  assert_int_equal(toolorch_limits_stat(ctx, "svc", "granted"), 5);
  assert_int_equal(toolorch_limits_stat(ctx, "svc", "rejected"), 5);
  assert_int_equal(toolorch_limits_stat(ctx, "svc", "nope"), -1);
  assert_true(std::fabs(toolorch_limits_current_rate(ctx, "svc") - 5.0 / 60) < 1e-9);
  toolorch_free(ctx);
  // No limits configured: the counters say so.
  toolorch_ctx *plain = toolorch_new(nullptr, nullptr);
  assert_int_equal(toolorch_limits_stat(plain, "svc", "granted"), -1);
  assert_true(toolorch_limits_current_rate(plain, "svc") < 0);
  toolorch_free(plain);
}

static void two_contexts_share_a_limit_through_redis(void **) {
  toolorch::test::RedisServer redis;
  std::string err;
  if (!redis.start(&err)) fail_msg("redis-server: %s", err.c_str());
  std::string json = "{\"rate_limits\": {\"backend\": \"redis\", \"redis_url\": \"" + redis.url() +
                     "\", \"fail_open\": false, \"backpressure\": \"fail\", \"key_prefix\": \"capi-test:\","
                     " \"services\": {\"svc\": {\"calls\": 6, \"window_s\": 60}}}}";
  toolorch_opts *o = toolorch_opts_new();
  assert_int_equal(toolorch_opts_from_json(o, json.c_str()), TOOLORCH_OK);
  toolorch_ctx *a = ctx_with(o), *b = ctx_with(o);
  toolorch_opts_free(o);
  int limited = 0;
  int ok = run_batch(a, 5, &limited) + run_batch(b, 5, &limited);
  assert_int_equal(ok, 6);  // one limit for both, held by Redis
  assert_int_equal(limited, 4);
  assert_int_equal(toolorch_limits_stat(a, nullptr, "redis_connected"), 1);
  toolorch_free(a);
  toolorch_free(b);
}

static void a_429_cuts_the_adaptive_rate(void **) {
  toolorch::mockllm::Options mo;
  mo.script_json =
      "{\"rounds\": [{\"text\": \"hello\"}], \"faults\": [{\"round\": 0, \"kind\": \"http_429\", \"times\": 1}]}";
  std::string err;
  auto server = toolorch::mockllm::Server::start(mo, &err);
  assert_non_null(server.get());
  std::string json = "{\"llm\": {\"protocol\": \"openai\", \"base_url\": \"" + server->url() +
                     "\", \"api_key\": \"k\", \"model\": \"m\"}, \"rate_limits\": {\"backpressure\": \"adaptive\","
                     " \"services\": {\"openai\": {\"calls\": 100, \"window_s\": 1}}}}";
  toolorch_opts *o = toolorch_opts_new();
  assert_int_equal(toolorch_opts_from_json(o, json.c_str()), TOOLORCH_OK);
  toolorch_ctx *ctx = toolorch_new(o, nullptr);
  toolorch_opts_free(o);
  assert_true(std::fabs(toolorch_limits_current_rate(ctx, "openai") - 100) < 1e-9);
  int status = 0;
  toolorch_job *job = toolorch_job_start(ctx, "{\"prompt\": \"hi\", \"llm_backoff_base_ms\": 10}", nullptr, &status);
  assert_non_null(job);
  int done_status = 1;
  for (;;) {
    toolorch_event *ev = nullptr;
    assert_int_equal(toolorch_next_event(ctx, 20000, &ev), TOOLORCH_OK);
    int type = toolorch_event_type_of(ev);
    if (type == TOOLORCH_EVENT_JOB_DONE) done_status = toolorch_event_status(ev);
    toolorch_event_free(ev);
    if (type == TOOLORCH_EVENT_JOB_DONE) break;
  }
  assert_int_equal(done_status, TOOLORCH_OK);
  double rate = toolorch_limits_current_rate(ctx, "openai");
  assert_true(rate < 100);  // cut by the 429 (and regrowing after the success)
  assert_true(toolorch_limits_stat(ctx, "openai", "granted") >= 2);  // each attempt took a permit
  toolorch_job_free(job);
  toolorch_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(typed_setters_and_counters),
      cmocka_unit_test(two_contexts_share_a_limit_through_redis),
      cmocka_unit_test(a_429_cuts_the_adaptive_rate),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
