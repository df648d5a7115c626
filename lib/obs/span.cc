#include "obs/span.h"

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

bool TraceContext::valid() const { return !all_zero(trace_id, 16) && !all_zero(span_id, 8); }

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

void Span::set(const char *key, std::string v) {
  Attribute &a = attrs.emplace_back();
  a.key = key;
  a.s = std::move(v);
}
void Span::set(const char *key, int64_t v) {
  Attribute &a = attrs.emplace_back();
  a.type = Attribute::Type::kInt;
  a.key = key;
  a.i = v;
}
void Span::set(const char *key, double v) {
  Attribute &a = attrs.emplace_back();
  a.type = Attribute::Type::kDouble;
  a.key = key;
  a.d = v;
}
void Span::set(const char *key, bool v) {
  Attribute &a = attrs.emplace_back();
  a.type = Attribute::Type::kBool;
  a.key = key;
  a.b = v;
}

const Attribute *Span::find(std::string_view key) const {
  for (const Attribute &a : attrs)
    if (key == a.key) return &a;
  return nullptr;
}

}  // namespace toolorch::obs
