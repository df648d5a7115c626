#include "fake_http_client.h"

#include <cctype>

namespace toolorch::test {

http::TransferId FakeHttpClient::start(http::Request request, http::Callbacks callbacks) {
  Transfer t;
  t.id = transfers_.size() + 1;
  t.request = std::move(request);
  t.callbacks = std::move(callbacks);
  transfers_.push_back(std::move(t));
  ++stats_.started;
  ++stats_.active;
  return transfers_.back().id;
}

bool FakeHttpClient::cancel(http::TransferId id) {
  if (id == 0 || id > transfers_.size()) return false;
  Transfer &t = transfers_[id - 1];
  if (!t.active) return false;
  t.active = false;
  t.cancelled = true;
  // Like the real client: the callbacks go at once, even from inside one
  // (the one running was copied out before it was called).
  t.callbacks = http::Callbacks();
  ++stats_.cancelled;
  --stats_.active;
  return true;
}

std::string FakeHttpClient::request_header(const http::Request &request, std::string_view name) {
  for (const std::string &h : request.headers) {
    size_t colon = h.find(':');
    if (colon != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < colon && same; ++i)
      same = std::tolower(static_cast<unsigned char>(h[i])) == std::tolower(static_cast<unsigned char>(name[i]));
    if (!same) continue;
    size_t v = colon + 1;
    while (v < h.size() && h[v] == ' ') ++v;
    return h.substr(v);
  }
  return "";
}

bool FakeHttpClient::headers(size_t i, long status, std::vector<http::Header> headers) {
  if (!transfers_.at(i).active) return false;
  auto cb = transfers_[i].callbacks.on_headers;  // a copy: cancel may clear the original
  if (cb) cb(status, headers);
  return true;
}

bool FakeHttpClient::data(size_t i, std::string_view bytes) {
  if (!transfers_.at(i).active) return false;
  auto cb = transfers_[i].callbacks.on_data;
  if (cb) cb(bytes);
  return true;
}

bool FakeHttpClient::data_split(size_t i, std::string_view bytes, size_t split) {
  if (split == 0) split = bytes.size() ? bytes.size() : 1;
  for (size_t off = 0; off < bytes.size(); off += split)
    if (!data(i, bytes.substr(off, split))) return false;
  return transfers_.at(i).active;
}

bool FakeHttpClient::done(size_t i, int status, std::string error) {
  Transfer &t = transfers_.at(i);
  if (!t.active) return false;
  t.active = false;
  t.done = true;
  ++stats_.completed;
  --stats_.active;
  auto cb = std::move(t.callbacks.on_done);
  t.callbacks = http::Callbacks();
  http::Result r;
  r.status = status;
  r.error = std::move(error);
  if (cb) cb(std::move(r));
  return true;
}

bool FakeHttpClient::respond(size_t i, long status, std::vector<http::Header> hdrs, std::string_view body,
                             size_t split) {
  if (!headers(i, status, std::move(hdrs))) return false;
  if (!data_split(i, body, split)) return false;
  return done(i);
}

}  // namespace toolorch::test
