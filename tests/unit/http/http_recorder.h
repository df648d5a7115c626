// Records what a transfer's callbacks saw, for the http tests.
#pragma once

#include <string>
#include <vector>

#include "http/http_client.h"

namespace toolorch::test {

struct Recorder {
  int headers_calls = 0;
  int data_calls = 0;
  int done_calls = 0;
  int data_before_headers = 0;  // must stay 0
  long http_status = 0;
  std::vector<http::Header> headers;
  std::vector<std::string> chunks;  // as on_data received them
  http::Result result;

  std::string streamed() const {
    std::string all;
    for (const std::string &c : chunks) all += c;
    return all;
  }

  // Collecting callbacks (no on_data) or streaming ones.
  http::Callbacks callbacks(bool stream = false) {
    http::Callbacks cb;
    cb.on_headers = [this](long status, const std::vector<http::Header> &h) {
      ++headers_calls;
      http_status = status;
      headers = h;
    };
    if (stream) {
      cb.on_data = [this](std::string_view chunk) {
        if (headers_calls == 0) ++data_before_headers;
        ++data_calls;
        chunks.emplace_back(chunk);
      };
    }
    cb.on_done = [this](http::Result &&r) {
      ++done_calls;
      result = std::move(r);
    };
    return cb;
  }

  int calls() const { return headers_calls + data_calls + done_calls; }
};

inline http::Request get_request(std::string url) {
  http::Request r;
  r.method = "GET";
  r.url = std::move(url);
  return r;
}

}  // namespace toolorch::test
