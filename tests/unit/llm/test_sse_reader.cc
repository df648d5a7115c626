// The SSE reader: every line ending, comments, BOM, multi-line data, ids,
// fed in every possible split; the final event only on finish(); bounded.
#include <string>
#include <vector>

#include "llm/sse_reader.h"

// After the C++ headers: cmocka's fail() macro would break <ios>.
// cmocka 1.1 declares its C functions without extern "C".
extern "C" {
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
}

using toolorch::llm::SseEvent;
using toolorch::llm::SseReader;

namespace {

struct Collected {
  std::vector<SseEvent> events;
  SseReader::Status status = SseReader::Status::kOk;
};

SseReader::Sink collect_into(std::vector<SseEvent> *out) {
  return [out](SseEvent &e) {
    out->push_back(e);
    return true;
  };
}

// Feed text in pieces of `split` bytes (0 = at once), then optionally finish.
Collected run(const std::string &text, size_t split, bool finish = false, size_t max = SseReader::kDefaultMaxEventBytes) {
  SseReader r(max);
  Collected c;
  auto sink = collect_into(&c.events);
  if (split == 0) split = text.size() ? text.size() : 1;
  for (size_t off = 0; off < text.size() && c.status == SseReader::Status::kOk; off += split)
    c.status = r.feed(std::string_view(text).substr(off, split), sink);
  if (finish && c.status == SseReader::Status::kOk) c.status = r.finish(sink);
  return c;
}

std::string describe(const std::vector<SseEvent> &events) {
  std::string s;
  for (const auto &e : events) s += "[" + e.type + "|" + e.data + "|" + e.id + "]";
  return s;
}

// A stream using every feature: BOM, all three line endings, comments,
// multi-line data, named events, ids, fields without a colon or a space.
const std::string kMixed =
    "\xEF\xBB\xBF"
    ": keep-alive comment\r\n"
    "event: message_start\r\n"
    "data: {\"a\":1}\r\n"
    "\r\n"
    "data: line one\n"
    "data:line two\n"
    "data:  two spaces\n"
    "id: 42\n"
    "\n"
    "event: ping\r"
    "data\r"
    "\r"
    "retry: 1500\n"
    "data: after the id\n"
    "unknown: field\n"
    "\n"
    "event: no-data\n"
    "\n"
    ": only a comment\n"
    "\n";

const std::string kMixedExpected =
    "[message_start|{\"a\":1}|]"
    "[message|line one\nline two\n two spaces|42]"
    "[ping||42]"
    "[message|after the id|42]";

void test_basic_fields(void **) {
  Collected c = run(kMixed, 0);
  assert_int_equal(static_cast<int>(c.status), static_cast<int>(SseReader::Status::kOk));
  assert_string_equal(describe(c.events).c_str(), kMixedExpected.c_str());
}

void test_every_split_point(void **) {
  // Two pieces cut at every byte, three pieces at many pairs: same events.
  for (size_t cut = 0; cut <= kMixed.size(); ++cut) {
    SseReader r;
    std::vector<SseEvent> events;
    auto sink = collect_into(&events);
    assert_int_equal(static_cast<int>(r.feed(kMixed.substr(0, cut), sink)), 0);
    assert_int_equal(static_cast<int>(r.feed(kMixed.substr(cut), sink)), 0);
    assert_string_equal(describe(events).c_str(), kMixedExpected.c_str());
  }
  for (size_t a = 0; a <= kMixed.size(); a += 3) {
    for (size_t b = a; b <= kMixed.size(); b += 5) {
      SseReader r;
      std::vector<SseEvent> events;
      auto sink = collect_into(&events);
      r.feed(kMixed.substr(0, a), sink);
      r.feed(kMixed.substr(a, b - a), sink);
      r.feed(kMixed.substr(b), sink);
      assert_string_equal(describe(events).c_str(), kMixedExpected.c_str());
    }
  }
}

void test_every_piece_size(void **) {
  for (size_t split = 1; split <= 17; ++split) {
    Collected c = run(kMixed, split);
    assert_string_equal(describe(c.events).c_str(), kMixedExpected.c_str());
  }
}

void test_crlf_split_across_feeds_is_one_line_end(void **) {
  // Were the LF taken as a second line end, "a" and "b" would be two events.
  SseReader r;
  std::vector<SseEvent> events;
  auto sink = collect_into(&events);
  r.feed("data: a\r", sink);
  r.feed("\ndata: b\r\n\r\n", sink);
  assert_string_equal(describe(events).c_str(), "[message|a\nb|]");
}

void test_cr_only_line_ends(void **) {
  Collected c = run("data: x\rdata: y\r\rdata: z\r\r", 1);
  assert_string_equal(describe(c.events).c_str(), "[message|x\ny|][message|z|]");
}

void test_bom_only_at_start(void **) {
  // Byte by byte, the BOM is still recognized; a BOM later is text.
  Collected c = run("\xEF\xBB\xBF" "data: \xEF\xBB\xBFy\n\n", 1);
  assert_int_equal(c.events.size(), 1);
  assert_string_equal(c.events[0].data.c_str(), "\xEF\xBB\xBFy");
  // Bytes that only begin like a BOM are kept.
  Collected d = run("\xEF" "data: x\n\n", 1);
  assert_int_equal(d.events.size(), 0);  // the line is "\xEF" "data: x": an unknown field
}

void test_final_event_only_on_finish(void **) {
  Collected c = run("data: first\n\ndata: last", 1);
  assert_string_equal(describe(c.events).c_str(), "[message|first|]");
  Collected f = run("data: first\n\ndata: last", 1, true);
  assert_string_equal(describe(f.events).c_str(), "[message|first|][message|last|]");
  // A complete line without its blank line: also only on finish.
  Collected g = run("event: e\ndata: x\n", 0);
  assert_int_equal(g.events.size(), 0);
  Collected h = run("event: e\ndata: x\n", 0, true);
  assert_string_equal(describe(h.events).c_str(), "[e|x|]");
  // finish() on nothing pending dispatches nothing.
  Collected i = run("data: x\n\n", 0, true);
  assert_int_equal(i.events.size(), 1);
}

void test_empty_data_is_an_event(void **) {
  Collected c = run("data:\n\ndata\ndata\n\n", 0);
  assert_int_equal(c.events.size(), 2);
  assert_string_equal(c.events[0].data.c_str(), "");
  assert_string_equal(c.events[1].data.c_str(), "\n");
}

void test_too_big_line_and_event(void **) {
  // One long line, fed a byte at a time: stops at the limit.
  std::string line = "data: " + std::string(200, 'x') + "\n\n";
  Collected c = run(line, 1, false, 64);
  assert_int_equal(static_cast<int>(c.status), static_cast<int>(SseReader::Status::kTooBig));
  assert_int_equal(c.events.size(), 0);
  // Many short data lines that add up.
  std::string many;
  for (int i = 0; i < 20; ++i) many += "data: 0123456789\n";
  many += "\n";
  Collected d = run(many, 0, false, 64);
  assert_int_equal(static_cast<int>(d.status), static_cast<int>(SseReader::Status::kTooBig));
  // The reader stays dead; its error says why.
  SseReader r(64);
  std::vector<SseEvent> events;
  assert_int_equal(static_cast<int>(r.feed(line, collect_into(&events))), static_cast<int>(SseReader::Status::kTooBig));
  assert_true(r.error().find("64") != std::string::npos);
  assert_int_equal(static_cast<int>(r.feed("data: ok\n\n", collect_into(&events))), static_cast<int>(SseReader::Status::kTooBig));
  assert_int_equal(events.size(), 0);
  // Under the limit passes.
  Collected e = run("data: " + std::string(40, 'y') + "\n\n", 1, false, 64);
  assert_int_equal(e.events.size(), 1);
}

void test_sink_stops_reading(void **) {
  SseReader r;
  int seen = 0;
  auto st = r.feed("data: 1\n\ndata: 2\n\ndata: 3\n\n", [&](SseEvent &) { return ++seen < 2; });
  assert_int_equal(static_cast<int>(st), static_cast<int>(SseReader::Status::kStopped));
  assert_int_equal(seen, 2);
}

void test_retry_field(void **) {
  SseReader r;
  std::vector<SseEvent> events;
  r.feed("retry: 2500\nretry: x1\n\n", collect_into(&events));
  assert_int_equal(r.retry_ms(), 2500);
  assert_int_equal(events.size(), 0);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_basic_fields),
      cmocka_unit_test(test_every_split_point),
      cmocka_unit_test(test_every_piece_size),
      cmocka_unit_test(test_crlf_split_across_feeds_is_one_line_end),
      cmocka_unit_test(test_cr_only_line_ends),
      cmocka_unit_test(test_bom_only_at_start),
      cmocka_unit_test(test_final_event_only_on_finish),
      cmocka_unit_test(test_empty_data_is_an_event),
      cmocka_unit_test(test_too_big_line_and_event),
      cmocka_unit_test(test_sink_stops_reading),
      cmocka_unit_test(test_retry_field),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
