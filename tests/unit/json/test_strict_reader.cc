// lib/json's one strict reader: an error names its place (byte, line and
// column), nothing may follow the value, and with unique_keys an object
// with a key twice is refused with the key's JSON path.
#include <string>

#include "json/json.h"

#include "cmocka_cpp.h"

using toolorch::json::Limits;
using toolorch::json::parse;
using toolorch::json::ParseError;

static bool contains(const std::string &s, const char *part) { return s.find(part) != std::string::npos; }

static void syntax_errors_name_line_and_column(void **) {
  std::string err;
  ParseError why;
  assert_null(parse("{\n  \"a\": 1,\n  \"b\": ]\n}", Limits{}, &err, &why).get());
  assert_int_equal(static_cast<int>(why), static_cast<int>(ParseError::kSyntax));
  assert_true(contains(err, "line 3, column 8"));
}

static void trailing_characters_are_refused_with_their_place(void **) {
  std::string err;
  assert_null(parse("{\"a\": 1}\n\n  x", &err).get());
  assert_true(contains(err, "trailing characters"));
  assert_true(contains(err, "byte 12 (line 3, column 3)"));
  assert_null(parse("{\"a\": 1}{}", &err).get());
  assert_true(contains(err, "line 1, column 9"));
  assert_non_null(parse("{\"a\": 1} \r\n\t", &err).get());
}

static void duplicate_keys_are_refused_by_path_when_asked(void **) {
  const char *text = "{\"tools\": [{\"name\": \"a\"}, {\"http\": {\"url\": \"x\", \"url\": \"y\"}}]}";
  std::string err;
  // By default (tool arguments from a model) the reader stays as it was.
  assert_non_null(parse(text, &err).get());
  Limits strict;
  strict.unique_keys = true;
  ParseError why;
  assert_null(parse(text, strict, &err, &why).get());
  assert_int_equal(static_cast<int>(why), static_cast<int>(ParseError::kDuplicateKey));
  assert_true(contains(err, "$.tools[1].http.url"));
  assert_null(parse("{\"a\": 1, \"b\": 2, \"a\": 3}", strict, &err).get());
  assert_true(contains(err, "$.a"));
  // The same key in two different objects is fine.
  assert_non_null(parse("{\"a\": {\"k\": 1}, \"b\": {\"k\": 2}, \"c\": [{\"k\": 1}, {\"k\": 2}]}", strict, &err).get());
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(syntax_errors_name_line_and_column),
      cmocka_unit_test(trailing_characters_are_refused_with_their_place),
      cmocka_unit_test(duplicate_keys_are_refused_by_path_when_asked),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
