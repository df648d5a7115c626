// Spans as OpenTelemetry models them, and the W3C trace context that links
// them across processes (traceparent: "00-<trace id>-<span id>-<flags>").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace toolorch::obs {

struct TraceContext {
  uint8_t trace_id[16] = {0};
  uint8_t span_id[8] = {0};
  bool sampled = false;
  bool valid() const;  // a non-zero trace id and span id
};

// "00-<32 hex>-<16 hex>-<2 hex>"; "" for an invalid context.
std::string format_traceparent(const TraceContext &c);
// Version 00 (and later versions' first four fields, as the spec asks);
// false for anything malformed, all-zero ids or version ff.
bool parse_traceparent(const std::string &text, TraceContext *out);
std::string hex(const uint8_t *bytes, size_t n);

// An attribute's key is a string literal that needs no JSON escape (the names are the semantic
// conventions' own, fixed in the code): no copy per span.
struct Attribute {
  enum class Type { kString, kInt, kDouble, kBool } type = Type::kString;
  const char *key = "";
  std::string s;
  int64_t i = 0;
  double d = 0;
  bool b = false;
};

// OTLP SpanKind values.
enum class SpanKind { kInternal = 1, kServer = 2, kClient = 3 };

struct Span {
  TraceContext ctx;
  uint8_t parent_span_id[8] = {0};
  bool has_parent = false;
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  int64_t start_ns = 0, end_ns = 0;  // Unix epoch nanoseconds
  std::vector<Attribute> attrs;
  bool error = false;          // OTLP status code ERROR (else UNSET)
  std::string status_message;  // with error

  // key: a string literal (see Attribute).
  void set(const char *key, std::string v);
  void set(const char *key, const char *v) { set(key, std::string(v)); }
  void set(const char *key, int64_t v);
  void set(const char *key, int v) { set(key, static_cast<int64_t>(v)); }
  void set(const char *key, double v);
  void set(const char *key, bool v);
  const Attribute *find(std::string_view key) const;
  Attribute *find(std::string_view key) {
    return const_cast<Attribute *>(static_cast<const Span *>(this)->find(key));
  }
};

}  // namespace toolorch::obs
