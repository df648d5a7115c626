// Script parsing: the example of SCRIPT.md loads, repeat expands, and every
// mistake is reported by the name of the field.
// cmocka 1.1 declares its C functions without extern "C".
extern "C" {
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
}

#include <cstring>
#include <cstdio>
#include <string>

#include "mockllm/script.h"

using toolorch::mockllm::FaultKind;
using toolorch::mockllm::parse_script;
using toolorch::mockllm::Script;

namespace {

const char *kExample = R"({"rounds": [
   {"text": "Let me look.", "tool_calls": [{"name": "search", "arguments": {"q": "a"}}],
    "repeat": {"name": "fetch", "count": 50, "arguments": {"i": "{i}", "url": "http://x/{i}"}}},
   {"text": "Answer: {tool_result_count} results: {tool_results}", "ttfb_ms": 5}],
 "ttfb_ms": 200, "chunk_gap_ms": 2, "chunk_bytes": 16,
 "usage": {"input_tokens": 100, "output_tokens": 20},
 "faults": [{"round": 0, "kind": "http_429", "retry_after_s": 1, "times": 1},
            {"round": 1, "kind": "http_500", "times": 2},
            {"round": 0, "kind": "drop_mid_stream", "after_tool_calls": 2, "times": 1},
            {"round": 0, "kind": "invalid_json_args", "call": 3},
            {"round": 0, "kind": "unknown_tool", "call": 4},
            {"round": 0, "kind": "http_400", "message": "bad model"},
            {"round": 0, "kind": "empty_body"}, {"round": 0, "kind": "non_json_body"}]})";

void test_example_parses(void **) {
  Script s;
  std::string err;
  assert_true(parse_script(kExample, &s, &err));
  assert_int_equal(s.rounds.size(), 2);
  assert_int_equal(s.rounds[0].calls.size(), 51);
  assert_string_equal(s.rounds[0].calls[0].name.c_str(), "search");
  assert_string_equal(s.rounds[0].calls[0].arguments.c_str(), "{\"q\":\"a\"}");
  assert_string_equal(s.rounds[0].calls[1].name.c_str(), "fetch");
  assert_string_equal(s.rounds[0].calls[1].arguments.c_str(), "{\"i\":\"0\",\"url\":\"http://x/0\"}");
  assert_string_equal(s.rounds[0].calls[50].arguments.c_str(), "{\"i\":\"49\",\"url\":\"http://x/49\"}");
  assert_int_equal(s.rounds[1].ttfb_ms, 5);
  assert_int_equal(s.rounds[1].chunk_gap_ms, -1);
  assert_int_equal(s.ttfb_ms, 200);
  assert_int_equal(s.chunk_gap_ms, 2);
  assert_int_equal(s.usage.input_tokens, 100);
  assert_int_equal(s.faults.size(), 8);
  assert_true(s.faults[0].kind == FaultKind::kHttpStatus);
  assert_int_equal(s.faults[0].status, 429);
  assert_int_equal(s.faults[0].retry_after_s, 1);
  assert_int_equal(s.faults[1].times, 2);
  assert_true(s.faults[2].kind == FaultKind::kDropMidStream);
  assert_int_equal(s.faults[2].after_tool_calls, 2);
  assert_true(s.faults[3].kind == FaultKind::kInvalidJsonArgs);
  assert_int_equal(s.faults[4].call, 4);
  assert_string_equal(s.faults[5].message.c_str(), "bad model");
  assert_true(s.faults[6].kind == FaultKind::kEmptyBody);
  assert_true(s.faults[7].kind == FaultKind::kNonJsonBody);
}

void test_raw_string_arguments_kept(void **) {
  Script s;
  std::string err;
  assert_true(parse_script(R"({"rounds":[{"tool_calls":[{"name":"t","arguments":"{\"a\": 1"}],
                                "repeat":[{"name":"u","count":2,"arguments":"[{i}]"}]}]})",
                           &s, &err));
  assert_int_equal(s.rounds[0].calls.size(), 3);
  assert_string_equal(s.rounds[0].calls[0].arguments.c_str(), "{\"a\": 1");
  assert_string_equal(s.rounds[0].calls[2].arguments.c_str(), "[1]");
}

// Each bad script must fail with an error that starts with the field's path.
void expect_error(const char *json, const char *path_prefix, const char *also = nullptr) {
  Script s;
  std::string err;
  if (parse_script(json, &s, &err)) { std::fprintf(stderr, "accepted: %s", json); std::fprintf(stderr, "\n"); fail(); }
  if (err.compare(0, strlen(path_prefix), path_prefix) != 0)
    { std::fprintf(stderr, "error \"%s\" does not start with \"%s\"", err.c_str(), path_prefix); std::fprintf(stderr, "\n"); fail(); }
  if (also && err.find(also) == std::string::npos) { std::fprintf(stderr, "error \"%s\" lacks \"%s\"", err.c_str(), also); std::fprintf(stderr, "\n"); fail(); }
}

void test_errors_name_the_field(void **) {
  expect_error("{", "script:", "not valid JSON");
  expect_error("[]", "script:");
  expect_error(R"({"rounds":[]})", "rounds:");
  expect_error(R"({"rounds":[{"text":"a"}],"round":[]})", "script:", "unknown key \"round\"");
  expect_error(R"({"rounds":[{"text":5}]})", "rounds[0].text:");
  expect_error(R"({"rounds":[{"text":"a"},{}]})", "rounds[1]:", "needs");
  expect_error(R"({"rounds":[{"text":"a","tool_call":[]}]})", "rounds[0]:", "unknown key \"tool_call\"");
  expect_error(R"({"rounds":[{"tool_calls":[{"name":"a"},{"arguments":{}}]}]})", "rounds[0].tool_calls[1].name:");
  expect_error(R"({"rounds":[{"tool_calls":[{"name":"a","arguments":[1]}]}]})", "rounds[0].tool_calls[0].arguments:");
  expect_error(R"({"rounds":[{"repeat":{"name":"a"}}]})", "rounds[0].repeat.count:");
  expect_error(R"({"rounds":[{"repeat":[{"name":"a","count":1},{"name":"b","count":-1}]}]})",
               "rounds[0].repeat[1].count:");
  expect_error(R"({"rounds":[{"text":"a","ttfb_ms":-1}]})", "rounds[0].ttfb_ms:");
  expect_error(R"({"rounds":[{"text":"a"}],"chunk_bytes":0})", "chunk_bytes:");
  expect_error(R"({"rounds":[{"text":"a"}],"chunk_gap_ms":1.5})", "chunk_gap_ms:", "integer");
  expect_error(R"({"rounds":[{"text":"a"}],"usage":{"input":1}})", "usage:", "unknown key");
  expect_error(R"({"rounds":[{"text":"a"}],"faults":{}})", "faults:");
  expect_error(R"({"rounds":[{"text":"a"}],"faults":[{"kind":"http_42"}]})", "faults[0].kind:", "unknown kind");
  expect_error(R"({"rounds":[{"text":"a"}],"faults":[{"kind":"http_200"}]})", "faults[0].kind:");
  expect_error(R"({"rounds":[{"text":"a"}],"faults":[{"kind":"explode"}]})", "faults[0].kind:", "explode");
  expect_error(R"({"rounds":[{"text":"a"}],"faults":[{"kind":"http_429","round":1}]})", "faults[0].round:");
  expect_error(R"({"rounds":[{"text":"a"}],"faults":[{"kind":"http_429","times":0}]})", "faults[0].times:");
  expect_error(R"({"rounds":[{"text":"a"}],"faults":[{"kind":"http_429","call":1}]})", "faults[0]:",
               "unknown key \"call\"");
  expect_error(R"({"rounds":[{"tool_calls":[{"name":"a"}]}],"faults":[{"kind":"unknown_tool","round":0,"call":1}]})",
               "faults[0].call:", "only 1 calls");
  expect_error(R"({"rounds":[{"text":"a"}],"faults":[{"kind":"empty_body","retry_after_s":1}]})", "faults[0]:",
               "retry_after_s");
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_example_parses),
      cmocka_unit_test(test_raw_string_arguments_kept),
      cmocka_unit_test(test_errors_name_the_field),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
