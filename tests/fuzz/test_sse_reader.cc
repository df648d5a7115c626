// The SSE reader meets the provider's bytes first. Beyond not crashing, it
// promises that the split of the bytes does not matter: the same events come
// out whether the stream arrives whole or in pieces of any size.
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "llm/sse_reader.h"

using toolorch::llm::SseEvent;
using toolorch::llm::SseReader;

namespace {

constexpr size_t kMaxEventBytes = 4096;

struct Outcome {
  std::vector<std::string> events;  // type, id and data of each event, joined
  bool too_big = false;
};

void read_stream(std::string_view bytes, size_t piece, Outcome *out) {
  SseReader reader(kMaxEventBytes);
  auto sink = [out](SseEvent &e) {
    FUZZ_CHECK(e.data.size() <= kMaxEventBytes);
    FUZZ_CHECK(!e.type.empty());
    out->events.push_back(e.type + '\0' + e.id + '\0' + e.data);
    return true;
  };
  SseReader::Status st = SseReader::Status::kOk;
  for (size_t at = 0; at < bytes.size() && st == SseReader::Status::kOk; at += piece)
    st = reader.feed(bytes.substr(at, piece), sink);
  if (st == SseReader::Status::kOk) st = reader.finish(sink);
  FUZZ_CHECK(st != SseReader::Status::kStopped);  // the sink never stops
  out->too_big = st == SseReader::Status::kTooBig;
  FUZZ_CHECK(out->too_big == !reader.error().empty());
  FUZZ_CHECK(reader.retry_ms() >= -1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  toolorch::fuzz::Input in(data, size);
  size_t piece = in.byte() % 17 + 1;  // 1..17 bytes per feed
  std::string_view stream = in.rest();

  Outcome whole, pieces;
  read_stream(stream, stream.size() + 1, &whole);
  read_stream(stream, piece, &pieces);
  FUZZ_CHECK(whole.too_big == pieces.too_big);
  FUZZ_CHECK(whole.events == pieces.events);
  return 0;
}
