// json::write_quoted and append_quoted write what cJSON prints for the same
// string: every byte value (controls, '"', '\\', ASCII, bytes of UTF-8) at
// every place of strings long and short enough to go through the
// word-at-a-time scan, its per-byte fallback and the tail; append_quoted's
// measure, sixteen bytes at a time, with many escapes in a block.
#include <cjson/cJSON.h>

#include <string>
#include <vector>

#include "json/json.h"

#include "cmocka_cpp.h"

namespace {

std::string cjson_printed(const std::string &s) {
  cJSON *item = cJSON_CreateString(s.c_str());
  char *text = cJSON_PrintUnformatted(item);
  std::string out = text;
  cJSON_free(text);
  cJSON_Delete(item);
  return out;
}

std::string written(const std::string &s) {
  std::vector<char> buf(2 + 6 * s.size());
  char *end = toolorch::json::write_quoted(buf.data(), s);
  return std::string(buf.data(), end);
}

}  // namespace

static void every_byte_at_every_place_as_cjson_prints(void **) {
  for (size_t len = 1; len <= 20; ++len)
    for (size_t at = 0; at < len; ++at)
      for (int c = 1; c < 256; ++c) {
        std::string s(len, 'a');
        s[at] = static_cast<char>(c);
        std::string want = cjson_printed(s);
        assert_string_equal(written(s).c_str(), want.c_str());
        std::string appended = "x";
        toolorch::json::append_quoted(&appended, s);
        assert_string_equal(appended.c_str(), ("x" + want).c_str());
      }
}

static void plain_and_mixed_text(void **) {
  assert_string_equal(written("").c_str(), "\"\"");
  const char *texts[] = {"execute_tool search_the_web_for_things", "call_0123456789abcdef",
                         "line one\nline two\t\"quoted\" \\ back", "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a",
                         "caf\xc3\xa9 \xe2\x82\xac 0123456789 \x7f"};
  for (const char *t : texts) assert_string_equal(written(t).c_str(), cjson_printed(t).c_str());
}

// Many escapes in one block of sixteen bytes (append_quoted measures the
// text a block at a time): each byte that needs one, mixed with plain ones,
// at every offset and length through two blocks and a tail.
static void many_escapes_in_one_block(void **) {
  const char cycle[] = {'"', '\\', '\n', '\x01', 'a', '\x1f', '\t', '\b', '\f', '\r', 'z', '\x7f'};
  for (size_t len = 1; len <= 40; ++len)
    for (size_t shift = 0; shift < sizeof cycle; ++shift) {
      std::string s;
      for (size_t i = 0; i < len; ++i) s += cycle[(i + shift) % sizeof cycle];
      std::string appended = "x";
      toolorch::json::append_quoted(&appended, s);
      assert_string_equal(appended.c_str(), ("x" + cjson_printed(s)).c_str());
    }
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_byte_at_every_place_as_cjson_prints),
      cmocka_unit_test(plain_and_mixed_text),
      cmocka_unit_test(many_escapes_in_one_block),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
