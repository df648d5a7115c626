#include "mcp/server.h"

#include <toolorch/call.h>
#include <toolorch/status.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "mcp/jsonrpc.h"
#include "mcp/stdio_transport.h"

namespace toolorch::mcp {
namespace {

constexpr size_t kRememberCancelled = 4096;  // ids whose late response is still recognised
constexpr int kMaxListPages = 1000;

const char *kClientName = "toolorch";

cJSON *client_info() {
  cJSON *info = cJSON_CreateObject();
  cJSON_AddStringToObject(info, "name", kClientName);
  cJSON_AddStringToObject(info, "version", "0.1.0");
  return info;
}

bool lists(const cJSON *arr, const char *value) {
  if (!cJSON_IsArray(arr)) return false;
  for (const cJSON *it = arr->child; it; it = it->next)
    if (cJSON_IsString(it) && !strcmp(it->valuestring, value)) return true;
  return false;
}

// The text of a tools/call result's content: text parts joined by newlines,
// any other part (image, resource, ...) as its JSON.
std::string content_text(const cJSON *result) {
  const cJSON *content = cJSON_GetObjectItemCaseSensitive(result, "content");
  std::string out;
  bool any = false;
  if (cJSON_IsArray(content)) {
    for (const cJSON *part = content->child; part; part = part->next) {
      if (any) out += '\n';
      any = true;
      const char *type = json::get_string(part, "type", "");
      const char *text = json::get_string(part, "text");
      if (!strcmp(type, "text") && text) out += text;
      else out += json::print(part);
    }
  }
  if (!any) {
    const cJSON *structured = cJSON_GetObjectItemCaseSensitive(result, "structuredContent");
    if (structured) out = json::print(structured);
  }
  return out;
}

double number_or(const cJSON *obj, const char *key, double fallback) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(v) && std::isfinite(v->valuedouble) ? v->valuedouble : fallback;
}

}  // namespace

std::shared_ptr<Server> Server::create(ServerConfig config, Env env) {
  return std::shared_ptr<Server>(new Server(std::move(config), std::move(env)));
}

Server::Server(ServerConfig config, Env env) : config_(std::move(config)), env_(std::move(env)) {}

Server::~Server() { shutdown(); }

void Server::connect_first() {
  if (state_ != State::kIdle) return;
  connect();
}

void Server::connect() {
  retire_transport();
  if (config_.stdio())
    transport_ = std::make_unique<StdioTransport>(env_.base, config_.command, config_.env, this);
  else
    transport_ = std::make_unique<HttpTransport>(config_.url, config_.headers, env_.http, this);
  ++stats_.starts;
  state_ = State::kStarting;
  revision_.clear();
  std::weak_ptr<Server> weak = weak_from_this();
  start_timer_ = env_.sched->make_timer([weak] {
    if (auto s = weak.lock())
      s->went_down(TOOLORCH_ETIMEDOUT, "did not finish starting within " +
                                           std::to_string(s->config_.start_timeout_ms) + " ms");
  });
  start_timer_->arm_at(env_.sched->now_us() + config_.start_timeout_ms * 1000);
  std::string err;
  if (!transport_->start(&err)) {
    went_down(TOOLORCH_EIO, err);
    return;
  }
  begin_handshake();
}

void Server::add_meta(cJSON *params, int64_t progress_token) {
  cJSON *meta = cJSON_GetObjectItemCaseSensitive(params, "_meta");
  if (!meta) meta = cJSON_AddObjectToObject(params, "_meta");
  if (progress_token > 0) cJSON_AddNumberToObject(meta, "progressToken", static_cast<double>(progress_token));
  if (revision_ == kRevision2026) {
    cJSON_AddStringToObject(meta, "io.modelcontextprotocol/protocolVersion", kRevision2026);
    cJSON_AddItemToObject(meta, "io.modelcontextprotocol/clientCapabilities", cJSON_CreateObject());
    cJSON_AddItemToObject(meta, "io.modelcontextprotocol/clientInfo", client_info());
  }
  if (!meta->child) cJSON_DeleteItemFromObjectCaseSensitive(params, "_meta");
}

int64_t Server::send_request(Kind kind, const char *method, cJSON *params_raw, const std::string &name,
                             core::CallRef call) {
  json::Ptr params(params_raw ? params_raw : cJSON_CreateObject());
  int64_t id = next_id_++;
  add_meta(params.get(), kind == Kind::kCall ? id : 0);
  if (call) request_of_[call.get()] = id;
  pending_[id] = Pending{kind, std::move(call)};
  transport_->send(request_text(id, method, params.get()), id, method, name);
  return id;
}

void Server::begin_handshake() {
  if (config_.protocol == kRevision2025 || legacy_only_) {
    cJSON *params = cJSON_CreateObject();
    cJSON_AddStringToObject(params, "protocolVersion", kRevision2025);
    cJSON_AddItemToObject(params, "capabilities", cJSON_CreateObject());
    cJSON_AddItemToObject(params, "clientInfo", client_info());
    transport_->set_revision("");
    send_request(Kind::kInitialize, "initialize", params);
    return;
  }
  revision_ = kRevision2026;
  transport_->set_revision(kRevision2026);
  send_request(Kind::kDiscover, "server/discover", nullptr);
}

void Server::on_handshake_result(Kind kind, const cJSON *result, const cJSON *error, const std::string &failure) {
  if (kind == Kind::kDiscover) {
    const cJSON *versions = cJSON_GetObjectItemCaseSensitive(result, "supportedVersions");
    if (result && lists(versions, kRevision2026)) {
      list_tools(nullptr);
      return;
    }
    std::string why = error ? describe_error(error) : !failure.empty() ? failure : "2026-07-28 not among its versions";
    if (config_.protocol == kRevision2026) {
      went_down(TOOLORCH_EPROTOCOL, "does not speak revision 2026-07-28 (" + why + ")");
      return;
    }
    // A server of an earlier revision: the initialize handshake.
    revision_.clear();
    legacy_only_ = true;  // a restart goes straight there
    begin_handshake();
    return;
  }
  // initialize
  if (!result) {
    went_down(TOOLORCH_EPROTOCOL, "refused initialize: " + (error ? describe_error(error) : failure));
    return;
  }
  const char *version = json::get_string(result, "protocolVersion", "");
  if (!*version) {
    went_down(TOOLORCH_EPROTOCOL, "answered initialize without a protocolVersion");
    return;
  }
  revision_ = version;
  transport_->set_revision(revision_);
  transport_->send(notification_text("notifications/initialized", nullptr), -1, "notifications/initialized", "");
  list_tools(nullptr);
}

void Server::list_tools(const char *cursor) {
  if (!cursor) listing_.clear();
  cJSON *params = cJSON_CreateObject();
  if (cursor) cJSON_AddStringToObject(params, "cursor", cursor);
  send_request(Kind::kList, "tools/list", params);
}

void Server::on_list_result(const cJSON *result) {
  const cJSON *tools = cJSON_GetObjectItemCaseSensitive(result, "tools");
  if (!cJSON_IsArray(tools)) {
    if (state_ == State::kStarting) went_down(TOOLORCH_EPROTOCOL, "answered tools/list without a \"tools\" array");
    return;
  }
  for (const cJSON *t = tools->child; t; t = t->next) {
    const char *name = json::get_string(t, "name");
    if (!name || !*name || !config_.wants(name)) continue;
    ListedTool lt;
    lt.remote_name = name;
    lt.local_name = config_.prefix + name;
    lt.description = json::get_string(t, "description", "");
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(t, "inputSchema");
    lt.schema_json = cJSON_IsObject(schema) ? json::print(schema) : "{\"type\":\"object\"}";
    bool hinted = json::get_bool(cJSON_GetObjectItemCaseSensitive(t, "annotations"), "readOnlyHint", false);
    lt.side_effect_free = config_.marked_side_effect_free(name) || (config_.trust_annotations && hinted);
    listing_.push_back(std::move(lt));
  }
  const char *next = json::get_string(result, "nextCursor");
  if (next && *next && listing_.size() < static_cast<size_t>(kMaxListPages) * 1000) {
    list_tools(next);
    return;
  }
  tools_ = std::move(listing_);
  listing_.clear();
  remote_of_.clear();
  for (const ListedTool &t : tools_) remote_of_[t.local_name] = t.remote_name;
  if (ever_ready_) ++stats_.list_changes;
  std::string err;
  int rc = env_.on_tools ? env_.on_tools(*this, tools_, &err) : TOOLORCH_OK;
  if (rc != TOOLORCH_OK) {
    if (!ever_ready_) {
      went_down(rc, "cannot register its tools: " + err);
      return;
    }
    if (env_.on_log) env_.on_log(*this, 1, label() + ": cannot register its tools again: " + err);
  }
  if (state_ == State::kStarting) became_ready();
}

void Server::became_ready() {
  state_ = State::kReady;
  if (start_timer_) start_timer_->disarm();
  bool first = !ever_ready_;
  ever_ready_ = true;
  if (first && env_.on_ready) env_.on_ready(*this, TOOLORCH_OK, "");
  auto waiting = std::move(waiting_);
  waiting_.clear();
  while (!waiting.empty() && state_ == State::kReady) {
    send_call(std::move(waiting.front()));
    waiting.pop_front();
  }
  for (core::CallRef &c : waiting) waiting_.push_back(std::move(c));  // it went down meanwhile
}

void Server::start(core::Call &call) {
  if (state_ == State::kShutdown) {
    core::fail_call(call, label() + " is shut down");
    return;
  }
  if (!remote_of_.count(call.tool_name())) {
    core::fail_call(call, label() + " no longer offers tool \"" + call.tool_name() + "\"");
    return;
  }
  if (state_ == State::kReady) {
    send_call(core::CallRef(&call));
    return;
  }
  // Not ready (starting, or down after a crash): it waits for the server.
  waiting_.push_back(core::CallRef(&call));
  if (state_ == State::kDown) schedule_restart();
}

void Server::on_call_ended_without_result(core::Call &call, int) {
  auto r = request_of_.find(&call);
  if (r != request_of_.end()) {
    cancel_call(r->second);
    return;
  }
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    if (it->get() != &call) continue;
    core::CallRef ref = std::move(*it);
    waiting_.erase(it);
    core::abandon_call(call);
    return;
  }
}

Server::Pending Server::take_pending(std::unordered_map<int64_t, Pending>::iterator it) {
  Pending p = std::move(it->second);
  pending_.erase(it);
  if (p.call) request_of_.erase(p.call.get());
  return p;
}

void Server::send_call(core::CallRef call) {
  std::string perr;
  json::Ptr args = json::parse(call->args(), &perr);
  const std::string &name = remote_of_[call->tool_name()];
  cJSON *params = cJSON_CreateObject();
  cJSON_AddStringToObject(params, "name", name.c_str());
  cJSON_AddItemToObject(params, "arguments", args ? args.release() : cJSON_CreateObject());
  ++stats_.calls;
  std::string remote = name;
  send_request(Kind::kCall, "tools/call", params, remote, std::move(call));
}

void Server::finish_call(Pending &p, const cJSON *result, const cJSON *error) {
  core::Call &call = *p.call;
  if (error) {
    core::fail_call(call, describe_error(error));
    return;
  }
  const char *result_type = json::get_string(result, "resultType", "complete");
  if (strcmp(result_type, "complete") != 0) {
    core::fail_call(call, label() + " answered with resultType \"" + result_type + "\", which this client does not support");
    return;
  }
  crashes_in_a_row_ = 0;
  bool is_error = json::get_bool(result, "isError", false);
  std::string text = content_text(result);
  if (is_error && text.empty()) text = "the tool reported an error without a message";
  if (is_error) core::fail_call(call, std::move(text));
  else core::finish_call(call, std::move(text));
}

void Server::cancel_call(int64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  Pending p = take_pending(it);
  cancelled_.insert(id);
  cancelled_order_.push_back(id);
  if (cancelled_order_.size() > kRememberCancelled) {
    cancelled_.erase(cancelled_order_.front());
    cancelled_order_.pop_front();
  }
  ++stats_.cancels_sent;
  bool closed_stream = revision_ == kRevision2026 && !config_.stdio() && transport_ && transport_->abort_request(id);
  if (!closed_stream && transport_) {
    json::Ptr params(cJSON_CreateObject());
    cJSON_AddNumberToObject(params.get(), "requestId", static_cast<double>(id));
    cJSON_AddStringToObject(params.get(), "reason", "the call was cancelled or timed out");
    transport_->send(notification_text("notifications/cancelled", params.get()), -1, "notifications/cancelled", "");
  }
  core::abandon_call(*p.call);
}

void Server::on_message(const cJSON *msg) {
  Incoming in = classify(msg);
  switch (in.kind) {
    case Incoming::Kind::kInvalid:
      on_garbage(in.why);
      return;
    case Incoming::Kind::kResponse: {
      auto it = pending_.find(in.id);
      if (it == pending_.end()) {
        if (cancelled_.erase(in.id)) ++stats_.late_responses;
        else if (env_.on_log) env_.on_log(*this, 1, label() + " answered a request it was not asked");
        return;
      }
      Pending p = take_pending(it);
      switch (p.kind) {
        case Kind::kDiscover:
        case Kind::kInitialize:
          on_handshake_result(p.kind, in.result, in.error, "");
          return;
        case Kind::kList:
          if (in.result) on_list_result(in.result);
          else if (state_ == State::kStarting) went_down(TOOLORCH_EPROTOCOL, "refused tools/list: " + describe_error(in.error));
          return;
        case Kind::kCall:
          finish_call(p, in.result, in.error);
          return;
      }
      return;
    }
    case Incoming::Kind::kNotification:
      if (in.method == "notifications/progress") {
        const cJSON *token = cJSON_GetObjectItemCaseSensitive(in.params, "progressToken");
        if (!cJSON_IsNumber(token)) return;
        auto it = pending_.find(static_cast<int64_t>(token->valuedouble));
        if (it == pending_.end() || it->second.kind != Kind::kCall) return;
        ++stats_.progress;
        if (env_.on_progress)
          env_.on_progress(it->second.call.get(), number_or(in.params, "progress", 0), number_or(in.params, "total", 0),
                           json::get_string(in.params, "message", ""));
      } else if (in.method == "notifications/tools/list_changed") {
        if (state_ == State::kReady) list_tools(nullptr);
      } else if (in.method == "notifications/message" && env_.on_log) {
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(in.params, "data");
        env_.on_log(*this, 0, label() + ": " + (cJSON_IsString(data) ? data->valuestring : json::print(data)));
      }
      return;
    case Incoming::Kind::kRequest:
      // The server asks something of us: ping is answered, the rest refused.
      if (in.method == "ping")
        transport_->send(result_text(in.id_node, nullptr), -1, "ping", "");
      else
        transport_->send(error_text(in.id_node, kMethodNotFound, "not supported by this client"), -1, in.method, "");
      return;
  }
}

void Server::on_request_failed(int64_t id, int status, const std::string &why) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  Pending p = take_pending(it);
  switch (p.kind) {
    case Kind::kDiscover:
      on_handshake_result(Kind::kDiscover, nullptr, nullptr, why);
      return;
    case Kind::kInitialize:
    case Kind::kList:
      if (state_ == State::kStarting) went_down(status, why);
      else if (env_.on_log) env_.on_log(*this, 1, label() + ": listing its tools again failed: " + why);
      return;
    case Kind::kCall:
      core::fail_call(*p.call, label() + ": " + why, TOOLORCH_FAIL_RETRYABLE);
      return;
  }
}

void Server::on_garbage(const std::string &why) {
  ++stats_.garbage;
  if (env_.on_log) env_.on_log(*this, 1, label() + " sent " + why);
  // Over HTTP the request it belonged to fails by itself; a stdio stream
  // that carried garbage cannot be trusted to frame what follows.
  if (config_.stdio()) went_down(TOOLORCH_EPROTOCOL, "sent " + why);
}

void Server::on_closed(const std::string &why) {
  std::string what = why.rfind("command ", 0) == 0 ? why.substr(8) : why;
  went_down(TOOLORCH_ETOOL, what);
}

void Server::on_stderr_line(const std::string &line) {
  if (env_.on_log) env_.on_log(*this, 0, label() + " stderr: " + line);
}

void Server::went_down(int status, const std::string &why) {
  if (state_ == State::kShutdown) return;
  std::string msg = label() + " " + why;
  if (transport_) {
    std::string tail = transport_->stderr_tail();
    if (!tail.empty()) msg += "; its last stderr lines:\n" + tail;
  }
  retire_transport();
  if (start_timer_) start_timer_->disarm();
  ++stats_.crashes;
  ++crashes_in_a_row_;
  bool was_starting = state_ == State::kStarting;
  state_ = State::kDown;
  if (env_.on_log) env_.on_log(*this, 1, msg);
  auto pending = std::move(pending_);
  pending_.clear();
  request_of_.clear();
  for (auto &kv : pending)
    if (kv.second.kind == Kind::kCall) core::fail_call(*kv.second.call, msg, TOOLORCH_FAIL_RETRYABLE);
  if (!ever_ready_) {
    // It never came up: its tools were never registered, nothing waits.
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (core::CallRef &c : waiting) core::fail_call(*c, msg);
    if (was_starting && env_.on_ready) {
      auto on_ready = std::move(env_.on_ready);  // once
      env_.on_ready = nullptr;
      on_ready(*this, status, msg);
    }
    return;
  }
  if (!waiting_.empty()) schedule_restart();
}

void Server::schedule_restart() {
  if (state_ != State::kDown || (restart_timer_ && restart_timer_->armed())) return;
  int64_t delay_ms = 0;
  if (crashes_in_a_row_ > 0) {
    delay_ms = config_.restart_backoff_ms;
    for (int i = 1; i < crashes_in_a_row_ && delay_ms < config_.restart_backoff_max_ms; ++i) delay_ms *= 2;
    delay_ms = std::min(delay_ms, config_.restart_backoff_max_ms);
  }
  std::weak_ptr<Server> weak = weak_from_this();
  restart_timer_ = env_.sched->make_timer([weak] {
    auto s = weak.lock();
    if (s && s->state_ == State::kDown && !s->waiting_.empty()) s->connect();
  });
  restart_timer_->arm_at(env_.sched->now_us() + delay_ms * 1000);
}

void Server::retire_transport() {
  if (!transport_) return;
  transport_->close();
  // Not destroyed here: this may run inside one of its own callbacks.
  std::shared_ptr<Transport> gone(transport_.release());
  env_.sched->post([gone] {});
}

void Server::shutdown() {
  if (state_ == State::kShutdown) return;
  state_ = State::kShutdown;
  start_timer_.reset();
  restart_timer_.reset();
  if (transport_) transport_->close();
  transport_.reset();
  pending_.clear();
  request_of_.clear();
  waiting_.clear();
}

}  // namespace toolorch::mcp
