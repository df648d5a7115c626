// A Server-Sent Events reader (the WHATWG "event stream interpretation"):
// bytes go in split anywhere, whole events come out. Both providers stream
// their answers this way, so this is the first thing network bytes meet.
//
// - Lines end with CRLF, LF or CR (a CRLF split across two feeds counts once).
// - A leading UTF-8 BOM is skipped, even when it arrives a byte at a time.
// - Lines starting with ':' are comments (keep-alives) and are ignored.
// - "data" lines of one event are joined with "\n"; "event" names it; "id"
//   sets the last event id, which persists across events as the spec says.
// - An event is dispatched at a blank line. The bytes after the last blank
//   line are an incomplete event: never dispatched, even at the end of the
//   stream (the spec says so); finish() reports them as a cut.
// - Memory is bounded: a line or event larger than max_event_bytes stops the
//   reader with kTooBig (it never buffers more than that, whatever arrives).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace toolorch::llm {

struct SseEvent {
  std::string type;  // the "event" field; "message" when none was given
  std::string data;  // the data lines joined with "\n"
  std::string id;    // the last event id seen so far ("" if none)
};

class SseReader {
 public:
  static constexpr size_t kDefaultMaxEventBytes = 8u << 20;

  enum class Status {
    kOk,       // all bytes consumed
    kStopped,  // the sink returned false: the rest of the bytes was dropped
    kTooBig,   // a line or event exceeded the limit: the reader is dead
    kCut,      // finish(): the stream ended inside an event (dropped, not dispatched)
  };

  // Return false to stop reading (e.g. the request was cancelled).
  using Sink = std::function<bool(SseEvent &event)>;

  explicit SseReader(size_t max_event_bytes = kDefaultMaxEventBytes);

  Status feed(std::string_view bytes, const Sink &sink);
  // The stream ended. An event begun and not ended by its blank line is
  // dropped, and reported as kCut: a stream cut mid-event, never an event.
  // kOk when nothing was pending. The reader starts afresh afterwards.
  Status finish();

  // Why the reader failed ("" while it has not).
  const std::string &error() const { return error_; }
  // The last "retry" field (ms), or -1.
  int64_t retry_ms() const { return retry_ms_; }

 private:
  Status feed_lines(std::string_view bytes, const Sink &sink);
  // false when the sink asked to stop or the limit was hit (see failed_).
  bool line(std::string_view text, const Sink &sink);
  bool dispatch(const Sink &sink);
  bool too_big(size_t bytes);
  Status status_after(bool ok) const { return ok ? Status::kOk : failed_ ? Status::kTooBig : Status::kStopped; }

  size_t max_;
  size_t bom_matched_ = 0;  // bytes of the BOM matched so far
  bool bom_done_ = false;   // past the point where a BOM may appear
  bool pending_cr_ = false; // the last byte fed was CR: a following LF belongs to it
  bool failed_ = false;
  std::string partial_;     // an incomplete line
  std::string type_, data_, last_id_;
  int64_t retry_ms_ = -1;
  std::string error_;
};

}  // namespace toolorch::llm
