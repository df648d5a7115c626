// Drives a response decoder the way llm/exchange.cc does, from fuzzer bytes:
// the first byte picks a streamed answer (SSE) or a whole JSON body, and a
// piece size for the stream. Checks the contract every request keeps: it ends
// exactly once (on_finished or on_error), nothing is reported after the end,
// tool call indexes are announced before they are ready, and the API key
// never reaches an error message. (The model's text is passed on verbatim:
// a response may carry any bytes, the key's included, and that is not a
// leak; the fuzzer found such a response, so text is not checked for it.)
#pragma once

#include <memory>
#include <set>
#include <string>

#include "fuzz_input.h"
#include "llm/emitter.h"
#include "llm/sse_reader.h"

namespace toolorch::fuzz {

constexpr const char *kSecret = "sk-fuzz-secret-key";

class CheckingListener final : public llm::Listener {
 public:
  void on_text(std::string_view) override { live(); }
  void on_tool_call_started(int index, const std::string &, const std::string &) override {
    live();
    FUZZ_CHECK(index >= 0);
    started_.insert(index);
  }
  void on_tool_call_ready(int index, const llm::ToolCall &) override {
    live();
    FUZZ_CHECK(index >= 0);
    FUZZ_CHECK(ready_.insert(index).second);  // ready once
  }
  void on_usage(const llm::Usage &) override { live(); }
  void on_finished(llm::Response &&response) override {
    live();
    ends_++;
    FUZZ_CHECK(response.tool_calls.size() == ready_.size());
  }
  void on_error(llm::Error &&error) override {
    live();
    ends_++;
    FUZZ_CHECK(error.status < 0);
    FUZZ_CHECK(!error.message.empty());
    FUZZ_CHECK(error.message.find(kSecret) == std::string::npos);
  }
  int ends() const { return ends_; }

 private:
  void live() const { FUZZ_CHECK(ends_ == 0); }
  int ends_ = 0;
  std::set<int> started_, ready_;
};

template <class DecoderT>
void drive_decoder(const uint8_t *data, size_t size) {
  Input in(data, size);
  uint8_t mode = in.byte();
  bool streamed = (mode & 1) != 0;
  size_t piece = (mode >> 1) % 64 + 1;
  std::string_view bytes = in.rest();

  CheckingListener listener;
  llm::Emitter out(&listener, kSecret);
  out.set_http_status(200);
  DecoderT decoder(&out);
  if (!streamed) {
    decoder.on_body(bytes);
  } else {
    llm::SseReader sse(1u << 16);
    auto sink = [&](llm::SseEvent &ev) {
      decoder.on_event(ev);
      return out.alive();
    };
    auto st = llm::SseReader::Status::kOk;
    for (size_t at = 0; at < bytes.size() && st == llm::SseReader::Status::kOk && out.alive(); at += piece)
      st = sse.feed(bytes.substr(at, piece), sink);
    if (out.alive() && st == llm::SseReader::Status::kOk) st = sse.finish();
    // As lib/llm/exchange.cc: a partial event at the end is a cut.
    if (out.alive()) {
      if (st == llm::SseReader::Status::kTooBig)
        out.error(-1, false, "stream: " + sse.error());
      else if (st == llm::SseReader::Status::kCut && !decoder.complete())
        out.error(-1, true, "stream cut in the middle of an event");
      else
        decoder.on_end_of_stream();
    }
  }
  FUZZ_CHECK(listener.ends() == 1);
}

}  // namespace toolorch::fuzz
