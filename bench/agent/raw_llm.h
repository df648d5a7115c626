// The LLM's own time for a round, from the client side but without the
// library: a plain blocking libcurl request to the scripted server, timed
// from the request to the end of the response. The server picks the round
// from the number of assistant messages, so a minimal conversation with
// `round` assistant turns replays exactly the pacing the job sees.
#pragma once

#include <string>

namespace bench {

class RawLlm {
 public:
  // protocol: "openai" | "anthropic"
  RawLlm(std::string base_url, std::string protocol);
  ~RawLlm();
  RawLlm(const RawLlm &) = delete;
  RawLlm &operator=(const RawLlm &) = delete;

  // Milliseconds from sending the streamed request for `round` (0-based) to
  // its last byte; -1 with *err on failure. Each on a fresh connection.
  double time_round(int round, std::string *err);

  // SSE events (chunks) received so far, over every round: each ends with a
  // blank line. The job's server plays the same script, so the job received
  // as many.
  long events() const { return events_; }

 private:
  std::string base_url_, protocol_;
  void *easy_ = nullptr;  // CURL *
  long events_ = 0;
};

}  // namespace bench
