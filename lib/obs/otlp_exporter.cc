#include "obs/otlp_exporter.h"

#include <toolorch/status.h>

namespace toolorch::obs {

OtlpExporter::OtlpExporter(Tracer *tracer, loop::Scheduler *sched, std::function<http::Client *()> get_client)
    : tracer_(tracer), sched_(sched), get_client_(std::move(get_client)) {}

OtlpExporter::~OtlpExporter() {
  *alive_ = false;
  if (in_flight_ && client_) client_->cancel(in_flight_);
  tracer_->set_on_queued(nullptr);
}

bool OtlpExporter::start() {
  timer_ = sched_->make_timer([this] { send(); });
  if (!timer_) return false;
  tracer_->set_on_queued([this](size_t n) {
    if (in_flight_) return;  // its reply plans the next send
    // A full batch goes on the next loop pass, a first span after the interval.
    schedule(n >= tracer_->config().max_batch ? 0 : tracer_->config().flush_interval_ms * 1000);
  });
  return true;
}

void OtlpExporter::schedule(int64_t delay_us) {
  if (!timer_) return;
  loop::Micros at = sched_->now_us() + delay_us;
  if (timer_->armed() && delay_us > 0) return;  // an earlier flush is due already
  timer_->arm_at(at);
}

void OtlpExporter::flush_now() {
  if (!in_flight_) send();
}

void OtlpExporter::send() {
  if (in_flight_) return;
  if (!tracer_->queued()) return;  // the next span plans the next send
  if (!client_) client_ = get_client_();
  http::Request req;
  size_t n = 0;
  tracer_->take_batch(&req.body, &n);
  if (!client_) {
    tracer_->count_dropped(n);
    if (tracer_->queued()) schedule(tracer_->config().flush_interval_ms * 1000);
    return;
  }
  req.method = "POST";
  std::string base = tracer_->config().endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  req.url = base + "/v1/traces";
  req.headers.emplace_back("Content-Type: application/json");
  req.connect_timeout_ms = tracer_->config().export_timeout_ms;
  req.timeout_ms = tracer_->config().export_timeout_ms;
  req.max_response_bytes = 1 << 16;
  std::weak_ptr<bool> alive = alive_;
  http::Callbacks cb;
  cb.on_done = [this, alive, n](http::Result &&r) {
    if (alive.expired()) return;
    in_flight_ = 0;
    done_early_ = true;
    if (r.status == TOOLORCH_OK && r.http_status >= 200 && r.http_status < 300) exported_ += n;
    else {
      tracer_->count_dropped(n);
      if (log_ && log_->enabled(2))
        log_->log(2, "trace export failed: spans dropped",
                  {{"endpoint", tracer_->config().endpoint},
                   {"http_status", std::to_string(r.http_status)},
                   {"error", r.error},
                   {"spans", std::to_string(n)}});
    }
    // More waiting: a full batch goes at once, else after the interval.
    size_t left = tracer_->queued();
    if (left) schedule(left >= tracer_->config().max_batch ? 0 : tracer_->config().flush_interval_ms * 1000);
  };
  // A transfer that cannot start may report on_done inside start().
  done_early_ = false;
  http::TransferId id = client_->start(std::move(req), std::move(cb));
  if (!done_early_) in_flight_ = id;
}

}  // namespace toolorch::obs

