// Spans as OpenTelemetry models them, and the W3C trace context that links
// them across processes (traceparent: "00-<trace id>-<span id>-<flags>").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "obs/otlp_json.h"

namespace toolorch::obs {

struct TraceContext {
  uint8_t trace_id[16] = {0};
  uint8_t span_id[8] = {0};
  bool sampled = false;
  bool valid() const { return valid_trace_id() && valid_span_id(); }  // a non-zero trace id and span id
  bool valid_trace_id() const;
  bool valid_span_id() const;
};

// "00-<32 hex>-<16 hex>-<2 hex>"; "" for an invalid context.
std::string format_traceparent(const TraceContext &c);
// Version 00 (and later versions' first four fields, as the spec asks);
// false for anything malformed, all-zero ids or version ff.
bool parse_traceparent(const std::string &text, TraceContext *out);
std::string hex(const uint8_t *bytes, size_t n);

// OTLP SpanKind values.
enum class SpanKind { kInternal = 1, kServer = 2, kClient = 3 };

struct Span {
  TraceContext ctx;
  uint8_t parent_span_id[8] = {0};
  bool has_parent = false;
  SpanKind kind = SpanKind::kInternal;
  bool error = false;          // OTLP status code ERROR (else UNSET)
  int64_t start_ns = 0, end_ns = 0;  // Unix epoch nanoseconds
  otlp::InlineText<56> name;
  // The attributes, written as OTLP JSON when they are set (no object per
  // attribute): {"key":..,"value":{..}} objects, comma-separated, in the
  // order set. Room for a tool call's inside the span.
  otlp::InlineText<832> attrs;
  std::string status_message;  // with error

  // Span objects come from slabs of many, kept for reuse by any thread
  // (span.cc): made one by one, each 1 KiB object grew the loop thread's
  // malloc arena by a page or so (an mprotect call every few spans).
  static void *operator new(size_t n);
  static void operator delete(void *p) noexcept;

  // key: a literal that needs no JSON escape (the semantic conventions'
  // names, fixed in the code), written as it is. The value is any text.
  template <size_t N>
  void set(const char (&key)[N], std::string_view v) {
    otlp::Writer w = open(key, kString, 2 + otlp::Writer::kEscaped * v.size());
    w.quoted(v);
    close(w);
  }
  template <size_t N>
  void set(const char (&key)[N], const char *v) {
    set(key, std::string_view(v));
  }
  // A string attribute whose value is a literal that needs no JSON escape
  // (a fixed name: "execute_tool", "function"): copied as it is, unscanned.
  template <size_t N, size_t M>
  void set_literal(const char (&key)[N], const char (&v)[M]) {
    otlp::Writer w = open(key, kString, M + 1);
    w.put('"');
    w.lit(v);
    w.put('"');
    close(w);
  }
  template <size_t N>
  void set(const char (&key)[N], int64_t v) {
    otlp::Writer w = open(key, kInt, otlp::Writer::kNumber);
    w.quoted_integer(v);
    close(w);
  }
  template <size_t N>
  void set(const char (&key)[N], int v) {
    set(key, static_cast<int64_t>(v));
  }
  template <size_t N>
  void set(const char (&key)[N], double v) {
    otlp::Writer w = open(key, kDouble, otlp::Writer::kNumber);
    w.real(v);
    close(w);
  }
  template <size_t N>
  void set(const char (&key)[N], bool v) {
    otlp::Writer w = open(key, kBool, 5);
    if (v) w.lit("true");
    else w.lit("false");
    close(w);
  }
  // A double attribute in milliseconds from microseconds, us / 1000.0,
  // written without a double's shortest-form search.
  template <size_t N>
  void set_millis(const char (&key)[N], int64_t us) {
    otlp::Writer w = open(key, kDouble, otlp::Writer::kNumber);
    w.millis(us);
    close(w);
  }
  // A string attribute from JSON text as string_json gives it.
  template <size_t N>
  void set_string_json(const char (&key)[N], std::string_view json) {
    otlp::Writer w = open(key, kString, json.size());
    w.raw(json);
    close(w);
  }

  // The value of string attribute key as JSON text (quoted, escaped), or ""
  // if there is none.
  std::string_view string_json(std::string_view key) const;
  // Replaces the value of string attribute key (the first so named): false
  // if there is none.
  bool replace_string(std::string_view key, std::string_view v);

 private:
  // What follows the key up to the value.
  static constexpr char kString[] = "\",\"value\":{\"stringValue\":";
  static constexpr char kInt[] = "\",\"value\":{\"intValue\":";
  static constexpr char kDouble[] = "\",\"value\":{\"doubleValue\":";
  static constexpr char kBool[] = "\",\"value\":{\"boolValue\":";

  // Room for one more attribute whose value takes at most value_bound
  // bytes, and its opening written (after a comma if others came before).
  template <size_t N, size_t T>
  otlp::Writer open(const char (&key)[N], const char (&value_open)[T], size_t value_bound) {
    bool first = attrs.empty();
    otlp::Writer w(attrs.room(9 + N + T + value_bound));
    if (!first) w.put(',');
    w.lit("{\"key\":\"");
    w.lit(key);
    w.lit(value_open);
    return w;
  }
  void close(otlp::Writer &w) {
    w.lit("}}");
    attrs.commit(w.end());
  }
};

}  // namespace toolorch::obs
