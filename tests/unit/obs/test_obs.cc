// lib/obs on its own: the exposition format (escaping, numbers, bounded
// label sets), W3C traceparent, parent-based sampling, the OTLP JSON body
// and its writer's numbers.
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cmocka_cpp.h"
#include "json/json.h"
#include "obs/metrics.h"
#include "obs/observability.h"
#include "obs/tracer.h"

using namespace toolorch::obs;

static void exposition_escapes_and_formats(void **) {
  Registry r;
  std::string err;
  Family *c = r.family(MetricKind::kCounter, "x_total", "Help with \\ and\nnewline.", {"a"});
  assert_non_null(c);
  c->with("q\"b\\s\nn")->add(2);
  Family *g = r.family(MetricKind::kGauge, "y", "G.", {});
  g->with()->set(0.1);
  Family *h = r.family(MetricKind::kHistogram, "z_seconds", "H.", {"op"}, {0.5, 1});
  h->observe(h->with("a"), 0.5);  // on a bound: in that bucket (le is inclusive)
  h->observe(h->with("a"), 3);
  std::string t = r.text();
  assert_non_null(strstr(t.c_str(), "# HELP x_total Help with \\\\ and\\nnewline.\n# TYPE x_total counter\n"));
  assert_non_null(strstr(t.c_str(), "x_total{a=\"q\\\"b\\\\s\\nn\"} 2\n"));
  assert_non_null(strstr(t.c_str(), "y 0.1\n"));
  assert_non_null(strstr(t.c_str(), "z_seconds_bucket{op=\"a\",le=\"0.5\"} 1\n"));
  assert_non_null(strstr(t.c_str(), "z_seconds_bucket{op=\"a\",le=\"1\"} 1\n"));
  assert_non_null(strstr(t.c_str(), "z_seconds_bucket{op=\"a\",le=\"+Inf\"} 2\n"));
  assert_non_null(strstr(t.c_str(), "z_seconds_sum{op=\"a\"} 3.5\n"));
  assert_non_null(strstr(t.c_str(), "z_seconds_count{op=\"a\"} 2\n"));
  // Names and labels are checked; a name is one family.
  assert_null(r.family(MetricKind::kGauge, "bad-name", "", {}, {}, &err));
  assert_null(r.family(MetricKind::kGauge, "ok", "", {"__reserved"}, {}, &err));
  assert_null(r.family(MetricKind::kGauge, "x_total", "", {"a"}, {}, &err));
  assert_ptr_equal(r.family(MetricKind::kCounter, "x_total", "", {"a"}), c);
  std::string n;
  append_number(&n, 1e300);
  assert_string_equal(n.c_str(), "1e+300");  // the shortest text that reads back exactly
}

static void label_sets_stay_bounded(void **) {
  Family f(MetricKind::kCounter, "f_total", "", {"k"}, {}, 3);
  f.with("a")->add(1);
  f.with("b")->add(1);
  f.with("c")->add(1);  // the third series: "other" takes its place from here on
  f.with("d")->add(1);
  f.with("e")->add(1);
  std::string t;
  f.render(&t);
  assert_non_null(strstr(t.c_str(), "f_total{k=\"a\"} 1\n"));
  assert_null(strstr(t.c_str(), "k=\"d\""));
  assert_non_null(strstr(t.c_str(), "f_total{k=\"other\"} 2\n"));
  assert_string_equal(Observability::fold_provider("openai").c_str(), "openai");
  assert_string_equal(Observability::fold_provider("made-up").c_str(), "other");
  assert_string_equal(Observability::fold_outcome("hit").c_str(), "hit");
  assert_string_equal(Observability::fold_outcome("anything\"else").c_str(), "other");
}

static void traceparent_round_trip(void **) {
  TraceContext c;
  const char *tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  assert_true(parse_traceparent(tp, &c));
  assert_true(c.sampled);
  assert_string_equal(format_traceparent(c).c_str(), tp);
  assert_false(parse_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01", &c));
  assert_false(parse_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", &c));
  assert_false(parse_traceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &c));
  assert_false(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", &c));
  assert_true(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-more", &c));
  assert_false(c.sampled);
}

static void sampling_is_parent_based(void **) {
  int64_t now = 1000;
  TracerConfig cfg;
  cfg.sample_ratio = 0;
  Tracer none(cfg, [&] { return now; });
  for (int i = 0; i < 100; ++i) assert_null(none.start("r", SpanKind::kInternal, TraceContext(), now).get());
  TraceContext sampled_parent;
  assert_true(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &sampled_parent));
  // A sampled parent wins over the ratio; an unsampled one is followed too.
  auto child = none.start("c", SpanKind::kClient, sampled_parent, now);
  assert_non_null(child.get());
  assert_memory_equal(child->ctx.trace_id, sampled_parent.trace_id, 16);
  assert_memory_equal(child->parent_span_id, sampled_parent.span_id, 8);
  cfg.sample_ratio = 1;
  Tracer all(cfg, [&] { return now; });
  TraceContext unsampled = sampled_parent;
  unsampled.sampled = false;
  assert_null(all.start("c", SpanKind::kInternal, unsampled, now).get());
  int made = 0;
  for (int i = 0; i < 100; ++i) made += all.start("r", SpanKind::kInternal, TraceContext(), now) != nullptr;
  assert_int_equal(made, 100);
  cfg.sample_ratio = 0.5;
  Tracer half(cfg, [&] { return now; });
  made = 0;
  for (int i = 0; i < 2000; ++i) made += half.start("r", SpanKind::kInternal, TraceContext(), now) != nullptr;
  assert_true(made > 800 && made < 1200);
}

static const cJSON *attr_value(const cJSON *span, const char *key) {
  const cJSON *attrs = cJSON_GetObjectItem(span, "attributes");
  for (const cJSON *a = attrs ? attrs->child : nullptr; a; a = a->next)
    if (!strcmp(cJSON_GetObjectItem(a, "key")->valuestring, key)) return cJSON_GetObjectItem(a, "value");
  return nullptr;
}

static void queue_is_bounded_and_json_is_otlp(void **) {
  int64_t now = 5;
  TracerConfig cfg;
  cfg.max_queue = 2;
  cfg.service_name = "svc \"quoted\"";
  Tracer t(cfg, [&] { return now; });
  for (int i = 0; i < 5; ++i) {
    auto s = t.start("s" + std::to_string(i), SpanKind::kClient, TraceContext(), now);
    s->set("k", int64_t{42});
    s->set("b", true);
    t.finish(std::move(s), now + 10);
  }
  assert_int_equal(t.queued(), 2);
  assert_int_equal(t.dropped(), 3);
  std::string body;
  size_t n = 0;
  assert_true(t.take_batch(&body, &n));
  assert_int_equal(n, 2);
  assert_int_equal(t.queued(), 0);
  assert_false(t.take_batch(&body, &n));
  toolorch::json::Ptr doc = toolorch::json::parse(body);
  assert_non_null(doc.get());
  const cJSON *rs = cJSON_GetArrayItem(cJSON_GetObjectItem(doc.get(), "resourceSpans"), 0);
  const cJSON *svc = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(rs, "resource"), "attributes"), 0);
  assert_string_equal(cJSON_GetObjectItem(svc, "key")->valuestring, "service.name");
  assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(svc, "value"), "stringValue")->valuestring,
                      "svc \"quoted\"");
  const cJSON *ss = cJSON_GetArrayItem(cJSON_GetObjectItem(rs, "scopeSpans"), 0);
  assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(ss, "scope"), "name")->valuestring, "toolorch");
  const cJSON *spans = cJSON_GetObjectItem(ss, "spans");
  assert_int_equal(cJSON_GetArraySize(spans), 2);
  const cJSON *s0 = cJSON_GetArrayItem(spans, 0);
  assert_string_equal(cJSON_GetObjectItem(s0, "name")->valuestring, "s0");
  assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(spans, 1), "name")->valuestring, "s1");
  assert_int_equal(strlen(cJSON_GetObjectItem(s0, "traceId")->valuestring), 32);
  assert_int_equal(strlen(cJSON_GetObjectItem(s0, "spanId")->valuestring), 16);
  assert_null(cJSON_GetObjectItem(s0, "parentSpanId"));  // a root
  assert_int_equal(cJSON_GetObjectItem(s0, "kind")->valueint, 3);
  long long start = atoll(cJSON_GetObjectItem(s0, "startTimeUnixNano")->valuestring);
  long long end = atoll(cJSON_GetObjectItem(s0, "endTimeUnixNano")->valuestring);
  assert_int_equal(end - start, 10000);
  assert_string_equal(cJSON_GetObjectItem(attr_value(s0, "k"), "intValue")->valuestring, "42");
  assert_true(cJSON_IsTrue(cJSON_GetObjectItem(attr_value(s0, "b"), "boolValue")));
  assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(s0, "status"), "code"));  // UNSET
}

// Every attribute type and the status, as the protobuf JSON mapping writes
// them; text that needs escaping; spans batched max_batch at a time; a
// finished span's object reused with nothing of the last span left on it.
static void span_encoding_and_batches(void **) {
  int64_t now = 1;
  TracerConfig cfg;
  cfg.max_batch = 2;
  Tracer t(cfg, [&] { return now; });
  auto root = t.start("root", SpanKind::kInternal, TraceContext(), now);
  TraceContext parent = root->ctx;
  root->set("s", std::string("a\"b\\c\nd\x01 \xc3\xa9"));
  root->set("i", int64_t{-9007199254740993});
  root->set("d", 0.1);
  root->set("nan", std::nan(""));
  root->set("inf", -HUGE_VAL);
  root->error = true;
  root->status_message = "went \"wrong\"";
  t.finish(std::move(root), now);
  for (int i = 0; i < 2; ++i) {
    auto child = t.start("child", SpanKind::kServer, parent, now);
    assert_non_null(child.get());
    assert_int_equal(child->attrs.size(), 0);
    assert_false(child->error);
    assert_true(child->status_message.empty());
    t.finish(std::move(child), now);
  }
  assert_int_equal(t.queued(), 3);
  std::string body;
  size_t n = 0;
  assert_true(t.take_batch(&body, &n));
  assert_int_equal(n, 2);
  toolorch::json::Ptr doc = toolorch::json::parse(body);
  assert_non_null(doc.get());
  const cJSON *rs = cJSON_GetArrayItem(cJSON_GetObjectItem(doc.get(), "resourceSpans"), 0);
  const cJSON *spans = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(rs, "scopeSpans"), 0), "spans");
  const cJSON *r = cJSON_GetArrayItem(spans, 0);
  assert_string_equal(cJSON_GetObjectItem(attr_value(r, "s"), "stringValue")->valuestring, "a\"b\\c\nd\x01 \xc3\xa9");
  assert_string_equal(cJSON_GetObjectItem(attr_value(r, "i"), "intValue")->valuestring, "-9007199254740993");
  assert_true(cJSON_GetObjectItem(attr_value(r, "d"), "doubleValue")->valuedouble == 0.1);
  assert_non_null(strstr(body.c_str(), "\"doubleValue\":0.1}"));  // shortest form
  assert_string_equal(cJSON_GetObjectItem(attr_value(r, "nan"), "doubleValue")->valuestring, "NaN");
  assert_string_equal(cJSON_GetObjectItem(attr_value(r, "inf"), "doubleValue")->valuestring, "-Infinity");
  const cJSON *st = cJSON_GetObjectItem(r, "status");
  assert_int_equal(cJSON_GetObjectItem(st, "code")->valueint, 2);
  assert_string_equal(cJSON_GetObjectItem(st, "message")->valuestring, "went \"wrong\"");
  const cJSON *c = cJSON_GetArrayItem(spans, 1);
  assert_string_equal(cJSON_GetObjectItem(c, "parentSpanId")->valuestring,
                      hex(parent.span_id, 8).c_str());
  assert_string_equal(cJSON_GetObjectItem(c, "traceId")->valuestring, hex(parent.trace_id, 16).c_str());
  assert_int_equal(cJSON_GetObjectItem(c, "kind")->valueint, 2);
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(c, "attributes")), 0);
  assert_true(t.take_batch(&body, &n));  // the third span: the next batch
  assert_int_equal(n, 1);
  assert_non_null(toolorch::json::parse(body).get());
  assert_int_equal(t.queued(), 0);
}

static std::string written(void (*write)(otlp::Writer &, int64_t), int64_t v) {
  char buf[64];
  otlp::Writer w(buf);
  write(w, v);
  return std::string(buf, w.end());
}

// Integers as std::to_string writes them, around every power of ten and
// the ends of int64; milliseconds that read back as us / 1000.0 exactly.
static void writer_numbers(void **) {
  auto integer = [](otlp::Writer &w, int64_t v) { w.integer(v); };
  auto millis = [](otlp::Writer &w, int64_t v) { w.millis(v); };
  std::vector<int64_t> values = {0,          LLONG_MAX,           LLONG_MIN,          LLONG_MIN + 1, 1764745000123456789,
                                 999999999999999999, 1000000000000000000, 9000000000000000000};
  for (int64_t p = 1; p <= LLONG_MAX / 10; p *= 10)
    for (int64_t d : {-1, 0, 1, 7}) {
      values.push_back(p + d);
      values.push_back(-(p + d));
      values.push_back(p * 9 + d);
    }
  for (int64_t v : values) assert_string_equal(written(integer, v).c_str(), std::to_string(v).c_str());
  assert_string_equal(written(millis, 12345).c_str(), "12.345");
  assert_string_equal(written(millis, 7000).c_str(), "7");
  assert_string_equal(written(millis, 1500).c_str(), "1.5");
  assert_string_equal(written(millis, 10).c_str(), "0.01");
  assert_string_equal(written(millis, -3).c_str(), "-0.003");
  values.push_back(int64_t{1} << 53);  // beyond: the double's own text
  values.push_back(-(int64_t{1} << 53) - 5);
  for (int64_t v : values) {
    std::string text = written(millis, v);
    double back = std::strtod(text.c_str(), nullptr);
    assert_true(back == static_cast<double>(v) / 1000.0);
  }
}

// A string attribute's JSON found by key, copied under another key, and
// replaced in place (the speculation's call id), the rest left as it was.
static void string_attributes_found_and_replaced(void **) {
  Span s;
  s.set("a", std::string("x \"y\" \\"));
  s.set("gen_ai.tool.call.id", "guess_1");
  s.set("n", int64_t{3});
  assert_string_equal(std::string(s.string_json("a")).c_str(), "\"x \\\"y\\\" \\\\\"");
  assert_true(s.string_json("n").empty());  // not a string
  assert_true(s.string_json("missing").empty());
  std::string id(s.string_json("gen_ai.tool.call.id"));
  s.set_string_json("toolorch.speculation.guess_id", id);
  assert_true(s.replace_string("gen_ai.tool.call.id", "the \"real\" one, longer than the guess"));
  assert_false(s.replace_string("missing", "v"));
  std::string doc = "[" + std::string(s.attrs.view()) + "]";
  toolorch::json::Ptr parsed = toolorch::json::parse(doc);
  assert_non_null(parsed.get());
  assert_int_equal(cJSON_GetArraySize(parsed.get()), 4);
  auto value = [&](int i, const char *type) {
    return cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(parsed.get(), i), "value"), type);
  };
  assert_string_equal(value(0, "stringValue")->valuestring, "x \"y\" \\");
  assert_string_equal(value(1, "stringValue")->valuestring, "the \"real\" one, longer than the guess");
  assert_string_equal(value(2, "intValue")->valuestring, "3");
  assert_string_equal(value(3, "stringValue")->valuestring, "guess_1");
  // Past the room inside the span: the text moves out and stays whole.
  for (int i = 0; i < 100; ++i) s.set("k", "a value of some length, many times over");
  assert_true(s.replace_string("a", "z"));
  assert_non_null(toolorch::json::parse("[" + std::string(s.attrs.view()) + "]").get());
  assert_string_equal(std::string(s.string_json("a")).c_str(), "\"z\"");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(exposition_escapes_and_formats), cmocka_unit_test(label_sets_stay_bounded),
      cmocka_unit_test(traceparent_round_trip),         cmocka_unit_test(sampling_is_parent_based),
      cmocka_unit_test(queue_is_bounded_and_json_is_otlp), cmocka_unit_test(span_encoding_and_batches),
      cmocka_unit_test(writer_numbers),                 cmocka_unit_test(string_attributes_found_and_replaced),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
