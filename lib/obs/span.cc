#include "obs/span.h"

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

namespace {

// Span objects in slabs: kSlabCells at a time in one allocation, and the
// cells of spans ended on a free list for the next ones, process-wide (a
// span may end on another thread than it began on: a call's last reference
// may be the host's). At most kMaxCells cells are made (about 17 MiB);
// spans beyond that many alive at once are allocated one by one. The
// cells are kept until the process ends: as many as were ever alive at
// once, within that bound. Each cell starts with a header saying which
// kind it is. Under AddressSanitizer every span is allocated alone, so
// that a use after its end is still caught.
#if defined(__SANITIZE_ADDRESS__)
#define TOOLORCH_SPAN_SLABS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TOOLORCH_SPAN_SLABS 0
#endif
#endif
#ifndef TOOLORCH_SPAN_SLABS
#define TOOLORCH_SPAN_SLABS 1
#endif

constexpr size_t kHeader = 16;  // keeps the span 16-aligned
constexpr size_t kCell = kHeader + (sizeof(Span) + 15) / 16 * 16;  // a multiple of 16
constexpr size_t kSlabCells = 64, kMaxCells = 16384;
enum : unsigned char { kAlone = 0, kPooled = 1 };

struct FreeCell {
  FreeCell *next;
};

struct SpanSlabs {
  std::mutex mu;
  FreeCell *free = nullptr;
  size_t cells = 0;
  std::vector<std::unique_ptr<unsigned char[]>> slabs;
};

SpanSlabs &span_slabs() {
  static SpanSlabs *s = new SpanSlabs;  // never destroyed: spans may end during exit
  return *s;
}

void *alone(size_t n) {
  auto *cell = static_cast<unsigned char *>(::operator new(kHeader + n));
  cell[0] = kAlone;
  return cell + kHeader;
}

}  // namespace

void *Span::operator new(size_t n) {
  if (!TOOLORCH_SPAN_SLABS) return ::operator new(n);
  if (n != sizeof(Span)) return alone(n);
  SpanSlabs &s = span_slabs();
  std::lock_guard<std::mutex> lk(s.mu);
  if (!s.free) {
    if (s.cells >= kMaxCells) return alone(n);
    std::unique_ptr<unsigned char[]> slab(new unsigned char[kSlabCells * kCell]);
    for (size_t i = kSlabCells; i-- > 0;) {
      unsigned char *cell = slab.get() + i * kCell;
      cell[0] = kPooled;
      s.free = new (cell + kHeader) FreeCell{s.free};
    }
    s.slabs.push_back(std::move(slab));
    s.cells += kSlabCells;
  }
  FreeCell *f = s.free;
  s.free = f->next;
  return f;
}

void Span::operator delete(void *p) noexcept {
  if (!p) return;
  if (!TOOLORCH_SPAN_SLABS) return ::operator delete(p);
  unsigned char *cell = static_cast<unsigned char *>(p) - kHeader;
  if (cell[0] != kPooled) return ::operator delete(cell);
  SpanSlabs &s = span_slabs();
  std::lock_guard<std::mutex> lk(s.mu);
  s.free = new (p) FreeCell{s.free};
}

}  // namespace toolorch::obs
