// Every HTTP transfer of the library: one curl multi handle driven by the
// libevent loop (CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION, the shape
// of curl's hiperfifo example). Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct event_base;

namespace toolorch::http {

struct Header {
  std::string name;  // as received; compare case-insensitively
  std::string value;
};

struct Request {
  std::string method = "POST";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  long connect_timeout_ms = 10000;
  long timeout_ms = 0;  // 0 = none: deadlines usually live on the caller's timers
};

struct Result {
  int status = 0;        // toolorch_status: OK, EHTTP (transport), ETIMEDOUT
  long http_status = 0;  // 0 if no response arrived
  std::vector<Header> headers;
  std::string body;      // empty when on_data streamed it
  std::string error;     // transport error text; never contains header values
};

// The value of a header (case-insensitive name), or nullptr.
const std::string *find_header(const std::vector<Header> &headers, std::string_view name);

struct Callbacks {
  // Once, when the response headers are complete (before any body data).
  std::function<void(long http_status, const std::vector<Header> &headers)> on_headers;
  // If set, body bytes are handed over as they arrive instead of collected.
  std::function<void(std::string_view chunk)> on_data;
  // Exactly once per transfer that was not cancelled.
  std::function<void(Result &&result)> on_done;
};

using TransferId = uint64_t;

struct Stats {
  uint64_t started = 0, completed = 0, cancelled = 0;
  size_t active = 0;
};

class Client {
 public:
  static std::unique_ptr<Client> create(event_base *base, std::string *err);
  virtual ~Client() = default;
  // Start a transfer; its callbacks run on the loop thread. Never fails
  // synchronously: a transfer that cannot start reports through on_done.
  virtual TransferId start(Request request, Callbacks callbacks) = 0;
  // Stop a transfer now: its easy handle leaves the multi handle and the
  // connection is closed (not returned to the pool), so the server sees it.
  // No callback of it runs afterwards. Safe inside any of its callbacks.
  // False if the id is unknown or already finished.
  virtual bool cancel(TransferId id) = 0;
  virtual Stats stats() const = 0;
};

}  // namespace toolorch::http
