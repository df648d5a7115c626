// One MCP server as a tool source: it connects (spawns the process or
// reaches the URL), agrees on a protocol revision, lists the server's tools
// (every page) and runs each call of them as `tools/call`. It is the runner
// of all the tools it registered. Loop thread only (create() anywhere).
//
// Revisions: 2026-07-28 (stateless: `server/discover`, then every request
// carries the version and capabilities in `_meta`) and 2025-11-25 (the
// `initialize` handshake, then `notifications/initialized`). "auto" asks
// `server/discover` first and falls back to `initialize` when the server
// answers with any error (stdio: method not found; HTTP: a 4xx).
//
// A call: `tools/call` with a progress token; its result's content is the
// call's result (text parts joined by newlines, other parts as their JSON);
// `isError: true` fails the call with that text; a JSON-RPC error fails it
// with code and message. A cancelled or timed-out call sends
// `notifications/cancelled` (stdio, 2025 HTTP) or closes its response
// stream (2026 HTTP); a response that arrives afterwards is dropped and
// counted. `notifications/progress` reach the progress hook;
// `notifications/tools/list_changed` lists the tools again.
//
// Faults: a server that exits fails its calls in flight at once with its
// last stderr lines and is started again by the next call, after a backoff
// that doubles with each crash in a row; calls that arrive while it starts
// wait for it (within their own deadline). A stdio server that writes a
// line that is not JSON-RPC is not trusted further: its calls in flight
// fail with that line quoted, and it is restarted.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/tool_runner.h"
#include "mcp/http_transport.h"
#include "mcp/server_config.h"
#include "mcp/transport.h"
#include "tools/builtin_runner.h"

struct event_base;

namespace toolorch::mcp {

struct ListedTool {
  std::string remote_name;  // as the server calls it
  std::string local_name;   // prefix + remote name
  std::string description;
  std::string schema_json;  // the inputSchema
  bool side_effect_free = false;
};

struct ServerStats {
  uint64_t starts = 0;          // processes spawned / connections made
  uint64_t crashes = 0;         // exits and failed starts
  uint64_t calls = 0;           // tools/call requests sent
  uint64_t cancels_sent = 0;    // calls cancelled (notification or stream closed)
  uint64_t late_responses = 0;  // responses to cancelled calls, dropped
  uint64_t garbage = 0;         // messages that were not JSON-RPC
  uint64_t progress = 0;        // progress notifications delivered
  uint64_t list_changes = 0;    // tool lists received after the first
};

class Server final : public tools::BuiltinRunner,
                     public TransportHandler,
                     public std::enable_shared_from_this<Server> {
 public:
  struct Env {
    loop::Scheduler *sched = nullptr;
    event_base *base = nullptr;        // stdio pipes are watched here
    HttpTransport::ClientSource http;  // the context's client (HTTP servers)
    // Register the tools: after the first listing and after each change.
    // Not OK (with *err): the first time, the server does not start.
    std::function<int(Server &, const std::vector<ListedTool> &, std::string *err)> on_tools;
    // Once: the first listing is done (OK) or the server could not start.
    std::function<void(Server &, int status, const std::string &message)> on_ready;
    // A progress notification for a call in flight.
    std::function<void(core::Call *, double progress, double total, const std::string &message)> on_progress;
    // A line for the log (the server's stderr, faults): level 0 info, 1 warning.
    std::function<void(Server &, int level, const std::string &line)> on_log;
  };

  static std::shared_ptr<Server> create(ServerConfig config, Env env);
  ~Server() override;

  void connect_first();  // loop thread: connect and list

  // BuiltinRunner (core/tool_runner.h)
  void start(core::Call &call) override;
  void on_call_ended_without_result(core::Call &call, int reason) override;
  void shutdown() override;
  size_t in_flight() const override { return pending_.size() + waiting_.size(); }

  const ServerConfig &config() const { return config_; }
  const std::string &revision() const { return revision_; }  // "" until agreed
  bool ready() const { return state_ == State::kReady; }
  const ServerStats &stats() const { return stats_; }
  const std::vector<ListedTool> &tools() const { return tools_; }

 private:
  enum class State { kIdle, kStarting, kReady, kDown, kShutdown };
  enum class Kind { kDiscover, kInitialize, kList, kCall };
  struct Pending {
    Kind kind;
    core::CallRef call;  // kCall
  };

  Server(ServerConfig config, Env env);

  // TransportHandler
  void on_message(const cJSON *msg) override;
  void on_request_failed(int64_t id, int status, const std::string &why) override;
  void on_garbage(const std::string &why) override;
  void on_closed(const std::string &why) override;
  void on_stderr_line(const std::string &line) override;

  void connect();
  int64_t send_request(Kind kind, const char *method, cJSON *params, const std::string &name = "",
                       core::CallRef call = {});
  void add_meta(cJSON *params, int64_t progress_token);
  void begin_handshake();
  void on_handshake_result(Kind kind, const cJSON *result, const cJSON *error, const std::string &failure);
  void list_tools(const char *cursor);
  void on_list_result(const cJSON *result);
  void became_ready();
  void start_failed(int status, const std::string &why);
  void send_call(core::CallRef call);
  void finish_call(Pending &p, const cJSON *result, const cJSON *error);
  void cancel_call(int64_t id);
  Pending take_pending(std::unordered_map<int64_t, Pending>::iterator it);
  void went_down(int status, const std::string &why);
  void schedule_restart();
  void retire_transport();
  std::string label() const { return "MCP server \"" + config_.name + "\""; }

  ServerConfig config_;
  Env env_;
  State state_ = State::kIdle;
  bool ever_ready_ = false;
  bool legacy_only_ = false;  // discover failed once: restarts go straight to initialize
  std::unique_ptr<Transport> transport_;
  std::string revision_;
  int64_t next_id_ = 1;
  std::unordered_map<int64_t, Pending> pending_;
  std::unordered_map<core::Call *, int64_t> request_of_;  // calls in pending_
  std::unordered_set<int64_t> cancelled_;  // ids whose response is dropped when it comes
  std::deque<int64_t> cancelled_order_;    // bounds cancelled_
  std::deque<core::CallRef> waiting_;      // calls waiting for the server to be ready
  std::vector<ListedTool> tools_, listing_;
  std::unordered_map<std::string, std::string> remote_of_;  // local name -> remote name
  std::unique_ptr<loop::Timer> start_timer_, restart_timer_;
  int crashes_in_a_row_ = 0;
  ServerStats stats_;
};

}  // namespace toolorch::mcp
