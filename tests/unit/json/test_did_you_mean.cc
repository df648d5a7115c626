// json::did_you_mean: the suggestion error messages append for an unknown
// key: the nearest known key within reach, or nothing.
#include <string>
#include <vector>

#include "json/json.h"

#include "cmocka_cpp.h"

using toolorch::json::did_you_mean;

static const std::vector<std::string> kKnown = {"timeout_ms", "max_parallel", "side_effect_free", "tools",
                                                "url", "comment"};

static void near_keys_are_suggested(void **) {
  assert_string_equal(did_you_mean("timeout", kKnown).c_str(), " (did you mean \"timeout_ms\"?)");  // a prefix
  assert_string_equal(did_you_mean("tool", kKnown).c_str(), " (did you mean \"tools\"?)");
  assert_string_equal(did_you_mean("side_efect_free", kKnown).c_str(), " (did you mean \"side_effect_free\"?)");
  assert_string_equal(did_you_mean("max_paralel", kKnown).c_str(), " (did you mean \"max_parallel\"?)");
  assert_string_equal(did_you_mean("uri", kKnown).c_str(), " (did you mean \"url\"?)");
  assert_string_equal(did_you_mean("Tools", kKnown).c_str(), " (did you mean \"tools\"?)");  // case aside
  assert_string_equal(did_you_mean("tolos", kKnown).c_str(), " (did you mean \"tools\"?)");  // a swap
}

static void far_keys_get_nothing(void **) {
  assert_string_equal(did_you_mean("banana", kKnown).c_str(), "");
  assert_string_equal(did_you_mean("x", kKnown).c_str(), "");
  assert_string_equal(did_you_mean("", kKnown).c_str(), "");
  assert_string_equal(did_you_mean("commnt", kKnown).c_str(), "");  // "comment" is never suggested
  assert_string_equal(did_you_mean("tools", {}).c_str(), "");
  assert_string_equal(did_you_mean(std::string(200, 'a'), kKnown).c_str(), "");
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(near_keys_are_suggested),
      cmocka_unit_test(far_keys_get_nothing),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
