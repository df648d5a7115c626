/* Every status code has its own message; every entry point survives NULL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <toolorch/toolorch.h>

static void every_status_has_a_message(void **state) {
  (void)state;
  for (int s = 0; s >= TOOLORCH_STATUS_MIN; --s) {
    const char *m = toolorch_strerror(s);
    assert_non_null(m);
    assert_true(strlen(m) > 3);
    assert_string_not_equal(m, "unknown status code");
    for (int t = 0; t > s; --t) assert_string_not_equal(m, toolorch_strerror(t));
  }
  assert_string_equal(toolorch_strerror(1), "unknown status code");
  assert_string_equal(toolorch_strerror(TOOLORCH_STATUS_MIN - 1), "unknown status code");
  assert_string_equal(toolorch_version(), "0.1.0");
}

static void null_handles_are_refused(void **state) {
  (void)state;
  toolorch_event *ev = NULL;
  assert_int_equal(toolorch_opts_set_int(NULL, "x", 1), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_opts_from_json(NULL, "{}"), TOOLORCH_EINVAL);
  assert_string_equal(toolorch_opts_last_error(NULL), "");
  assert_null(toolorch_tool_new(NULL));
  assert_null(toolorch_tool_new(""));
  assert_int_equal(toolorch_tool_set_schema(NULL, "{}"), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_register_tool(NULL, NULL), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_call_complete(NULL, "x"), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_call_fail(NULL, "x"), TOOLORCH_EINVAL);
  assert_string_equal(toolorch_call_id(NULL), "");
  assert_int_equal(toolorch_call_is_cancelled(NULL), 0);
  assert_null(toolorch_batch_new(NULL, NULL));
  assert_int_equal(toolorch_batch_add(NULL, "t", "{}", NULL), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_batch_submit(NULL), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_batch_cancel(NULL), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_next_event(NULL, 0, &ev), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_event_fd(NULL), -1);
  assert_int_equal(toolorch_event_type_of(NULL), TOOLORCH_EVENT_NONE);
  assert_string_equal(toolorch_event_text(NULL), "");
  assert_int_equal(toolorch_set_event_fn(NULL, NULL, NULL), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_stat(NULL, "running"), -1);
  assert_int_equal(toolorch_close(NULL), TOOLORCH_EINVAL);
  toolorch_free(NULL);
  toolorch_batch_free(NULL);
  toolorch_event_free(NULL);
  toolorch_opts_free(NULL);
  toolorch_tool_free(NULL);
}

static void options_reject_unknown_keys_by_name(void **state) {
  (void)state;
  toolorch_opts *o = toolorch_opts_new();
  assert_int_equal(toolorch_opts_set_int(o, "max_parallel_tools", 100), TOOLORCH_OK);
  assert_int_equal(toolorch_opts_set_int(o, "max_parallel", 100), TOOLORCH_ECONFIG);
  assert_non_null(strstr(toolorch_opts_last_error(o), "\"max_parallel\""));
  assert_int_equal(toolorch_opts_from_json(o, "{\"tool_timeout_ms\": 10, \"nope\": {}}"), TOOLORCH_ECONFIG);
  assert_non_null(strstr(toolorch_opts_last_error(o), "\"nope\""));
  assert_int_equal(toolorch_opts_from_json(o, "{\"tool_timeout_ms\": "), TOOLORCH_EJSON);
  assert_int_equal(toolorch_opts_set_string(o, "tool_timeout_ms", "x"), TOOLORCH_ECONFIG);
  assert_int_equal(toolorch_opts_set_string(o, NULL, "x"), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_opts_from_json(o, "{\"tool_timeout_ms\": 250, \"emit_call_started\": true}"),
                   TOOLORCH_OK);
  int status = -1;
  toolorch_ctx *ctx = toolorch_new(o, &status);
  assert_non_null(ctx);
  assert_int_equal(status, TOOLORCH_OK);
  toolorch_opts_free(o);
  toolorch_free(ctx);
}

static void bad_tools_are_refused(void **state) {
  (void)state;
  toolorch_ctx *ctx = toolorch_new(NULL, NULL);
  assert_non_null(ctx);
  toolorch_tool *t = toolorch_tool_new("t");
  assert_int_equal(toolorch_tool_set_schema(t, "{\"type\": \"string\"}"), TOOLORCH_OK);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_ESCHEMA);
  assert_non_null(strstr(toolorch_last_error(ctx), "\"type\": \"object\""));
  assert_int_equal(toolorch_tool_set_schema(t, "{not json"), TOOLORCH_OK);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_ESCHEMA);
  assert_int_equal(toolorch_tool_set_schema(t, "{\"type\":\"object\"}"), TOOLORCH_OK);
  assert_int_equal(toolorch_tool_set_flags(t, 0x100), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_EEXIST);
  assert_non_null(strstr(toolorch_last_error(ctx), "already registered"));
  toolorch_tool_free(t);
  toolorch_free(ctx);
}

/* A failure decided on the library's own thread still leaves its detail
 * for the calling thread. */
static void error_detail_crosses_to_the_caller(void **state) {
  (void)state;
  toolorch_opts *o = toolorch_opts_new();
  assert_int_equal(toolorch_opts_from_json(o, "{\"llm\": {\"base_url\": \"http://127.0.0.1:9\", \"model\": \"m\"}}"),
                   TOOLORCH_OK);
  toolorch_ctx *ctx = toolorch_new(o, NULL);
  toolorch_opts_free(o);
  int status = 0;
  assert_null(toolorch_job_start(ctx, "{\"prompt\": \"x\", \"tools\": [\"nope\"]}", NULL, &status));
  assert_int_equal(status, TOOLORCH_EUNKNOWN_TOOL);
  assert_non_null(strstr(toolorch_last_error(ctx), "\"nope\""));
  toolorch_free(ctx);
}

/* Every failing call leaves its own detail, never an earlier failure's: a
 * stale message would send the user after the wrong bug. */
#define EXPECT_OWN_DETAIL(ctx, expr, status, fn)                        \
  do {                                                                  \
    assert_int_equal((expr), (status));                                 \
    assert_non_null(strstr(toolorch_last_error(ctx), (fn)));            \
  } while (0)

static void every_failure_sets_its_own_detail(void **state) {
  (void)state;
  toolorch_ctx *ctx = toolorch_new(NULL, NULL);
  assert_non_null(ctx);
  int status = 0;
  /* A failure with a detail first, then NULL arguments on the same ctx. */
  assert_null(toolorch_job_start(ctx, "{\"prompt\": 1}", NULL, &status));
  assert_true(strlen(toolorch_last_error(ctx)) > 0);
  assert_null(toolorch_job_start(ctx, NULL, NULL, &status));
  assert_int_equal(status, TOOLORCH_EINVAL);
  assert_non_null(strstr(toolorch_last_error(ctx), "toolorch_job_start"));
  EXPECT_OWN_DETAIL(ctx, toolorch_register_tool(ctx, NULL), TOOLORCH_EINVAL, "toolorch_register_tool");
  toolorch_event *ev = NULL;
  EXPECT_OWN_DETAIL(ctx, toolorch_next_event(ctx, 0, NULL), TOOLORCH_EINVAL, "toolorch_next_event");
  (void)ev;
  toolorch_batch *b = toolorch_batch_new(ctx, NULL);
  EXPECT_OWN_DETAIL(ctx, toolorch_batch_add(b, NULL, "{}", NULL), TOOLORCH_EINVAL, "toolorch_batch_add");
  EXPECT_OWN_DETAIL(ctx, toolorch_batch_add_group(b, "", NULL), TOOLORCH_EINVAL, "toolorch_batch_add_group");
  EXPECT_OWN_DETAIL(ctx, toolorch_batch_cancel_group(b, NULL), TOOLORCH_EINVAL, "toolorch_batch_cancel_group");
  toolorch_batch_free(b);
  /* No context: the detail is in toolorch_last_error(NULL). */
  EXPECT_OWN_DETAIL(NULL, toolorch_batch_submit(NULL), TOOLORCH_EINVAL, "toolorch_batch_submit");
  EXPECT_OWN_DETAIL(NULL, toolorch_batch_cancel(NULL), TOOLORCH_EINVAL, "toolorch_batch_cancel");
  EXPECT_OWN_DETAIL(NULL, toolorch_job_cancel(NULL), TOOLORCH_EINVAL, "toolorch_job_cancel");
  EXPECT_OWN_DETAIL(NULL, toolorch_close(NULL), TOOLORCH_EINVAL, "toolorch_close");
  EXPECT_OWN_DETAIL(NULL, toolorch_set_event_fn(NULL, NULL, NULL), TOOLORCH_EINVAL, "toolorch_set_event_fn");
  EXPECT_OWN_DETAIL(NULL, toolorch_call_complete(NULL, "x"), TOOLORCH_EINVAL, "toolorch_call_complete");
  EXPECT_OWN_DETAIL(NULL, toolorch_call_fail_ex(NULL, "x", 0), TOOLORCH_EINVAL, "toolorch_call_fail_ex");
  EXPECT_OWN_DETAIL(NULL, toolorch_call_cancel(NULL), TOOLORCH_EINVAL, "toolorch_call_cancel");
  EXPECT_OWN_DETAIL(NULL, toolorch_tool_set_schema(NULL, "{}"), TOOLORCH_EINVAL, "toolorch_tool_set_schema");
  EXPECT_OWN_DETAIL(NULL, toolorch_group_policy_set_keep_top_n(NULL, 1), TOOLORCH_EINVAL,
                    "toolorch_group_policy_set_keep_top_n");
  EXPECT_OWN_DETAIL(NULL, toolorch_opts_set_int(NULL, "x", 1), TOOLORCH_EINVAL, "toolorch_opts_set_");
  assert_null(toolorch_tool_new(""));
  assert_non_null(strstr(toolorch_last_error(NULL), "toolorch_tool_new"));
  toolorch_tool *t = toolorch_tool_new("t");
  EXPECT_OWN_DETAIL(NULL, toolorch_tool_set_flags(t, 0x100), TOOLORCH_EINVAL, "toolorch_tool_set_flags");
  EXPECT_OWN_DETAIL(NULL, toolorch_tool_set_max_parallel(t, -1), TOOLORCH_EINVAL, "toolorch_tool_set_max_parallel");
  EXPECT_OWN_DETAIL(NULL, toolorch_tool_set_retry(t, 1, 99, 1, 2), TOOLORCH_EINVAL, "toolorch_tool_set_retry");
  toolorch_tool_free(t);
  toolorch_opts *o = toolorch_opts_new();
  assert_int_equal(toolorch_opts_set_int(o, "nope", 1), TOOLORCH_ECONFIG);
  assert_int_equal(toolorch_opts_set_string(o, "tool_timeout_ms", NULL), TOOLORCH_EINVAL);
  assert_non_null(strstr(toolorch_opts_last_error(o), "NULL"));
  toolorch_opts_free(o);
  toolorch_free(ctx);
}

/* Refused when configured, not at the first transfer. */
static void malformed_http_urls_are_refused_at_once(void **state) {
  (void)state;
  toolorch_tool *t = toolorch_tool_new("web");
  const char *bad[] = {"http://", "http://[::1", "https://", "http://exa mple.com/", "http://[::1]:99999/"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; ++i) {
    assert_int_equal(toolorch_tool_set_http(t, bad[i]), TOOLORCH_EINVAL);
    assert_non_null(strstr(toolorch_last_error(NULL), "URL"));
  }
  assert_int_equal(toolorch_tool_set_http(t, "http://[::1]:8080/search?q=1"), TOOLORCH_OK);
  assert_int_equal(toolorch_tool_set_http(t, "https://example.com"), TOOLORCH_OK);
  toolorch_tool_free(t);
}

/* Results are matched to calls by id: one id twice in a batch is refused
 * when it is added, and the batch keeps the first. */
static void duplicate_call_ids_are_refused_at_once(void **state) {
  (void)state;
  toolorch_ctx *ctx = toolorch_new(NULL, NULL);
  toolorch_batch *b = toolorch_batch_new(ctx, NULL);
  assert_int_equal(toolorch_batch_add(b, "t", "{}", "c1"), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_add(b, "t", "{}", "c1"), TOOLORCH_EEXIST);
  assert_non_null(strstr(toolorch_last_error(ctx), "\"c1\""));
  assert_int_equal(toolorch_batch_add_group(b, "g", NULL), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_add_in_group(b, "g", "t", "{}", "c1"), TOOLORCH_EEXIST);
  assert_int_equal(toolorch_batch_add(b, "t", "{}", "c2"), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_add(b, "t", "{}", NULL), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_size(b), 3);
  toolorch_batch_free(b);
  toolorch_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_status_has_a_message),
      cmocka_unit_test(null_handles_are_refused),
      cmocka_unit_test(options_reject_unknown_keys_by_name),
      cmocka_unit_test(bad_tools_are_refused),
      cmocka_unit_test(error_detail_crosses_to_the_caller),
      cmocka_unit_test(every_failure_sets_its_own_detail),
      cmocka_unit_test(malformed_http_urls_are_refused_at_once),
      cmocka_unit_test(duplicate_call_ids_are_refused_at_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
