// Spans: made with ids from a private random source (a fast generator
// seeded once from the system's), sampled parent-based
// (a root by the ratio, a child as its parent), finished into a bounded
// queue that an exporter drains. A finished span is written as its OTLP
// JSON at once, into the batch it will be sent in, and its object reused:
// no tree of JSON nodes per span, no span objects waiting in the queue
// (that tree cost more than the rest of tracing together). Loop thread
// only, except the counters.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "obs/span.h"

namespace toolorch::obs {

struct TracerConfig {
  std::string endpoint;                 // OTLP/HTTP base URL; spans go to <endpoint>/v1/traces
  std::string service_name = "toolorch";
  double sample_ratio = 1.0;            // for root spans; children follow their parent
  size_t max_queue = 4096;              // finished spans waiting for export; more are dropped
  size_t max_batch = 512;               // spans per export request
  int64_t flush_interval_ms = 1000;     // how long a span may wait for a fuller batch
  int64_t export_timeout_ms = 5000;
};

class Tracer {
 public:
  Tracer(TracerConfig cfg, std::function<int64_t()> mono_now_us);
  const TracerConfig &config() const { return cfg_; }

  // A span, or null when it is not sampled. parent: invalid for a root.
  // Its name is name + name_tail (one std::string made from the two parts).
  std::unique_ptr<Span> start(std::string_view name, SpanKind kind, const TraceContext &parent, int64_t now_us,
                              std::string_view name_tail = {});
  // Time-stamps and queues it (dropped and counted when the queue is full).
  void finish(std::unique_ptr<Span> span, int64_t now_us);
  int64_t unix_ns(int64_t mono_us) const { return mono_us * 1000 + offset_ns_; }

  // Finished spans not yet taken by the exporter.
  size_t queued() const { return queued_; }
  // The oldest batch (up to max_batch spans) as an OTLP/HTTP JSON body
  // (ExportTraceServiceRequest); false if none is queued. *spans: how many.
  bool take_batch(std::string *body, size_t *spans);
  // Called with the number queued when a span makes it 1 (the exporter
  // plans a flush) or max_batch (it flushes early).
  void set_on_queued(std::function<void(size_t)> fn) { on_queued_ = std::move(fn); }
  void count_dropped(uint64_t n) { dropped_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  uint64_t finished() const { return finished_.load(std::memory_order_relaxed); }

 private:
  uint64_t next_random();
  void new_id(uint8_t *out, size_t n);
  TracerConfig cfg_;
  int64_t offset_ns_;
  uint64_t rng_[4];  // xoshiro256**, seeded once
  // Each batch: the body's opening and its spans' JSON objects, comma-separated, and their count.
  struct Batch {
    std::string spans;
    size_t count = 0;
  };
  std::deque<Batch> batches_;
  size_t queued_ = 0;
  // Bytes of the spans written so far, and how many: a new batch is given
  // room for max_batch spans of that average size at once (growing it by
  // copies cost more than writing it).
  uint64_t span_bytes_ = 0, spans_written_ = 0;
  otlp::Text scratch_;  // a span's JSON, before it goes into its batch in one piece
  // Finished spans' objects, for reuse: the free list grows to the most
  // spans ever in use at once (a batch of 10,000 calls starts 10,000 spans
  // together), so that after the first burst no span is allocated or freed
  // (each is 1 KiB, beyond malloc's per-thread cache: every new and delete
  // took the loop thread's arena lock, which the host's thread contends for
  // in queue mode). Bounded: at most kMaxSpare objects (about 17 MiB) stay
  // kept; spans beyond that many in use at once are freed when they end.
  static constexpr size_t kMaxSpare = 16384;
  std::vector<std::unique_ptr<Span>> spare_;
  std::function<void(size_t)> on_queued_;
  std::atomic<uint64_t> dropped_{0}, finished_{0};
};

}  // namespace toolorch::obs
