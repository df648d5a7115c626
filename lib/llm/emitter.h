// The guard between an adapter and its Listener, and the interface of a
// protocol's response decoder.
//
// Every Listener call of a request goes through one Emitter, which enforces
// the contract whatever the decoder does: nothing after cancel, nothing after
// on_finished/on_error, exactly one of those two. A Listener may cancel or
// destroy the request from inside any call, so a decoder checks alive()
// after each emit and stops at once when it turns false.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "json/json.h"
#include "llm/provider.h"
#include "llm/sse_reader.h"

namespace toolorch::llm {

class Emitter {
 public:
  // secret: text that must never reach the Listener (the API key).
  Emitter(Listener *listener, std::string secret)
      : listener_(listener), secret_(std::move(secret)) {}

  bool alive() const { return !ended_; }
  // Runs once, just before the final event (on_finished/on_error) is
  // reported: the exchange uses it to stop the transfer.
  void set_on_end(std::function<void()> fn) { on_end_ = std::move(fn); }
  // Cancelled: report nothing more.
  void stop() { ended_ = true; }
  // The status of the answer, filled into errors that name none.
  void set_http_status(long status) { http_status_ = status; }
  // The cap on a response's text and on each call's arguments.
  void set_max_response_bytes(size_t n) { max_response_bytes_ = n; }
  size_t max_response_bytes() const { return max_response_bytes_; }

  void text(std::string_view delta);
  void started(int index, const std::string &id, const std::string &name);
  void ready(int index, const ToolCall &call);
  void usage(const Usage &usage);
  void rate_headers(long http_status, int64_t remaining_requests, int64_t remaining_tokens);
  void rate_reset(long http_status, int64_t reset_ms);
  void finished(Response &&response);
  void error(Error &&error);
  // Shorthand for an error without an HTTP status of its own.
  void error(int status, bool retryable, std::string message, long http_status = 0);

 private:
  bool end();

  Listener *listener_;
  std::string secret_;
  std::function<void()> on_end_;
  bool ended_ = false;
  long http_status_ = 0;
  size_t max_response_bytes_ = kDefaultMaxResponseBytes;
};

// A protocol's half of a request: it turns the successful answer (a stream
// of SSE events, or one JSON body) into Emitter calls.
class Decoder {
 public:
  explicit Decoder(Emitter *out) : out_(out) {}
  virtual ~Decoder() = default;
  Decoder(const Decoder &) = delete;
  Decoder &operator=(const Decoder &) = delete;

  // One event of a streamed answer.
  virtual void on_event(const SseEvent &event) = 0;
  // The terminal event ([DONE], message_stop) was seen.
  virtual bool complete() const = 0;
  // The streamed body ended: on_finished if complete, else the retryable
  // "stream ended before the response was complete" (ESTREAM).
  void on_end_of_stream();
  // The whole body of a non-streamed answer: finishes or fails.
  virtual void on_body(std::string_view body) = 0;

 protected:
  // True while size (of the text, or of one call's arguments) is within
  // max_response_bytes; past it the request fails with ETOOBIG, and false.
  bool fits(size_t size, const std::string &what);
  // The response gathered so far, handed to on_finished.
  virtual Response take_response() = 0;
  // Just before a complete stream is finished (e.g. to report usage that
  // only the end settles).
  virtual void before_finish() {}
  Emitter *out_;
};

// How a decoder parses one event or a whole answer: within max_bytes, and
// 128 levels deep (deeper than any real answer, shallow enough for the stack).
json::Limits decoder_limits(size_t max_bytes);
// A string member that is there and not empty; nullptr otherwise.
const char *nonempty_string(const cJSON *obj, const char *key);

}  // namespace toolorch::llm
