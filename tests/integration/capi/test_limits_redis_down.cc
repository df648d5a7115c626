// Issue 9, defect 8: with fail_closed, a call refused because Redis cannot
// be reached says so (status EREDIS, "Redis ... unreachable"), instead of
// claiming that the service's rate limit refused it. A real redis-server is
// started only to get a port nobody answers on once it is killed.
#include <cstring>
#include <string>

#include <toolorch/toolorch.h>

#include "cmocka_cpp.h"
#include "redis_server.h"

static void instant_tool(toolorch_call *call, const char *, void *) { toolorch_call_complete(call, "ok"); }

static void fail_closed_names_redis(void **) {
  toolorch::test::RedisServer redis;
  std::string err;
  if (!redis.start(&err)) fail_msg("redis-server: %s", err.c_str());
  std::string url = redis.url();
  redis.kill();
  std::string json = "{\"rate_limits\": {\"backend\": \"redis\", \"redis_url\": \"" + url +
                     "\", \"fail_open\": false, \"key_prefix\": \"down-test:\","
                     " \"services\": {\"svc\": {\"calls\": 6, \"window_s\": 60}}}}";
  toolorch_opts *o = toolorch_opts_new();
  assert_int_equal(toolorch_opts_from_json(o, json.c_str()), TOOLORCH_OK);
  toolorch_ctx *ctx = toolorch_new(o, nullptr);
  toolorch_opts_free(o);
  assert_non_null(ctx);
  toolorch_tool *t = toolorch_tool_new("lookup");
  toolorch_tool_set_fn(t, instant_tool, nullptr);
  toolorch_tool_set_service(t, "svc");
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);

  toolorch_batch *b = toolorch_batch_new(ctx, nullptr);
  assert_int_equal(toolorch_batch_add(b, "lookup", "{}", nullptr), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  int results = 0, status = 0, state = 0;
  std::string text;
  for (;;) {
    toolorch_event *ev = nullptr;
    assert_int_equal(toolorch_next_event(ctx, 20000, &ev), TOOLORCH_OK);
    int type = toolorch_event_type_of(ev);
    if (type == TOOLORCH_EVENT_CALL_RESULT) {
      results++;
      status = toolorch_event_status(ev);
      state = toolorch_event_call_state(ev);
      text.assign(toolorch_event_text(ev), toolorch_event_text_len(ev));
    }
    toolorch_event_free(ev);
    if (type == TOOLORCH_EVENT_BATCH_DONE) break;
  }
  toolorch_batch_free(b);
  toolorch_free(ctx);
  assert_int_equal(results, 1);
  assert_int_equal(state, TOOLORCH_CALL_FAILED);
  assert_int_equal(status, TOOLORCH_EREDIS);
  fprintf(stderr, "refusal: %s\n", text.c_str());
  assert_non_null(strstr(text.c_str(), "Redis"));
  assert_non_null(strstr(text.c_str(), "unreachable"));
  assert_null(strstr(text.c_str(), "rate limit of service \"svc\" refused"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(fail_closed_names_redis),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
