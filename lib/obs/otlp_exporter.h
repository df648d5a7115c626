// Sends finished spans to an OpenTelemetry collector: OTLP/HTTP with the
// JSON encoding, POST <endpoint>/v1/traces, through the library's curl multi
// on its loop. One request at a time, batched; a batch the collector does
// not take (down, slow, an error status) is dropped and counted. Nothing
// here ever waits: the loop goes on while a request is out. Loop thread.
#pragma once

#include <functional>
#include <memory>

#include "http/http_client.h"
#include "loop/scheduler.h"
#include "obs/log.h"
#include "obs/tracer.h"

namespace toolorch::obs {

class OtlpExporter {
 public:
  // get_client: the context's HTTP client, made on first use (null: the
  // batch is dropped).
  OtlpExporter(Tracer *tracer, loop::Scheduler *sched, std::function<http::Client *()> get_client);
  ~OtlpExporter();  // cancels a request in flight
  // Arms the flush timer. False if a timer cannot be made.
  bool start();
  // Where a failed export is reported (warn); may stay null.
  void set_logger(const Logger *log) { log_ = log; }
  // Send what is queued now (tests, and the end of a CLI run).
  void flush_now();
  uint64_t exported() const { return exported_; }
  bool in_flight() const { return in_flight_ != 0; }

 private:
  void schedule(int64_t delay_us);
  void send();
  Tracer *tracer_;
  loop::Scheduler *sched_;
  std::function<http::Client *()> get_client_;
  std::unique_ptr<loop::Timer> timer_;
  http::Client *client_ = nullptr;
  http::TransferId in_flight_ = 0;
  uint64_t exported_ = 0;
  const Logger *log_ = nullptr;
  bool done_early_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace toolorch::obs
