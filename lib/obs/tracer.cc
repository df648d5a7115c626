#include "obs/tracer.h"

#include <cJSON.h>

#include <chrono>

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
  auto s = std::make_unique<Span>();
  if (parent.valid()) {
    if (!parent.sampled) return nullptr;
    std::copy(parent.trace_id, parent.trace_id + 16, s->ctx.trace_id);
    std::copy(parent.span_id, parent.span_id + 8, s->parent_span_id);
    s->has_parent = true;
  } else {
    // TraceIdRatioBased for roots: the ratio is checked against random bits
    // that also become the trace id.
    double r = cfg_.sample_ratio;
    if (r <= 0) return nullptr;
    new_id(s->ctx.trace_id, 16);
    if (r < 1) {
      uint64_t x = 0;
      for (int i = 0; i < 8; ++i) x = x << 8 | s->ctx.trace_id[8 + i];
      if (static_cast<double>(x >> 11) >= r * 9007199254740992.0) return nullptr;  // 2^53
    }
  }
  do new_id(s->ctx.span_id, 8);
  while (!s->ctx.valid());
  s->ctx.sampled = true;
  s->name = std::move(name);
  s->kind = kind;
  s->start_ns = unix_ns(now_us);
  return s;
}

void Tracer::finish(std::unique_ptr<Span> span, int64_t now_us) {
  if (!span) return;
  span->end_ns = unix_ns(now_us);
  if (span->end_ns < span->start_ns) span->end_ns = span->start_ns;
  finished_.fetch_add(1, std::memory_order_relaxed);
  if (queue_.size() >= cfg_.max_queue) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  queue_.push_back(std::move(span));
  size_t n = queue_.size();
  if ((n == 1 || n == cfg_.max_batch) && on_queued_) on_queued_(n);
}

namespace {

cJSON *attr_json(const Attribute &a) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "key", a.key.c_str());
  cJSON *v = cJSON_AddObjectToObject(o, "value");
  switch (a.type) {
    case Attribute::Type::kString: cJSON_AddStringToObject(v, "stringValue", a.s.c_str()); break;
    // int64 travels as a decimal string in OTLP JSON.
    case Attribute::Type::kInt: cJSON_AddStringToObject(v, "intValue", std::to_string(a.i).c_str()); break;
    case Attribute::Type::kDouble: cJSON_AddNumberToObject(v, "doubleValue", a.d); break;
    case Attribute::Type::kBool: cJSON_AddBoolToObject(v, "boolValue", a.b); break;
  }
  return o;
}

}  // namespace

std::string otlp_json(const std::string &service_name, const std::deque<std::unique_ptr<Span>> &spans, size_t n) {
  json::Ptr root(cJSON_CreateObject());
  cJSON *rs = cJSON_CreateObject();
  cJSON_AddItemToArray(cJSON_AddArrayToObject(root.get(), "resourceSpans"), rs);
  cJSON *res_attrs = cJSON_AddArrayToObject(cJSON_AddObjectToObject(rs, "resource"), "attributes");
  Attribute svc;
  svc.key = "service.name";
  svc.s = service_name;
  cJSON_AddItemToArray(res_attrs, attr_json(svc));
  cJSON *ss = cJSON_CreateObject();
  cJSON_AddItemToArray(cJSON_AddArrayToObject(rs, "scopeSpans"), ss);
  cJSON *scope = cJSON_AddObjectToObject(ss, "scope");
  cJSON_AddStringToObject(scope, "name", "toolorch");
  cJSON_AddStringToObject(ss, "schemaUrl", "https://opentelemetry.io/schemas/1.37.0");
  cJSON *arr = cJSON_AddArrayToObject(ss, "spans");
  for (size_t i = 0; i < n && i < spans.size(); ++i) {
    const Span &s = *spans[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "traceId", hex(s.ctx.trace_id, 16).c_str());
    cJSON_AddStringToObject(o, "spanId", hex(s.ctx.span_id, 8).c_str());
    if (s.has_parent) cJSON_AddStringToObject(o, "parentSpanId", hex(s.parent_span_id, 8).c_str());
    cJSON_AddStringToObject(o, "name", s.name.c_str());
    cJSON_AddNumberToObject(o, "kind", static_cast<int>(s.kind));
    cJSON_AddStringToObject(o, "startTimeUnixNano", std::to_string(s.start_ns).c_str());
    cJSON_AddStringToObject(o, "endTimeUnixNano", std::to_string(s.end_ns).c_str());
    cJSON *attrs = cJSON_AddArrayToObject(o, "attributes");
    for (const Attribute &a : s.attrs) cJSON_AddItemToArray(attrs, attr_json(a));
    cJSON *st = cJSON_AddObjectToObject(o, "status");
    if (s.error) {
      cJSON_AddNumberToObject(st, "code", 2);
      cJSON_AddStringToObject(st, "message", s.status_message.c_str());
    }
    cJSON_AddItemToArray(arr, o);
  }
  char *text = cJSON_PrintUnformatted(root.get());
  std::string out = text ? text : "{}";
  cJSON_free(text);
  return out;
}

}  // namespace toolorch::obs
