#include "llm/sse_reader.h"

#include <cstring>

namespace toolorch::llm {

namespace {
constexpr unsigned char kBom[3] = {0xEF, 0xBB, 0xBF};
}

SseReader::SseReader(size_t max_event_bytes) : max_(max_event_bytes ? max_event_bytes : 1) {}

bool SseReader::too_big(size_t bytes) {
  if (bytes <= max_) return false;
  failed_ = true;
  error_ = "event stream line or event exceeds " + std::to_string(max_) + " bytes";
  return true;
}

SseReader::Status SseReader::feed(std::string_view bytes, const Sink &sink) {
  if (failed_) return Status::kTooBig;
  // The BOM may only open the stream; bytes of a partial match are held
  // back until we know whether they were a BOM or text.
  while (!bom_done_ && !bytes.empty()) {
    if (static_cast<unsigned char>(bytes.front()) == kBom[bom_matched_]) {
      bytes.remove_prefix(1);
      if (++bom_matched_ == sizeof kBom) bom_done_ = true;
      continue;
    }
    bom_done_ = true;
    if (bom_matched_ > 0) {
      std::string held(reinterpret_cast<const char *>(kBom), bom_matched_);
      Status s = feed_lines(held, sink);
      if (s != Status::kOk) return s;
    }
  }
  return feed_lines(bytes, sink);
}

SseReader::Status SseReader::feed_lines(std::string_view s, const Sink &sink) {
  size_t i = 0;
  if (pending_cr_ && !s.empty()) {
    pending_cr_ = false;
    if (s[0] == '\n') i = 1;  // the second half of a CRLF split across feeds
  }
  // The next LF and the next CR, each found by memchr (vectorised) and
  // looked for again only once passed: a stream without CRs is scanned for
  // one once per feed. (find_first_of with a two-byte set calls memchr per
  // input byte in libstdc++.)
  constexpr size_t npos = std::string_view::npos;
  auto next = [&s](char c, size_t from) {
    const void *p = from < s.size() ? std::memchr(s.data() + from, c, s.size() - from) : nullptr;
    return p ? static_cast<size_t>(static_cast<const char *>(p) - s.data()) : npos;
  };
  size_t lf = next('\n', i), cr = next('\r', i);
  while (i < s.size()) {
    if (lf != npos && lf < i) lf = next('\n', i);
    if (cr != npos && cr < i) cr = next('\r', i);
    size_t end = lf < cr ? lf : cr;
    if (end == npos) {
      if (too_big(partial_.size() + (s.size() - i))) return Status::kTooBig;
      partial_.append(s.data() + i, s.size() - i);
      break;
    }
    std::string_view piece = s.substr(i, end - i);
    bool ok;
    if (partial_.empty()) {
      ok = !too_big(piece.size()) && line(piece, sink);
    } else {
      ok = !too_big(partial_.size() + piece.size());
      if (ok) {
        partial_.append(piece.data(), piece.size());
        std::string whole;
        whole.swap(partial_);
        ok = line(whole, sink);
      }
    }
    if (s[end] == '\r') {
      if (end + 1 == s.size()) pending_cr_ = true;
      else if (s[end + 1] == '\n') ++end;
    }
    i = end + 1;
    if (!ok) return status_after(false);
  }
  return Status::kOk;
}

bool SseReader::line(std::string_view text, const Sink &sink) {
  if (text.empty()) return dispatch(sink);
  if (text.front() == ':') return true;  // a comment
  std::string_view field = text, value;
  size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    field = text.substr(0, colon);
    value = text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (too_big(type_.size() + data_.size() + value.size() + 1)) return false;
    data_.append(value.data(), value.size());
    data_.push_back('\n');
  } else if (field == "event") {
    type_.assign(value.data(), value.size());
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_id_.assign(value.data(), value.size());
  } else if (field == "retry") {
    // ASCII digits only, as the spec says; more than 15 of them (past
    // 31,000 years) are ignored before any arithmetic could overflow.
    bool digits = !value.empty() && value.size() < 16;
    int64_t ms = 0;
    for (size_t k = 0; digits && k < value.size(); ++k) {
      char c = value[k];
      if (c < '0' || c > '9') digits = false;
      else ms = ms * 10 + (c - '0');
    }
    if (digits) retry_ms_ = ms;
  }
  // Any other field is ignored, as the spec says.
  return true;
}

bool SseReader::dispatch(const Sink &sink) {
  if (data_.empty()) {  // an event without data is not dispatched
    type_.clear();
    return true;
  }
  SseEvent ev;
  data_.pop_back();  // the "\n" after the last data line
  ev.data.swap(data_);
  ev.type = type_.empty() ? std::string("message") : std::move(type_);
  type_.clear();
  ev.id = last_id_;
  bool go_on = sink(ev);
  // The next event's data reuses this buffer, unless the sink took it.
  if (data_.empty() && ev.data.capacity() > data_.capacity()) {
    ev.data.clear();
    data_.swap(ev.data);
  }
  return go_on;
}

SseReader::Status SseReader::finish() {
  if (failed_) return Status::kTooBig;
  // What follows the last blank line never becomes an event (the spec:
  // "the incomplete event is not dispatched"): data gathered, or a line
  // begun that is not a comment, means the stream was cut inside an event.
  bool cut = !data_.empty() || (!partial_.empty() && partial_.front() != ':');
  bom_matched_ = 0;  // a fresh stream may follow
  bom_done_ = false;
  pending_cr_ = false;
  partial_.clear();
  type_.clear();
  data_.clear();
  return cut ? Status::kCut : Status::kOk;
}

}  // namespace toolorch::llm
