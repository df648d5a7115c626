#include "obs/otlp_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "json/json.h"
#include "obs/span.h"

namespace toolorch::obs::otlp {

namespace {
constexpr char kHex[] = "0123456789abcdef";
}  // namespace

void Writer::quoted(std::string_view s) { p_ = json::write_quoted(p_, s); }

namespace {
// Each byte's two hex digits, for one 2-byte store per byte.
struct HexPairs {
  char text[512];
  constexpr HexPairs() : text() {
    for (int b = 0; b < 256; ++b) {
      text[2 * b] = kHex[b >> 4];
      text[2 * b + 1] = kHex[b & 15];
    }
  }
};
constexpr HexPairs kHexPairs;
}  // namespace

void Writer::hex(const uint8_t *bytes, size_t n) {
  *p_++ = '"';
  for (size_t i = 0; i < n; ++i, p_ += 2) std::memcpy(p_, kHexPairs.text + 2 * bytes[i], 2);
  *p_++ = '"';
}

namespace {

constexpr char kPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// v < 10^8, its digits without leading zeros, two at a time from the end.
char *small_decimal(char *p, uint32_t v) {
  int n = v >= 10000 ? (v >= 1000000 ? (v >= 10000000 ? 8 : 7) : (v >= 100000 ? 6 : 5))
                     : (v >= 100 ? (v >= 1000 ? 4 : 3) : (v >= 10 ? 2 : 1));
  char *q = p + n;
  while (v >= 100) {
    q -= 2;
    std::memcpy(q, kPairs + 2 * (v % 100), 2);
    v /= 100;
  }
  if (v >= 10) std::memcpy(q - 2, kPairs + 2 * v, 2);
  else q[-1] = static_cast<char>('0' + v);
  return p + n;
}

// v < 10^8 as exactly 8 digits (leading zeros kept), all at once: the
// digit pairs, then the digits, split in the lanes of one 64-bit word.
char *eight_digits(char *p, uint32_t v) {
  uint64_t w = (v / 10000) | (static_cast<uint64_t>(v % 10000) << 32);      // 2 lanes of 4 digits
  uint64_t hundreds = ((w * 10486) >> 20) & 0x0000007F0000007Full;           // each lane / 100
  w = hundreds | ((w - hundreds * 100) << 16);                                 // 4 lanes of 2 digits
  uint64_t tens = ((w * 103) >> 10) & 0x000F000F000F000Full;                   // each lane / 10
  w = (tens | ((w - tens * 10) << 8)) + 0x3030303030303030ull;                // 8 lanes of 1 digit
  std::memcpy(p, &w, 8);
  return p + 8;
}

}  // namespace

void Writer::integer(uint64_t v) {
  constexpr uint64_t k8 = 100000000;
  if (v < k8) {
    p_ = small_decimal(p_, static_cast<uint32_t>(v));
  } else if (v < k8 * k8) {
    p_ = small_decimal(p_, static_cast<uint32_t>(v / k8));
    p_ = eight_digits(p_, static_cast<uint32_t>(v % k8));
  } else {  // up to 20 digits: Unix times in nanoseconds have 19
    uint64_t high = v / k8;
    p_ = small_decimal(p_, static_cast<uint32_t>(high / k8));
    p_ = eight_digits(p_, static_cast<uint32_t>(high % k8));
    p_ = eight_digits(p_, static_cast<uint32_t>(v % k8));
  }
}

void Writer::integer(int64_t v) {
  if (v < 0) {
    *p_++ = '-';
    integer(uint64_t{0} - static_cast<uint64_t>(v));
  } else {
    integer(static_cast<uint64_t>(v));
  }
}

void Writer::quoted_integer(int64_t v) {
  *p_++ = '"';
  integer(v);
  *p_++ = '"';
}

void Writer::real(double d) {
  if (std::isnan(d)) lit("\"NaN\"");
  else if (std::isinf(d) && d > 0) lit("\"Infinity\"");
  else if (std::isinf(d)) lit("\"-Infinity\"");
  else p_ = std::to_chars(p_, p_ + 32, d).ptr;  // the shortest text that reads back the same
}

void Writer::millis(int64_t us) {
  // Exact only while us converts to a double exactly (2^53 us: 285 years).
  constexpr int64_t kExact = int64_t{1} << 53;
  if (us >= kExact || us <= -kExact) return real(static_cast<double>(us) / 1000.0);
  if (us < 0) {
    *p_++ = '-';
    us = -us;
  }
  integer(us / 1000);
  int frac = static_cast<int>(us % 1000);
  if (!frac) return;
  *p_++ = '.';
  *p_++ = static_cast<char>('0' + frac / 100);
  frac %= 100;
  if (!frac) return;
  *p_++ = static_cast<char>('0' + frac / 10);
  if (frac % 10) *p_++ = static_cast<char>('0' + frac % 10);
}

void Text::grow(size_t n) {
  size_t cap = std::max({size_ + n, cap_ * 2, size_t{256}});
  std::unique_ptr<char[]> buf(new char[cap]);
  if (size_) std::memcpy(buf.get(), p_, size_);
  heap_ = std::move(buf);
  p_ = heap_.get();
  cap_ = cap;
}

void Text::splice(size_t at, size_t n, std::string_view s) {
  size_t tail = size_ - at - n;
  if (s.size() > n) room(s.size() - n);
  if (tail) std::memmove(p_ + at + s.size(), p_ + at + n, tail);
  if (!s.empty()) std::memcpy(p_ + at, s.data(), s.size());
  size_ = at + s.size() + tail;
}

size_t span_bound(const Span &s) {
  return 256 + Writer::kEscaped * (s.name.size() + s.status_message.size()) + s.attrs.size();
}

char *write_span(const Span &s, char *p) {
  Writer w(p);
  w.lit("{\"traceId\":");
  w.hex(s.ctx.trace_id, 16);
  w.lit(",\"spanId\":");
  w.hex(s.ctx.span_id, 8);
  if (s.has_parent) {
    w.lit(",\"parentSpanId\":");
    w.hex(s.parent_span_id, 8);
  }
  w.lit(",\"name\":");
  w.quoted(s.name.view());
  w.lit(",\"kind\":");
  w.integer(static_cast<int64_t>(s.kind));
  w.lit(",\"startTimeUnixNano\":");
  w.quoted_integer(s.start_ns);
  w.lit(",\"endTimeUnixNano\":");
  w.quoted_integer(s.end_ns);
  w.lit(",\"attributes\":[");
  w.raw(s.attrs.view());
  w.lit("],\"status\":{");
  if (s.error) {
    w.lit("\"code\":2,\"message\":");
    w.quoted(s.status_message);
  }
  w.lit("}}");
  return w.end();
}

namespace {
constexpr char kOpenHead[] = R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":)";
constexpr char kOpenTail[] =
    R"(}}]},"scopeSpans":[{"scope":{"name":"toolorch"},"schemaUrl":"https://opentelemetry.io/schemas/1.37.0","spans":[)";
}  // namespace

size_t request_open_bound(std::string_view service_name) {
  return sizeof kOpenHead + sizeof kOpenTail + 2 + Writer::kEscaped * service_name.size();
}

char *write_request_open(char *p, std::string_view service_name) {
  Writer w(p);
  w.lit(kOpenHead);
  w.quoted(service_name);
  w.lit(kOpenTail);
  return w.end();
}

}  // namespace toolorch::obs::otlp
