// An http::Client that sends nothing: it records each request, and the test
// plays the server's part by hand -- headers, body bytes in any split, the
// end -- through the callbacks the code under test gave it. Like the real
// client it stops calling a transfer's callbacks once that is cancelled,
// also when cancel comes from inside one of them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_client.h"

namespace toolorch::test {

class FakeHttpClient final : public http::Client {
 public:
  struct Transfer {
    http::TransferId id = 0;
    http::Request request;
    http::Callbacks callbacks;
    bool active = true;      // neither done nor cancelled
    bool cancelled = false;  // cancel() was called while it was active
    bool done = false;       // on_done was delivered
  };

  http::TransferId start(http::Request request, http::Callbacks callbacks) override;
  bool cancel(http::TransferId id) override;
  http::Stats stats() const override { return stats_; }

  size_t count() const { return transfers_.size(); }
  Transfer &transfer(size_t i) { return transfers_.at(i); }
  Transfer &last() { return transfers_.back(); }
  // The value of a request header ("" if absent), name case-insensitive.
  static std::string request_header(const http::Request &request, std::string_view name);

  // Each returns false when the transfer was no longer active, so nothing
  // was delivered (it was cancelled, perhaps by an earlier callback).
  bool headers(size_t i, long status, std::vector<http::Header> headers = {});
  bool data(size_t i, std::string_view bytes);
  // bytes in pieces of `split` bytes (1 = one byte at a time); stops early
  // if the transfer is cancelled meanwhile.
  bool data_split(size_t i, std::string_view bytes, size_t split);
  bool done(size_t i, int status = 0, std::string error = "");
  // A complete answer: headers, the body in pieces, done.
  bool respond(size_t i, long status, std::vector<http::Header> headers, std::string_view body,
               size_t split = 0);

 private:
  std::vector<Transfer> transfers_;
  http::Stats stats_;
};

}  // namespace toolorch::test
