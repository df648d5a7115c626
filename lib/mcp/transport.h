// How JSON-RPC messages travel to and from one MCP server: a child process's
// pipes (stdio) or HTTP POSTs (Streamable HTTP). Loop thread only. The
// server (server.h) speaks the protocol; a transport only moves messages.
#pragma once

#include <cstdint>
#include <string>

#include "json/json.h"

namespace toolorch::mcp {

class TransportHandler {
 public:
  virtual ~TransportHandler() = default;
  // One message from the server (a response, a notification or a request).
  virtual void on_message(const cJSON *msg) = 0;
  // A request's own exchange failed (HTTP: the transfer, its status or its
  // body); status is a toolorch_status. Not for stdio.
  virtual void on_request_failed(int64_t id, int status, const std::string &why) = 0;
  // The server sent bytes that are not JSON-RPC (stdio); the transport goes on.
  virtual void on_garbage(const std::string &why) = 0;
  // The server is gone (stdio: the process exited). Nothing follows.
  virtual void on_closed(const std::string &why) = 0;
  // A line the server wrote on stderr (stdio), for the log.
  virtual void on_stderr_line(const std::string &line) = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Start (spawn the process); false with *err if it cannot.
  virtual bool start(std::string *err) = 0;
  // Send one message. id >= 0 for a request whose response is awaited;
  // method and name feed the routing headers of the 2026 HTTP revision.
  virtual void send(std::string text, int64_t id, const std::string &method, const std::string &name) = 0;
  // HTTP: close the response stream of request id (2026: that is its
  // cancellation). False where the transport cannot (stdio).
  virtual bool abort_request(int64_t id) = 0;
  // The revision agreed on; HTTP sends it as MCP-Protocol-Version.
  virtual void set_revision(const std::string &revision) = 0;
  // Release everything (stdio: kill and reap the process). No handler call
  // afterwards. Idempotent.
  virtual void close() = 0;
  // The last lines the server wrote on stderr ("" if none), for errors.
  virtual std::string stderr_tail() const = 0;
};

}  // namespace toolorch::mcp
