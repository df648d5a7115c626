#include "obs/tracer.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>

#include "json/json.h"

namespace toolorch::obs {

Tracer::Tracer(TracerConfig cfg, std::function<int64_t()> mono_now_us)
    : cfg_(std::move(cfg)), rng_(std::random_device{}()) {
  int64_t wall_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  offset_ns_ = wall_ns - mono_now_us() * 1000;
}

void Tracer::new_id(uint8_t *out, size_t n) {
  for (size_t i = 0; i < n; i += 8) {
    uint64_t r = rng_();
    for (size_t k = 0; k < 8 && i + k < n; ++k) out[i + k] = static_cast<uint8_t>(r >> (8 * k));
  }
}

std::unique_ptr<Span> Tracer::start(std::string name, SpanKind kind, const TraceContext &parent, int64_t now_us) {
  TraceContext ctx;
  uint8_t parent_span_id[8] = {0};
  if (parent.valid()) {
    if (!parent.sampled) return nullptr;
    std::copy(parent.trace_id, parent.trace_id + 16, ctx.trace_id);
    std::copy(parent.span_id, parent.span_id + 8, parent_span_id);
  } else {
    // TraceIdRatioBased for roots: the ratio is checked against random bits
    // that also become the trace id.
    double r = cfg_.sample_ratio;
    if (r <= 0) return nullptr;
    new_id(ctx.trace_id, 16);
    if (r < 1) {
      uint64_t x = 0;
      for (int i = 0; i < 8; ++i) x = x << 8 | ctx.trace_id[8 + i];
      if (static_cast<double>(x >> 11) >= r * 9007199254740992.0) return nullptr;  // 2^53
    }
  }
  do new_id(ctx.span_id, 8);
  while (!ctx.valid());
  ctx.sampled = true;
  std::unique_ptr<Span> s;
  if (spare_.empty()) {
    s = std::make_unique<Span>();
    s->attrs.reserve(12);  // the most any span of ours carries
  } else {
    s = std::move(spare_.back());
    spare_.pop_back();
  }
  s->ctx = ctx;
  std::copy(parent_span_id, parent_span_id + 8, s->parent_span_id);
  s->has_parent = parent.valid();
  s->name = std::move(name);
  s->kind = kind;
  s->start_ns = unix_ns(now_us);
  s->end_ns = 0;
  return s;
}

void Tracer::finish(std::unique_ptr<Span> span, int64_t now_us) {
  if (!span) return;
  span->end_ns = unix_ns(now_us);
  if (span->end_ns < span->start_ns) span->end_ns = span->start_ns;
  finished_.fetch_add(1, std::memory_order_relaxed);
  if (queued_ >= cfg_.max_queue) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
  } else {
    if (batches_.empty() || batches_.back().count >= std::max<size_t>(cfg_.max_batch, 1)) {
      // The body's opening is written first, so that the batch becomes
      // the request's body as it is, without a copy.
      batches_.emplace_back();
      std::string &body = batches_.back().spans;
      body.reserve(last_batch_bytes_);  // the size of the last one: no growing by copies
      body += R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":)";
      json::append_quoted(&body, cfg_.service_name);
      body += R"(}}]},"scopeSpans":[{"scope":{"name":"toolorch"},"schemaUrl":"https://opentelemetry.io/schemas/1.37.0","spans":[)";
    }
    Batch &b = batches_.back();
    if (b.count) b.spans.push_back(',');
    append_otlp_span(*span, &b.spans);
    b.count++;
    queued_++;
  }
  // Its object (and the capacity of its strings) serves the next span.
  span->attrs.clear();
  span->error = false;
  span->status_message.clear();
  if (spare_.size() < kMaxSpare) spare_.push_back(std::move(span));
  if ((queued_ == 1 || queued_ == cfg_.max_batch) && on_queued_) on_queued_(queued_);
}

bool Tracer::take_batch(std::string *body, size_t *spans) {
  if (batches_.empty()) return false;
  Batch &b = batches_.front();
  queued_ -= b.count;
  *spans = b.count;
  b.spans += "]}]}]}";
  last_batch_bytes_ = b.spans.size();
  *body = std::move(b.spans);
  batches_.pop_front();
  return true;
}

namespace {

// Writes a span's JSON through a cursor into a scratch buffer with room for
// any span (an upper bound: every string byte may become a 6-byte escape),
// then appends it to the batch in one piece: every piece is a memcpy or a
// few stores. A std::string append per piece cost most of tracing's CPU
// (about 90 calls per span); writing in the batch itself made it grow by
// the bound, not the text.
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
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  // A name of ours that needs no escape (an attribute key: a literal).
  void plain_quoted(std::string_view s) {
    *p_++ = '"';
    raw(s);
    *p_++ = '"';
  }
  void quoted(std::string_view s) { p_ = json::write_quoted(p_, s); }
  void hex(const uint8_t *bytes, size_t n) {
    *p_++ = '"';
    for (size_t i = 0; i < n; ++i) {
      *p_++ = kHex[bytes[i] >> 4];
      *p_++ = kHex[bytes[i] & 15];
    }
    *p_++ = '"';
  }
  void integer(int64_t v, bool as_string) {
    if (as_string) *p_++ = '"';
    p_ = std::to_chars(p_, p_ + 20, v).ptr;
    if (as_string) *p_++ = '"';
  }
  void real(double d) {
    if (std::isnan(d)) lit("\"NaN\"");
    else if (std::isinf(d) && d > 0) lit("\"Infinity\"");
    else if (std::isinf(d)) lit("\"-Infinity\"");
    else p_ = std::to_chars(p_, p_ + 32, d).ptr;  // the shortest text that reads back the same
  }
  void put(char c) { *p_++ = c; }

  static constexpr size_t kEscaped = 6;  // the most bytes one input byte becomes
  static constexpr size_t kNumber = 34;  // a quoted int64 or a double, with room

 private:
  static constexpr char kHex[] = "0123456789abcdef";
  char *p_;
};

// Room enough for the span in any case (see Writer).
size_t span_bound(const Span &s) {
  size_t n = 256 + Writer::kEscaped * (s.name.size() + s.status_message.size());
  for (const Attribute &a : s.attrs) n += 48 + std::strlen(a.key) + Writer::kEscaped * a.s.size() + Writer::kNumber;
  return n;
}

void write_attr(const Attribute &a, Writer &w) {
  w.lit("{\"key\":");
  w.plain_quoted(a.key);
  switch (a.type) {
    case Attribute::Type::kString:
      w.lit(",\"value\":{\"stringValue\":");
      w.quoted(a.s);
      break;
    case Attribute::Type::kInt:
      w.lit(",\"value\":{\"intValue\":");
      w.integer(a.i, true);
      break;
    case Attribute::Type::kDouble:
      w.lit(",\"value\":{\"doubleValue\":");
      w.real(a.d);
      break;
    case Attribute::Type::kBool:
      if (a.b) w.lit(",\"value\":{\"boolValue\":true");
      else w.lit(",\"value\":{\"boolValue\":false");
      break;
  }
  w.lit("}}");
}

}  // namespace

void append_otlp_span(const Span &s, std::string *out) {
  thread_local std::vector<char> scratch;
  size_t bound = span_bound(s);
  if (scratch.size() < bound) scratch.resize(std::max(bound, size_t{4096}));
  Writer w(scratch.data());
  w.lit("{\"traceId\":");
  w.hex(s.ctx.trace_id, 16);
  w.lit(",\"spanId\":");
  w.hex(s.ctx.span_id, 8);
  if (s.has_parent) {
    w.lit(",\"parentSpanId\":");
    w.hex(s.parent_span_id, 8);
  }
  w.lit(",\"name\":");
  w.quoted(s.name);
  w.lit(",\"kind\":");
  w.integer(static_cast<int>(s.kind), false);
  w.lit(",\"startTimeUnixNano\":");
  w.integer(s.start_ns, true);
  w.lit(",\"endTimeUnixNano\":");
  w.integer(s.end_ns, true);
  w.lit(",\"attributes\":[");
  for (size_t i = 0; i < s.attrs.size(); ++i) {
    if (i) w.put(',');
    write_attr(s.attrs[i], w);
  }
  w.lit("],\"status\":{");
  if (s.error) {
    w.lit("\"code\":2,\"message\":");
    w.quoted(s.status_message);
  }
  w.lit("}}");
  out->append(scratch.data(), w.end());
}

}  // namespace toolorch::obs
