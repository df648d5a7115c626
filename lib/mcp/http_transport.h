// An MCP server over Streamable HTTP: every message is a POST of its own to
// the server's endpoint (lib/http, on the loop). A request's response comes
// back on its POST, as one JSON body or as an SSE stream that may carry the
// server's notifications (progress) before the response. The session id a
// 2025 server gives (Mcp-Session-Id) is sent on every later POST; the
// agreed revision goes in MCP-Protocol-Version, and the 2026 revision's
// routing headers (Mcp-Method, Mcp-Name) are added. Header values from the
// configuration are never put in a message.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/http_client.h"
#include "llm/sse_reader.h"
#include "mcp/transport.h"

namespace toolorch::mcp {

class HttpTransport final : public Transport {
 public:
  using ClientSource = std::function<http::Client *(std::string *err)>;

  HttpTransport(std::string url, std::vector<std::string> headers, ClientSource client,
                TransportHandler *handler);
  ~HttpTransport() override;

  bool start(std::string *err) override;
  void send(std::string text, int64_t id, const std::string &method, const std::string &name) override;
  bool abort_request(int64_t id) override;
  void set_revision(const std::string &revision) override { revision_ = revision; }
  void close() override;
  std::string stderr_tail() const override { return ""; }

  const std::string &session_id() const { return session_; }

 private:
  struct Exchange;  // one POST and what its response has shown so far
  void on_headers(int64_t id, long status, const std::vector<http::Header> &headers);
  void on_data(int64_t id, std::string_view chunk);
  void on_done(int64_t id, http::Result &&result);
  void deliver(Exchange &ex, const std::string &text);

  std::string url_;
  std::vector<std::string> headers_;
  ClientSource source_;
  http::Client *client_ = nullptr;
  TransportHandler *handler_;
  std::string session_, revision_;
  // Keyed by the request id; notifications (no id) by negative keys.
  std::unordered_map<int64_t, std::shared_ptr<Exchange>> exchanges_;  // shared: a callback keeps its own alive
  int64_t next_note_key_ = -1;
  bool closed_ = false;
};

}  // namespace toolorch::mcp
