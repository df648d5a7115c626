#include "llm/exchange.h"

#include <algorithm>

#include "llm/http_errors.h"
#include "llm/sse_reader.h"
#include "toolorch/status.h"

namespace toolorch::llm {

namespace {

// A non-streamed answer (or an error body) larger than this is not read.
constexpr size_t kMaxBodyBytes = 32u << 20;
constexpr size_t kMaxErrorBodyBytes = 64u << 10;

bool is_json_content_type(const std::vector<http::Header> &headers) {
  const std::string *ct = header_value(headers, "content-type");
  return ct && ct->find("json") != std::string::npos;
}

class Exchange final : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(http::Client *client, Listener *listener, ExchangeSpec spec)
      : client_(client), spec_(std::move(spec)), out_(listener, spec_.secret) {}

  void start(const DecoderFactory &make_decoder) {
    decoder_ = make_decoder(&out_);
    out_.set_on_end([this] { stop_transfer(); });
    std::weak_ptr<Exchange> weak = shared_from_this();
    // Each callback takes its own strong reference first: the Listener may
    // destroy the PendingRequest (and the client its callbacks) while it runs.
    http::Callbacks cb;
    cb.on_headers = [weak](long status, const std::vector<http::Header> &headers) {
      if (auto self = weak.lock()) self->on_headers(status, headers);
    };
    cb.on_data = [weak](std::string_view chunk) {
      if (auto self = weak.lock()) self->on_data(chunk);
    };
    cb.on_done = [weak](http::Result &&result) {
      if (auto self = weak.lock()) self->on_done(std::move(result));
    };
    transfer_active_ = true;
    // The request is not needed after this: move it (bodies can be large).
    http::TransferId id = client_->start(std::move(spec_.http), std::move(cb));
    id_known_ = true;
    id_ = id;
    // Cancelled (or failed) from inside start(): stop it now that the id is known.
    if (cancel_pending_ && transfer_active_) stop_transfer();
  }

  void cancel() {
    out_.stop();
    stop_transfer();
  }

 private:
  void stop_transfer() {
    if (!transfer_active_) return;
    if (!id_known_) {
      cancel_pending_ = true;
      return;
    }
    transfer_active_ = false;
    client_->cancel(id_);
  }

  void on_headers(long status, const std::vector<http::Header> &headers) {
    if (!out_.alive()) return;
    got_headers_ = true;
    http_status_ = status;
    headers_ = headers;
    out_.set_http_status(status);
    streaming_ = spec_.stream && ok_status() && !is_json_content_type(headers);
    if (spec_.remaining_requests_header.empty()) return;  // a protocol without rate headers
    int64_t rr = header_int(headers, spec_.remaining_requests_header);
    int64_t rt = header_int(headers, spec_.remaining_tokens_header);
    if (rr >= 0 || rt >= 0) out_.rate_headers(status, rr, rt);
    if (!out_.alive()) return;
    // An exhausted budget: the limiter waits for its reset (the later one
    // when both are out).
    int64_t now = unix_now_ms(), reset = -1;
    if (rr == 0) reset = std::max(reset, rate_reset_ms(headers, spec_.reset_requests_header, now));
    if (rt == 0) reset = std::max(reset, rate_reset_ms(headers, spec_.reset_tokens_header, now));
    if (reset >= 0) out_.rate_reset(status, reset);
  }

  bool ok_status() const { return http_status_ >= 200 && http_status_ < 300; }

  void on_data(std::string_view chunk) {
    if (!out_.alive()) return;
    if (streaming_) {
      auto st = sse_.feed(chunk, [this](SseEvent &ev) {
        decoder_->on_event(ev);
        return out_.alive();
      });
      if (st == SseReader::Status::kTooBig)
        out_.error(TOOLORCH_EPROTOCOL, false, spec_.provider_name + " stream: " + sse_.error());
      return;
    }
    size_t limit = ok_status() || !got_headers_ ? kMaxBodyBytes : kMaxErrorBodyBytes;
    if (body_.size() + chunk.size() > limit) {
      if (ok_status()) {
        out_.error(TOOLORCH_EPROTOCOL, false,
                   spec_.provider_name + " response body exceeds " + std::to_string(limit) + " bytes");
        return;
      }
      chunk = chunk.substr(0, limit > body_.size() ? limit - body_.size() : 0);
    }
    body_.append(chunk.data(), chunk.size());
  }

  void on_done(http::Result &&result) {
    transfer_active_ = false;
    if (!out_.alive()) return;
    if (!got_headers_ && result.http_status != 0) {
      // A client that reported no headers callback: take them from the result.
      on_headers(result.http_status, result.headers);
      if (!out_.alive()) return;
    }
    if (!result.body.empty()) {  // a client that collected the body itself
      on_data(result.body);
      if (!out_.alive()) return;
    }
    if (result.status != TOOLORCH_OK) {
      if (streaming_ && decoder_->complete()) {  // everything arrived already
        decoder_->on_end_of_stream();
        return;
      }
      // A stream that a 2xx answer began and the connection cut is a dropped
      // stream (EPROTOCOL, retryable): the job retries those once only.
      if (streaming_ && got_headers_ && ok_status() && result.status == TOOLORCH_EHTTP) {
        out_.error(TOOLORCH_EPROTOCOL, true,
                   spec_.provider_name + " stream ended before the response was complete: " + result.error);
        return;
      }
      // Every other transport failure is worth another try (refused, reset,
      // timed out) except an answer over the client's size cap.
      int status = result.status == TOOLORCH_ETIMEDOUT ? TOOLORCH_ETIMEDOUT : TOOLORCH_EHTTP;
      bool retryable = result.status != TOOLORCH_ETOOBIG;
      std::string what = got_headers_ ? " transfer broke off: " : " transfer failed: ";
      out_.error(status, retryable, spec_.provider_name + what + result.error);
      return;
    }
    if (!got_headers_) {
      out_.error(TOOLORCH_EHTTP, true, spec_.provider_name + " transfer ended without an HTTP answer");
      return;
    }
    if (!ok_status()) {
      out_.error(http_status_error(spec_.provider_name, http_status_, headers_, body_, unix_now_ms()));
      return;
    }
    if (streaming_) {
      if (!body_.empty()) {  // bytes that came before the headers did
        std::string early;
        early.swap(body_);
        on_data(early);
        if (!out_.alive()) return;
      }
      // A last event without its blank line is still taken: "data: [DONE]" at EOF.
      auto st = sse_.finish([this](SseEvent &ev) {
        decoder_->on_event(ev);
        return out_.alive();
      });
      if (!out_.alive()) return;
      if (st == SseReader::Status::kTooBig) {
        out_.error(TOOLORCH_EPROTOCOL, false, spec_.provider_name + " stream: " + sse_.error());
        return;
      }
      decoder_->on_end_of_stream();
    } else {
      decoder_->on_body(body_);
    }
  }

  http::Client *client_;
  ExchangeSpec spec_;
  Emitter out_;
  std::unique_ptr<Decoder> decoder_;
  SseReader sse_;
  http::TransferId id_ = 0;
  bool id_known_ = false;
  bool transfer_active_ = false;
  bool cancel_pending_ = false;
  bool got_headers_ = false;
  bool streaming_ = false;
  long http_status_ = 0;
  std::vector<http::Header> headers_;
  std::string body_;
};

class ExchangeRequest final : public PendingRequest {
 public:
  explicit ExchangeRequest(std::shared_ptr<Exchange> ex) : ex_(std::move(ex)) {}
  ~ExchangeRequest() override { cancel(); }
  void cancel() override {
    if (ex_) ex_->cancel();
  }

 private:
  std::shared_ptr<Exchange> ex_;
};

class FailedRequest final : public PendingRequest {
 public:
  void cancel() override {}
};

}  // namespace

std::unique_ptr<PendingRequest> start_exchange(http::Client *client, Listener *listener,
                                               ExchangeSpec spec, const DecoderFactory &make_decoder) {
  auto ex = std::make_shared<Exchange>(client, listener, std::move(spec));
  auto req = std::make_unique<ExchangeRequest>(ex);
  ex->start(make_decoder);
  return req;
}

std::unique_ptr<PendingRequest> failed_request(Listener *listener, Error &&error) {
  Emitter out(listener, "");
  out.error(std::move(error));
  return std::make_unique<FailedRequest>();
}

}  // namespace toolorch::llm
