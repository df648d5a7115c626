// Writing OTLP JSON (the protobuf JSON mapping of OpenTelemetry's trace
// messages) fast: a cursor that writes pieces into room made once for a
// whole attribute or span (every piece a memcpy or a few stores: appending
// to a std::string piece by piece cost most of tracing's CPU), a growing
// text buffer that keeps its room when cleared, and how a span and an
// export request are framed. Used by Span (attributes are written as they
// are set) and the Tracer (a finished span is written into its batch).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

namespace toolorch::obs {

struct Span;

namespace otlp {

class Writer {
 public:
  explicit Writer(char *p) : p_(p) {}
  char *end() const { return p_; }

  template <size_t N>
  void lit(const char (&s)[N]) {  // a literal, its size known at compile time
    std::memcpy(p_, s, N - 1);
    p_ += N - 1;
  }
  void raw(std::string_view s) {
    if (s.empty()) return;  // an empty view's data() may be null: memcpy's UB
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void put(char c) { *p_++ = c; }
  // A JSON string of any text (escaped as cJSON escapes).
  void quoted(std::string_view s);
  // Lowercase hex of bytes, quoted (trace and span ids).
  void hex(const uint8_t *bytes, size_t n);
  // Decimal, quoted as the mapping writes int64 (fixed64 times, intValue).
  void quoted_integer(int64_t v);
  void integer(int64_t v);
  void integer(uint64_t v);
  // A doubleValue: the shortest text that reads back the same; NaN and
  // infinities as the mapping's strings.
  void real(double d);
  // The doubleValue of us / 1000.0 (milliseconds from microseconds),
  // written exactly without the shortest-form search: "12.345", "7". Reads
  // back as the same double (the division and the text's reading both round
  // the same exact value once).
  void millis(int64_t us);

  static constexpr size_t kEscaped = 6;  // the most bytes one input byte becomes
  static constexpr size_t kNumber = 34;  // a quoted int64 or a double, with room

 private:
  char *p_;
};

// Text that grows and keeps its room when cleared (a span's object, and
// so its attributes' room, is reused). InlineText starts with room inside
// the object that holds it (no allocation for a new span's usual text).
class Text {
 public:
  Text() = default;
  Text(const Text &) = delete;
  Text &operator=(const Text &) = delete;
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const char *data() const { return p_; }
  std::string_view view() const { return {p_, size_}; }
  void clear() { size_ = 0; }
  // Room for n more bytes at the end: write there, then commit(where it ends).
  char *room(size_t n) {
    if (cap_ - size_ < n) grow(n);
    return p_ + size_;
  }
  void commit(char *end) { size_ = static_cast<size_t>(end - p_); }
  void append(std::string_view s) {
    if (s.empty()) return;  // an empty view's data() may be null: memcpy's UB
    std::memcpy(room(s.size()), s.data(), s.size());
    size_ += s.size();
  }
  // Replaces bytes [at, at + n) with s.
  void splice(size_t at, size_t n, std::string_view s);

 protected:
  Text(char *inline_room, size_t n) : p_(inline_room), cap_(n) {}

 private:
  void grow(size_t n);
  char *p_ = nullptr;
  size_t size_ = 0, cap_ = 0;
  std::unique_ptr<char[]> heap_;  // p_ once the text outgrew its first room
};

template <size_t N>
class InlineText : public Text {
 public:
  InlineText() : Text(room_, N) {}

 private:
  char room_[N];
};

// The most bytes span's JSON object can take (write_span's room).
size_t span_bound(const Span &s);
// Writes span as an OTLP JSON Span object at p (with span_bound(s) bytes of
// room): ids in hex, times as decimal strings of Unix nanoseconds, enums
// as integers. Returns where it ends.
char *write_span(const Span &s, char *p);

// An ExportTraceServiceRequest is opening(service name) + spans,
// comma-separated + kRequestClose.
constexpr char kRequestClose[] = "]}]}]}";
size_t request_open_bound(std::string_view service_name);
char *write_request_open(char *p, std::string_view service_name);

}  // namespace otlp
}  // namespace toolorch::obs
