// One key table for setters and JSON: unknown keys and wrong types are
// rejected by name, and a failed change leaves the options as they were.
#include "core_fixture.h"
#include "core/options.h"

using namespace toolorch;

static void setters_and_json_agree(void **) {
  core::Options o;
  assert_int_equal(o.set_int("max_parallel_tools", 100), TOOLORCH_OK);
  assert_int_equal(o.core().max_parallel_tools, 100);
  assert_int_equal(o.merge_json("{\"tool_timeout_ms\": 5000, \"worker_threads\": 2}"), TOOLORCH_OK);
  assert_int_equal(o.core().tool_timeout_ms, 5000);
  assert_int_equal(o.core().worker_threads, 2);
  assert_int_equal(o.core().max_parallel_tools, 100);
  assert_int_equal(o.set_bool("emit_call_started", true), TOOLORCH_OK);
  assert_true(o.core().emit_call_started);
}

static void unknown_keys_are_named(void **) {
  core::Options o;
  assert_int_equal(o.set_int("max_paralel_tools", 3), TOOLORCH_ECONFIG);
  assert_non_null(strstr(o.last_error().c_str(), "\"max_paralel_tools\""));
  assert_int_equal(o.merge_json("{\"tool_timeout_ms\": 5, \"bogus\": 1}"), TOOLORCH_ECONFIG);
  assert_non_null(strstr(o.last_error().c_str(), "\"bogus\""));
  assert_int_equal(o.core().tool_timeout_ms, 30000);  // nothing changed
}

static void wrong_types_and_ranges(void **) {
  core::Options o;
  assert_int_equal(o.set_string("max_parallel_tools", "ten"), TOOLORCH_ECONFIG);
  assert_non_null(strstr(o.last_error().c_str(), "must be an integer"));
  assert_int_equal(o.set_int("max_parallel_tools", 0), TOOLORCH_ECONFIG);
  assert_non_null(strstr(o.last_error().c_str(), "between"));
  assert_int_equal(o.set_int("emit_call_started", 1), TOOLORCH_ECONFIG);
  assert_int_equal(o.merge_json("{\"tool_timeout_ms\": 1.5}"), TOOLORCH_ECONFIG);
  assert_int_equal(o.merge_json("not json"), TOOLORCH_EJSON);
  assert_int_equal(o.merge_json("[1]"), TOOLORCH_ECONFIG);
  assert_int_equal(o.core().max_parallel_tools, 64);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(setters_and_json_agree),
      cmocka_unit_test(unknown_keys_are_named),
      cmocka_unit_test(wrong_types_and_ranges),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
