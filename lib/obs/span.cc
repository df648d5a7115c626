#include "obs/span.h"

#include "obs/cell_pool.h"

#include <mutex>
#include <new>
#include <vector>

namespace toolorch::obs {

namespace {

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is invalid in traceparent
}

bool parse_hex(const std::string &t, size_t at, size_t n, uint8_t *out) {
  for (size_t i = 0; i < n; ++i) {
    int hi = hexval(t[at + 2 * i]), lo = hexval(t[at + 2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

bool all_zero(const uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (b[i]) return false;
  return true;
}

}  // namespace

bool TraceContext::valid_trace_id() const { return !all_zero(trace_id, 16); }
bool TraceContext::valid_span_id() const { return !all_zero(span_id, 8); }

std::string hex(const uint8_t *bytes, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    s[2 * i] = kDigits[bytes[i] >> 4];
    s[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return s;
}

std::string format_traceparent(const TraceContext &c) {
  if (!c.valid()) return "";
  return "00-" + hex(c.trace_id, 16) + "-" + hex(c.span_id, 8) + (c.sampled ? "-01" : "-00");
}

bool parse_traceparent(const std::string &t, TraceContext *out) {
  // 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55 characters; later versions may append.
  if (t.size() < 55 || t[2] != '-' || t[35] != '-' || t[52] != '-') return false;
  uint8_t version = 0, flags = 0;
  if (!parse_hex(t, 0, 1, &version) || version == 0xff) return false;
  if (version == 0 && t.size() != 55) return false;
  if (version != 0 && t.size() > 55 && t[55] != '-') return false;
  TraceContext c;
  if (!parse_hex(t, 3, 16, c.trace_id) || !parse_hex(t, 36, 8, c.span_id) || !parse_hex(t, 53, 1, &flags))
    return false;
  if (!c.valid()) return false;
  c.sampled = flags & 1;
  *out = c;
  return true;
}

namespace {

// Where the value of string attribute key starts in text (its opening
// quote), or npos.
size_t string_value_at(std::string_view text, std::string_view key) {
  // A key is written only as {"key":"<key>", and its text cannot occur in a
  // value: a value's quotes are escaped.
  std::string head = "{\"key\":\"";
  head.append(key);
  head += "\",\"value\":{\"stringValue\":";
  size_t at = text.find(head);
  return at == std::string_view::npos ? at : at + head.size();
}

// The length of the JSON string at the start of s (its quotes included).
size_t string_json_length(std::string_view s) {
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '\\') ++i;
    else if (s[i] == '"') return i + 1;
  }
  return s.size();
}

}  // namespace

std::string_view Span::string_json(std::string_view key) const {
  std::string_view text = attrs.view();
  size_t at = string_value_at(text, key);
  if (at == std::string_view::npos) return {};
  return text.substr(at, string_json_length(text.substr(at)));
}

bool Span::replace_string(std::string_view key, std::string_view v) {
  size_t at = string_value_at(attrs.view(), key);
  if (at == std::string_view::npos) return false;
  std::string quoted(2 + otlp::Writer::kEscaped * v.size(), '\0');
  otlp::Writer w(quoted.data());
  w.quoted(v);
  quoted.resize(static_cast<size_t>(w.end() - quoted.data()));
  attrs.splice(at, string_json_length(attrs.view().substr(at)), quoted);
  return true;
}

// Span objects come from a CellPool (obs/cell_pool.h) of at most 16,384
// cells (about 17 MiB).
using SpanCells = CellPool<sizeof(Span), 16384>;

void *Span::operator new(size_t n) { return SpanCells::allocate(n); }

void Span::operator delete(void *p) noexcept { SpanCells::deallocate(p); }

}  // namespace toolorch::obs
