#include "obs/tracer.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>

namespace toolorch::obs {

namespace {

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Tracer::Tracer(TracerConfig cfg, std::function<int64_t()> mono_now_us) : cfg_(std::move(cfg)) {
  int64_t wall_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  offset_ns_ = wall_ns - mono_now_us() * 1000;
  // The system's randomness seeds the generator once (it was one read of
  // the random device per span); splitmix64 spreads it over the state,
  // which is never all zero.
  std::random_device rd;
  uint64_t seed = (static_cast<uint64_t>(rd()) << 32 | rd()) ^ static_cast<uint64_t>(wall_ns);
  for (uint64_t &word : rng_) {
    uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    word = z ^ (z >> 31);
  }
}

uint64_t Tracer::next_random() {  // xoshiro256**
  uint64_t result = rotl(rng_[1] * 5, 7) * 9, t = rng_[1] << 17;
  rng_[2] ^= rng_[0];
  rng_[3] ^= rng_[1];
  rng_[1] ^= rng_[2];
  rng_[0] ^= rng_[3];
  rng_[2] ^= t;
  rng_[3] = rotl(rng_[3], 45);
  return result;
}

void Tracer::new_id(uint8_t *out, size_t n) {
  for (size_t i = 0; i < n; i += 8) {
    uint64_t r = next_random();
    std::memcpy(out + i, &r, std::min<size_t>(8, n - i));
  }
}

std::unique_ptr<Span> Tracer::start(std::string_view name, SpanKind kind, const TraceContext &parent, int64_t now_us,
                                    std::string_view name_tail) {
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
    do new_id(ctx.trace_id, 16);
    while (!ctx.valid_trace_id());
    if (r < 1) {
      uint64_t x = 0;
      for (int i = 0; i < 8; ++i) x = x << 8 | ctx.trace_id[8 + i];
      if (static_cast<double>(x >> 11) >= r * 9007199254740992.0) return nullptr;  // 2^53
    }
  }
  do new_id(ctx.span_id, 8);
  while (!ctx.valid_span_id());
  ctx.sampled = true;
  std::unique_ptr<Span> s;
  if (spare_.empty()) {
    s.reset(new Span);  // default-initialized: its text room is not zeroed first (make_unique would)
  } else {
    s = std::move(spare_.back());
    spare_.pop_back();
  }
  s->ctx = ctx;
  std::copy(parent_span_id, parent_span_id + 8, s->parent_span_id);
  s->has_parent = parent.valid();
  // In the reused object's room.
  s->name.clear();
  s->name.append(name);
  s->name.append(name_tail);
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
    size_t max_batch = std::max<size_t>(cfg_.max_batch, 1);
    if (batches_.empty() || batches_.back().count >= max_batch) {
      // The body's opening is written first, so that the batch becomes the
      // request's body as it is, without a copy; its room is made for a
      // whole batch of spans of the average size so far (then it grows as
      // a std::string does).
      batches_.emplace_back();
      std::string &body = batches_.back().spans;
      uint64_t avg = spans_written_ ? span_bytes_ / spans_written_ + 1 : 1024;
      body.reserve(otlp::request_open_bound(cfg_.service_name) + max_batch * (avg + avg / 8) +
                   sizeof otlp::kRequestClose);
      char *open = scratch_.room(otlp::request_open_bound(cfg_.service_name));
      body.append(open, static_cast<size_t>(otlp::write_request_open(open, cfg_.service_name) - open));
    }
    Batch &b = batches_.back();
    // The span's JSON in the scratch buffer (room made once), then into the batch in one piece.
    scratch_.clear();
    char *p = scratch_.room(1 + otlp::span_bound(*span));
    char *text = p;
    if (b.count) *p++ = ',';
    p = otlp::write_span(*span, p);
    b.spans.append(text, static_cast<size_t>(p - text));
    span_bytes_ += static_cast<uint64_t>(p - text);
    spans_written_++;
    b.count++;
    queued_++;
  }
  // Its object (and the room of its strings) serves the next span.
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
  b.spans += otlp::kRequestClose;
  *body = std::move(b.spans);
  batches_.pop_front();
  return true;
}

}  // namespace toolorch::obs
