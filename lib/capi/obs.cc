// Observability through the C ABI: the context's metrics (text, the built-in
// /metrics endpoint, user metrics), the OTLP trace exporter and the log
// callback. The work is in lib/obs; this file wires it to a context.
#include <toolorch/log.h>
#include <toolorch/metrics.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "capi/border.h"
#include "capi/handles.h"
#include "obs/config.h"

using toolorch::capi::fail;
using toolorch::capi::guarded;
namespace obs = toolorch::obs;

int toolorch_ctx::init_observability(std::string *err) {
  const cJSON *section = engine->options().section("observability");
  obs::Config cfg;
  if (!obs::parse_config(section, &cfg, err)) {
    *err = "option \"observability\": " + *err;
    return TOOLORCH_ECONFIG;
  }
  obs::apply_environment(section, &cfg);
  bool tracing = !cfg.trace.endpoint.empty();
  toolorch::loop::EventLoop *lp = loop.get();
  // Always made: the log callback lives there. The core reports to it only
  // when metrics or traces are on.
  obs = std::make_unique<obs::Observability>([lp] { return lp->now_us(); });
  metrics_on = cfg.metrics;
  if (!cfg.metrics && !tracing) return TOOLORCH_OK;
  // Counters the core keeps anyway are read when rendering, not copied per call.
  toolorch::core::Stats *st = &engine->stats();
  obs::Observability *o = obs.get();
  obs->add_collector(
      [st, o] {
        auto get = [](const std::atomic<int64_t> &a) { return static_cast<double>(a.load(std::memory_order_relaxed)); };
        o->parallel_executions()->with()->set(get(st->running));
        o->parallel_executions_max()->with()->set(get(st->max_running));
        o->late_completions()->with()->set(get(st->late_completions));
        o->retries()->with("tool")->set(get(st->retries));
      },
      /*loop_only=*/false);
  // The result store's counters (core/result_store.h), read the same way.
  {
    using K = obs::MetricKind;
    const toolorch::core::ResultStore::Counters *rc = &engine->results().counters();
    obs::Family *held = obs->registry().family(
        K::kGauge, "toolorch_result_store_bytes",
        "Bytes of tool results the result store holds now, by where: memory (compressed sizes for compressed results) or disk.",
        {"where"});
    obs::Family *moved = obs->registry().family(
        K::kCounter, "toolorch_result_store_bytes_total",
        "Bytes of tool results through the result store, by operation: stored, compressed (their size before), spilled, read_back.",
        {"operation"});
    obs::Family *failed = obs->registry().family(K::kCounter, "toolorch_result_spill_failures_total",
                                                 "Results the store could not spill (kept in memory).", {});
    if (held && moved && failed)
      obs->add_collector(
          [rc, held, moved, failed] {
            auto get = [](const std::atomic<int64_t> &a) { return static_cast<double>(a.load(std::memory_order_relaxed)); };
            held->with("memory")->set(get(rc->memory_bytes));
            held->with("disk")->set(get(rc->disk_bytes));
            moved->with("stored")->set(get(rc->bytes));
            moved->with("compressed")->set(get(rc->compressed_in));
            moved->with("spilled")->set(get(rc->spilled_bytes));
            moved->with("read_back")->set(get(rc->read_back_bytes));
            failed->with()->set(get(rc->spill_failures));
          },
          /*loop_only=*/false);
  }
  if (toolorch::limits::RateLimits *rl = engine->limits()) {
    // The limits' counters live on the loop thread.
    obs->add_collector(
        [rl, o] {
          for (const std::string &svc : rl->services()) {
            auto s = rl->stats(svc);
            o->rate_limit_hits()->with(svc)->set(static_cast<double>(s.waited + s.rejected + s.timed_out));
            double rate = rl->current_rate(svc);
            if (std::isfinite(rate)) o->rate_limit_current()->with(svc)->set(rate);
          }
          o->redis_fallbacks()->with()->set(static_cast<double>(rl->backend_stats().fallbacks));
        },
        /*loop_only=*/true);
    // "Redis is down, falling back" and such: to the log callback, not stderr.
    rl->set_logger([o](const std::string &line) { o->logger().log(TOOLORCH_LOG_WARN, line, {{"component", "rate_limits"}}); });
  }
  if (tracing) {
    obs->set_tracer(std::make_unique<obs::Tracer>(cfg.trace, [lp] { return lp->now_us(); }));
    exporter = std::make_unique<obs::OtlpExporter>(obs->tracer(), loop.get(), [this]() -> toolorch::http::Client * {
      std::string e;
      return get_http(&e);
    });
    exporter->set_logger(&obs->logger());
    if (!exporter->start()) {
      *err = "cannot create the trace exporter's timer";
      return TOOLORCH_EIO;
    }
  }
  engine->set_observer(obs.get());
  if (!cfg.metrics_listen.empty()) {
    if (!cfg.metrics) {
      *err = "option \"observability\": \"metrics_listen\" needs \"metrics\" on";
      return TOOLORCH_ECONFIG;
    }
    metrics_server = obs::MetricsServer::create(loop->base(), cfg.metrics_listen, [o] { return o->text(true); }, err);
    if (!metrics_server) return TOOLORCH_EIO;
  }
  return TOOLORCH_OK;
}

void toolorch_ctx::flush_traces(int64_t timeout_ms) {
  if (!exporter || !owned) return;
  // Poll the loop (never block it): send what is queued, wait for the reply.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    bool busy = false;
    if (!loop->run_sync([&] {
          if (obs->tracer()->queued()) exporter->flush_now();
          busy = exporter->in_flight() || obs->tracer()->queued() != 0;
        }))
      return;
    if (!busy) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

namespace {

// A JSON array whose items all pass `is` (read with `get`), or NULL/"" for
// none; `expected` says what it should have been.
template <typename T, typename Is, typename Get>
bool read_array(const char *json_text, Is is, Get get, const char *expected, std::vector<T> *out,
                std::string *err) {
  out->clear();
  if (!json_text || !*json_text) return true;
  toolorch::json::Ptr doc = toolorch::json::parse(json_text, err);
  bool ok = doc && cJSON_IsArray(doc.get());
  for (const cJSON *v = ok ? doc->child : nullptr; v && ok; v = v->next) {
    ok = is(v);
    if (ok) out->push_back(get(v));
  }
  if (!ok) *err = expected;
  return ok;
}

bool string_array(const char *json_text, std::vector<std::string> *out, std::string *err) {
  return read_array(json_text, cJSON_IsString, [](const cJSON *v) { return std::string(v->valuestring); },
                    "expected a JSON array of strings", out, err);
}

bool number_array(const char *json_text, std::vector<double> *out, std::string *err) {
  return read_array(json_text, cJSON_IsNumber, [](const cJSON *v) { return v->valuedouble; },
                    "buckets: expected a JSON array of numbers", out, err);
}

// The user metric `name` and its label values. The series is made only
// once the value is known good (obs::Family::with), so that a refused
// update leaves no series behind.
int user_series(toolorch_ctx *ctx, const char *name, const char *label_values, obs::MetricKind want,
                obs::Family **fam, std::vector<std::string> *values) {
  if (!ctx || !name) return TOOLORCH_EINVAL;
  if (!ctx->obs || !ctx->metrics_on) return fail(ctx, TOOLORCH_ESTATE, "metrics are off (observability.metrics)");
  {
    std::lock_guard<std::mutex> lk(ctx->user_metrics_mu);
    if (!ctx->user_metrics.count(name))
      return fail(ctx, TOOLORCH_EINVAL, std::string("no metric \"") + name + "\" was defined with toolorch_metric_define");
  }
  obs::Family *f = ctx->obs->registry().find(name);
  if (!f) return fail(ctx, TOOLORCH_EINVAL, std::string("no metric \"") + name + "\"");
  if (f->kind() != want && !(want == obs::MetricKind::kCounter && f->kind() == obs::MetricKind::kGauge))
    return fail(ctx, TOOLORCH_ESTATE, std::string("metric \"") + name + "\" is of another kind");
  std::string err;
  if (!string_array(label_values, values, &err)) return fail(ctx, TOOLORCH_EINVAL, "label values: " + err);
  if (values->size() != f->label_names().size())
    return fail(ctx, TOOLORCH_EINVAL,
                std::string("metric \"") + name + "\" takes " + std::to_string(f->label_names().size()) + " label values");
  *fam = f;
  return TOOLORCH_OK;
}

}  // namespace

extern "C" {

char *toolorch_metrics_text(toolorch_ctx *ctx) {
  if (!ctx) return nullptr;
  char *out = nullptr;
  guarded(ctx, [&]() -> int {
    if (!ctx->obs || !ctx->metrics_on) return fail(ctx, TOOLORCH_ESTATE, "metrics are off (observability.metrics)");
    std::string text;
    if (ctx->owned || ctx->loop->in_loop_thread()) {
      int rc = ctx->on_loop([&]() -> int {
        text = ctx->obs->text(true);
        return TOOLORCH_OK;
      });
      if (rc) return rc;
    } else {
      // Borrowed mode, another thread: everything but the loop-only gauges.
      text = ctx->obs->text(false);
    }
    out = static_cast<char *>(std::malloc(text.size() + 1));
    if (!out) return fail(ctx, TOOLORCH_ENOMEM, "out of memory");
    std::memcpy(out, text.c_str(), text.size() + 1);
    return TOOLORCH_OK;
  });
  return out;
}

int toolorch_metrics_port(const toolorch_ctx *ctx) {
  if (!ctx || !ctx->metrics_server) return -1;
  return ctx->metrics_server->port();
}

int toolorch_metric_define(toolorch_ctx *ctx, int kind, const char *name, const char *help, const char *label_names,
                           const char *buckets) {
  if (!ctx || !name) return TOOLORCH_EINVAL;
  return guarded(ctx, [&]() -> int {
    if (!ctx->obs || !ctx->metrics_on) return fail(ctx, TOOLORCH_ESTATE, "metrics are off (observability.metrics)");
    if (kind < TOOLORCH_METRIC_COUNTER || kind > TOOLORCH_METRIC_HISTOGRAM)
      return fail(ctx, TOOLORCH_EINVAL, "unknown metric kind " + std::to_string(kind));
    std::string n = name;
    if (n.rfind("toolorch_", 0) == 0) return fail(ctx, TOOLORCH_EINVAL, "the toolorch_ prefix is the library's own");
    std::vector<std::string> labels;
    std::vector<double> bounds;
    std::string err;
    if (!string_array(label_names, &labels, &err)) return fail(ctx, TOOLORCH_EINVAL, "label names: " + err);
    if (kind == TOOLORCH_METRIC_HISTOGRAM && !number_array(buckets, &bounds, &err))
      return fail(ctx, TOOLORCH_EINVAL, err);
    if (kind == TOOLORCH_METRIC_HISTOGRAM && buckets && *buckets && bounds.empty())
      return fail(ctx, TOOLORCH_EINVAL, "buckets: at least one bound");
    bool existed = ctx->obs->registry().find(n) != nullptr;
    obs::Family *f = ctx->obs->registry().family(static_cast<obs::MetricKind>(kind), n, help ? help : "", labels,
                                                 bounds, &err);
    if (!f) return fail(ctx, existed ? TOOLORCH_EEXIST : TOOLORCH_EINVAL, err);
    std::lock_guard<std::mutex> lk(ctx->user_metrics_mu);
    ctx->user_metrics.insert(n);
    return TOOLORCH_OK;
  });
}

int toolorch_metric_add(toolorch_ctx *ctx, const char *name, const char *label_values, double value) {
  if (!ctx) return TOOLORCH_EINVAL;
  return guarded(ctx, [&]() -> int {
    obs::Family *f;
    std::vector<std::string> values;
    if (int rc = user_series(ctx, name, label_values, obs::MetricKind::kCounter, &f, &values)) return rc;
    if (!std::isfinite(value) || (f->kind() == obs::MetricKind::kCounter && value < 0))
      return fail(ctx, TOOLORCH_EINVAL, "a counter only goes up by a finite amount");
    f->with(values)->add(value);
    return TOOLORCH_OK;
  });
}

int toolorch_metric_set(toolorch_ctx *ctx, const char *name, const char *label_values, double value) {
  if (!ctx) return TOOLORCH_EINVAL;
  return guarded(ctx, [&]() -> int {
    obs::Family *f;
    std::vector<std::string> values;
    if (int rc = user_series(ctx, name, label_values, obs::MetricKind::kGauge, &f, &values)) return rc;
    f->with(values)->set(value);
    return TOOLORCH_OK;
  });
}

int toolorch_metric_observe(toolorch_ctx *ctx, const char *name, const char *label_values, double value) {
  if (!ctx) return TOOLORCH_EINVAL;
  return guarded(ctx, [&]() -> int {
    obs::Family *f;
    std::vector<std::string> values;
    if (int rc = user_series(ctx, name, label_values, obs::MetricKind::kHistogram, &f, &values)) return rc;
    if (std::isnan(value)) return fail(ctx, TOOLORCH_EINVAL, "cannot observe NaN");
    f->observe(f->with(values), value);
    return TOOLORCH_OK;
  });
}

int toolorch_set_log_fn(toolorch_ctx *ctx, toolorch_log_fn fn, void *userdata, int min_level) {
  if (!ctx) return TOOLORCH_EINVAL;
  ctx->obs->logger().set(fn, userdata, min_level);
  return TOOLORCH_OK;
}

const char *toolorch_log_level_name(int level) {
  switch (level) {
    case TOOLORCH_LOG_DEBUG: return "debug";
    case TOOLORCH_LOG_INFO: return "info";
    case TOOLORCH_LOG_WARN: return "warn";
    case TOOLORCH_LOG_ERROR: return "error";
    default: return "?";
  }
}

}  // extern "C"
