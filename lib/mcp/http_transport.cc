#include "mcp/http_transport.h"

#include <toolorch/status.h>

#include <strings.h>

#include <cstring>

#include "mcp/jsonrpc.h"

namespace toolorch::mcp {
namespace {

constexpr size_t kMaxBodyBytes = 32u << 20;

bool starts_with_ci(const std::string &s, const char *prefix) {
  return strncasecmp(s.c_str(), prefix, strlen(prefix)) == 0;
}

}  // namespace

struct HttpTransport::Exchange {
  http::TransferId transfer = 0;
  long status = 0;
  bool sse = false;
  bool answered = false;  // the response to this request has arrived
  std::string body;       // a JSON body, collected
  llm::SseReader reader{kMaxBodyBytes};
};

HttpTransport::HttpTransport(std::string url, std::vector<std::string> headers, ClientSource client,
                             TransportHandler *handler)
    : url_(std::move(url)), headers_(std::move(headers)), source_(std::move(client)), handler_(handler) {}

HttpTransport::~HttpTransport() { close(); }

bool HttpTransport::start(std::string *err) {
  client_ = source_(err);
  return client_ != nullptr;
}

void HttpTransport::send(std::string text, int64_t id, const std::string &method, const std::string &name) {
  if (closed_ || !client_) return;
  int64_t key = id >= 0 ? id : next_note_key_--;
  http::Request req;
  req.url = url_;
  req.body = std::move(text);
  req.headers = {"Content-Type: application/json", "Accept: application/json, text/event-stream"};
  if (!session_.empty()) req.headers.push_back("Mcp-Session-Id: " + session_);
  if (!revision_.empty()) req.headers.push_back("MCP-Protocol-Version: " + revision_);
  if (revision_ == kRevision2026) {
    req.headers.push_back("Mcp-Method: " + method);
    if (!name.empty()) req.headers.push_back("Mcp-Name: " + name);
  }
  req.headers.insert(req.headers.end(), headers_.begin(), headers_.end());
  auto ex = std::make_shared<Exchange>();
  Exchange *raw = ex.get();
  exchanges_[key] = std::move(ex);
  http::Callbacks cbs;
  cbs.on_headers = [this, key](long status, const std::vector<http::Header> &h) { on_headers(key, status, h); };
  cbs.on_data = [this, key](std::string_view chunk) { on_data(key, chunk); };
  cbs.on_done = [this, key](http::Result &&r) { on_done(key, std::move(r)); };
  raw->transfer = client_->start(std::move(req), std::move(cbs));
}

void HttpTransport::on_headers(int64_t key, long status, const std::vector<http::Header> &headers) {
  auto it = exchanges_.find(key);
  if (it == exchanges_.end()) return;
  Exchange &ex = *it->second;
  ex.status = status;
  if (const std::string *sid = http::find_header(headers, "Mcp-Session-Id")) {
    if (!sid->empty() && sid->find_first_of("\r\n") == std::string::npos) session_ = *sid;
  }
  const std::string *type = http::find_header(headers, "Content-Type");
  ex.sse = type && starts_with_ci(*type, "text/event-stream");
}

void HttpTransport::deliver(Exchange &ex, const std::string &text) {
  std::string perr;
  json::Limits limits;
  limits.max_bytes = kMaxBodyBytes;
  json::Ptr msg = json::parse(text, limits, &perr);
  if (!msg) {
    handler_->on_garbage("a message that is not JSON (" + perr + "): " + text.substr(0, 200));
    return;
  }
  // A batch (array) is not used by MCP since 2025-06-18: take its members.
  if (cJSON_IsArray(msg.get())) {
    for (const cJSON *m = msg->child; m && !closed_; m = m->next) {
      if (classify(m).kind == Incoming::Kind::kResponse) ex.answered = true;
      handler_->on_message(m);
    }
    return;
  }
  if (classify(msg.get()).kind == Incoming::Kind::kResponse) ex.answered = true;
  handler_->on_message(msg.get());
}

void HttpTransport::on_data(int64_t key, std::string_view chunk) {
  auto it = exchanges_.find(key);
  if (it == exchanges_.end()) return;
  std::shared_ptr<Exchange> keep = it->second;  // a handler may abort it while the reader runs
  Exchange &ex = *keep;
  if (ex.status < 200 || ex.status >= 300 || !ex.sse) {
    if (ex.body.size() + chunk.size() <= kMaxBodyBytes) ex.body.append(chunk);
    return;
  }
  ex.reader.feed(chunk, [&](llm::SseEvent &e) {
    if (!e.data.empty()) deliver(ex, e.data);
    return !closed_ && exchanges_.count(key) != 0;
  });
}

void HttpTransport::on_done(int64_t key, http::Result &&result) {
  auto it = exchanges_.find(key);
  if (it == exchanges_.end()) return;
  std::shared_ptr<Exchange> ex = std::move(it->second);
  exchanges_.erase(it);
  if (key < 0) return;  // a notification: 202 Accepted, nothing to wait for
  if (result.status != TOOLORCH_OK) {
    if (!ex->answered) handler_->on_request_failed(key, result.status, "MCP server unreachable: " + result.error);
    return;
  }
  if (ex->status < 200 || ex->status >= 300) {
    std::string body = ex->body.substr(0, 300);
    handler_->on_request_failed(key, TOOLORCH_EHTTP, "MCP server answered HTTP " + std::to_string(ex->status) +
                                                         (body.empty() ? "" : ": " + body));
    return;
  }
  if (ex->sse) {
    ex->reader.finish();  // an event cut at the end is dropped: no response, said below
  } else if (!ex->body.empty()) {
    deliver(*ex, ex->body);
  }
  if (!closed_ && !ex->answered)
    handler_->on_request_failed(key, TOOLORCH_EPROTOCOL, "the MCP server's response ended without a JSON-RPC response");
}

bool HttpTransport::abort_request(int64_t id) {
  auto it = exchanges_.find(id);
  if (it == exchanges_.end()) return false;
  http::TransferId t = it->second->transfer;
  exchanges_.erase(it);
  return client_ && client_->cancel(t);
}

void HttpTransport::close() {
  if (closed_) return;
  closed_ = true;
  auto all = std::move(exchanges_);
  exchanges_.clear();
  if (client_)
    for (auto &kv : all) client_->cancel(kv.second->transfer);
}

}  // namespace toolorch::mcp
