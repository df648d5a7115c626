// Every HTTP transfer of the library: one curl multi handle driven by the
// libevent loop (CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION, the shape
// of curl's hiperfifo example). Loop thread only.
//
// Contract details (beyond the comments below):
// - HTTP/1.1 only (also over https), so that a cancel always closes a TCP
//   connection the server can see; finished transfers return their
//   connection to the multi handle's pool and later ones reuse it. Only
//   http:// and https:// URLs; redirects are not followed (a 3xx is a result).
// - `Result.status` is about the transport: a 404 or 500 is TOOLORCH_OK with
//   `http_status` set. TOOLORCH_EHTTP: could not connect, reset, malformed
//   request (bad method, CR/LF in a header), ...; TOOLORCH_ETIMEDOUT: a
//   connect or total timeout of the Request passed; TOOLORCH_ETOOBIG: only
//   with Request::max_response_bytes, the collected body grew past it.
// - Re-entrancy: start() and cancel() may be called from inside any callback
//   of any transfer. Inside on_headers / on_data (which run inside libcurl),
//   a cancel makes libcurl abort that transfer at once and the easy handle
//   leaves the multi handle as soon as libcurl returns (same loop pass); a
//   start is handed to libcurl then too. The Client itself must not be
//   destroyed from inside one of its callbacks (post the destruction).
// - A callback that throws ends its transfer with TOOLORCH_EHTTP (an
//   exception never unwinds through libcurl or libevent); one thrown by
//   on_done is swallowed.
// - Destroying the Client cancels every transfer: no callback runs.
//
// Extensions to the first version of this interface: Request::forbid_reuse,
// Request::max_response_bytes, Client::Options and create() taking them,
// Stats::failed and Stats::sockets.
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
  // Close the connection after this transfer instead of pooling it.
  bool forbid_reuse = false;
  // 0 = no limit. Only for a collected body (no on_data): past this many
  // bytes the transfer ends with TOOLORCH_ETOOBIG and its connection closes.
  size_t max_response_bytes = 0;
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
  uint64_t started = 0;    // start() calls
  uint64_t completed = 0;  // on_done delivered (whatever its status)
  uint64_t failed = 0;     // of those, with a status other than TOOLORCH_OK
  uint64_t cancelled = 0;  // cancel() calls that returned true
  size_t active = 0;       // started, neither completed nor cancelled
  size_t sockets = 0;      // sockets libcurl asked the loop to watch right now
};

class Client {
 public:
  struct Options {
    // 0 = libcurl's default for each (no cap on connections; a pool of
    // 4 x the transfers added). Past a connection cap, transfers wait inside
    // libcurl for a free connection (they still count as active).
    long max_total_connections = 0;  // CURLMOPT_MAX_TOTAL_CONNECTIONS
    long max_host_connections = 0;   // CURLMOPT_MAX_HOST_CONNECTIONS
    long max_pooled_connections = 0; // CURLMOPT_MAXCONNECTS (idle pool size)
  };
  // The base is borrowed: it must outlive the Client, and the Client never
  // dispatches, breaks or frees it. nullptr (and *err) on failure.
  static std::unique_ptr<Client> create(event_base *base, std::string *err);
  static std::unique_ptr<Client> create(event_base *base, const Options &options,
                                        std::string *err);
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
