// toolorch-mockllm: a scripted LLM server on libevent's evhttp that speaks
// OpenAI Chat Completions (POST /v1/chat/completions, /chat/completions) and
// Anthropic Messages (POST /v1/messages), streamed and not, playing a JSON
// script (SCRIPT.md). It runs on a thread of its own with its own event_base,
// so tests, benchmarks and the CLI start it in-process.
//
// Other endpoints: GET /stats (counters as JSON), POST /script (replace the
// script), POST /reset (zero the counters and re-arm the faults).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace toolorch::mockllm {

struct Options {
  std::string host = "127.0.0.1";  // numeric address to bind
  int port = 0;                    // 0: a free port
  std::string script_json;         // empty: default_script_json()
  int idle_timeout_s = 300;        // a silent connection is closed after this
  // Keep a journal of every request, call issued and result answered
  // (journal.h; seen_json). Off: only the counters, whatever the load.
  bool journal = false;
  size_t journal_limit = 10000;    // items kept per journal list
};

class Server {
 public:
  // Binds, starts the thread and returns; nullptr with *err on failure
  // (bad script, address in use, ...).
  static std::unique_ptr<Server> start(const Options &options, std::string *err);
  ~Server();  // stop()s

  Server(const Server &) = delete;
  Server &operator=(const Server &) = delete;

  int port() const;
  std::string url() const;  // "http://127.0.0.1:PORT"

  // Thread-safe.
  std::string stats_json() const;
  // {"stats": <stats_json>, "requests": [...], "calls": [...], "results": [...],
  //  "unknown_result_ids": [...], "duplicate_result_ids": [...],
  //  "missing_result_ids": [...], "truncated": false} (SCRIPT.md); the lists
  // are empty unless Options::journal.
  std::string seen_json() const;
  bool load_script(const std::string &json, std::string *err);  // also re-arms the faults
  void reset();                                                  // as POST /reset

  // Ends every answer under way, closes the connections and joins the
  // thread. Idempotent; not from the server's own thread.
  void stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace toolorch::mockllm
