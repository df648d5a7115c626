// MCP servers at the C border: toolorch_add_mcp_server(_async), the
// "mcp_servers" context option (capi::start_mcp_servers), the counters, and
// the glue that registers a server's tools and turns its progress
// notifications into PROGRESS events.
#include <toolorch/mcp.h>

#include <toolorch/event.h>
#include <toolorch/log.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>

#include "capi/border.h"
#include "capi/handles.h"
#include "capi/mcp_servers.h"
#include "mcp/server.h"
#include "obs/observability.h"

using toolorch::capi::fail;
using toolorch::capi::guarded;

namespace toolorch::capi {
namespace {

using Done = std::function<void(const std::string &name, int status, const std::string &message)>;

// Register (or bring up to date) the tools one server listed. Loop thread.
int register_tools(toolorch_ctx *ctx, mcp::Server &server, const std::vector<mcp::ListedTool> &listed,
                   std::string *err) {
  const mcp::ServerConfig &cfg = server.config();
  std::string source = "MCP server \"" + cfg.name + "\"";
  std::shared_ptr<core::ToolRunner> runner = server.shared_from_this();
  std::vector<std::shared_ptr<core::Tool>> tools;
  for (const mcp::ListedTool &t : listed) {
    core::ToolSpec spec;
    spec.name = t.local_name;
    spec.description = t.description;
    spec.schema_json = t.schema_json;
    spec.flags = t.side_effect_free ? TOOLORCH_TOOL_SIDE_EFFECT_FREE : 0;
    spec.service = cfg.service;
    spec.max_parallel = cfg.max_parallel;
    spec.timeout_ms = cfg.timeout_ms;
    spec.runner = runner;
    spec.source = source;
    std::string terr;
    auto tool = core::Tool::create(spec, &terr);
    if (!tool) {
      *err = "tool \"" + t.remote_name + "\" of " + source + ": " + terr;
      return TOOLORCH_ESCHEMA;
    }
    tools.push_back(std::move(tool));
  }
  return ctx->engine->registry().sync_source(source, std::move(tools), err);
}

void emit_progress(toolorch_ctx *ctx, core::Call *call, double progress, double total, const std::string &message) {
  auto ev = std::make_unique<core::Event>();
  ev->type = TOOLORCH_EVENT_PROGRESS;
  ev->userdata = call->event_userdata;
  ev->source = call->event_source;
  ev->source_kind = call->event_source_kind;
  ev->about = core::CallRef(call);
  ev->call_state = call->state();
  ev->attempts = call->attempts;
  ev->progress = progress;
  ev->progress_total = total;
  ev->text = message;
  ctx->emit(std::move(ev));
}

// Loop thread: make the server, remember it, start it.
int start_server(toolorch_ctx *ctx, mcp::ServerConfig cfg, Done done) {
  if (ctx->closing.load()) return fail(ctx, TOOLORCH_ECLOSED, "the context is shutting down");
  for (const auto &s : ctx->mcp_servers)
    if (s->config().name == cfg.name)
      return fail(ctx, TOOLORCH_EEXIST, "an MCP server named \"" + cfg.name + "\" was added already");
  mcp::Server::Env env;
  env.sched = ctx->loop.get();
  env.base = ctx->loop->base();
  env.http = [ctx](std::string *e) { return ctx->get_http(e); };
  env.on_tools = [ctx](mcp::Server &s, const std::vector<mcp::ListedTool> &tools, std::string *err) {
    return register_tools(ctx, s, tools, err);
  };
  env.on_ready = [ctx, done](mcp::Server &s, int status, const std::string &message) {
    // One that could not start is forgotten (the runners list keeps it
    // alive until toolorch_free), so it can be added again.
    if (status != TOOLORCH_OK) {
      auto &v = ctx->mcp_servers;
      for (auto it = v.begin(); it != v.end(); ++it)
        if (it->get() == &s) {
          v.erase(it);
          break;
        }
    }
    if (done) done(s.config().name, status, message);
  };
  env.on_progress = [ctx](core::Call *call, double p, double t, const std::string &m) {
    emit_progress(ctx, call, p, t, m);
  };
  // The server's stderr lines (info) and its faults (warnings) go to the
  // context's log callback, if the host set one.
  env.on_log = [ctx](mcp::Server &s, int level, const std::string &line) {
    if (!ctx->obs) return;
    int lvl = level == 0 ? TOOLORCH_LOG_INFO : TOOLORCH_LOG_WARN;
    if (ctx->obs->logger().enabled(lvl)) ctx->obs->logger().log(lvl, line, {{"mcp_server", s.config().name}});
  };
  auto server = mcp::Server::create(std::move(cfg), std::move(env));
  ctx->mcp_servers.push_back(server);
  {
    std::lock_guard<std::mutex> lk(ctx->runners_mu);
    ctx->runners.push_back(server);
  }
  server->connect_first();
  return TOOLORCH_OK;
}

struct Waiter {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  int status = TOOLORCH_OK;
  std::string message;
};

// Owned mode, not on the loop thread: start and wait for the outcome.
int add_and_wait(toolorch_ctx *ctx, mcp::ServerConfig cfg) {
  auto w = std::make_shared<Waiter>();
  int64_t bound_ms = cfg.start_timeout_ms + 5000;  // the server's own start timer ends it first
  int rc = ctx->on_loop([&]() -> int {
    return start_server(ctx, std::move(cfg), [w](const std::string &, int status, const std::string &message) {
      std::lock_guard<std::mutex> lk(w->mu);
      w->done = true;
      w->status = status;
      w->message = message;
      w->cv.notify_all();
    });
  });
  if (rc) return rc;
  std::unique_lock<std::mutex> lk(w->mu);
  if (!w->cv.wait_for(lk, std::chrono::milliseconds(bound_ms), [&] { return w->done || ctx->closing.load(); }))
    return fail(ctx, TOOLORCH_ETIMEDOUT, "the MCP server did not finish starting in time");
  if (!w->done) return fail(ctx, TOOLORCH_ECLOSED, "the context is shutting down");
  if (w->status) return fail(ctx, w->status, w->message);
  return TOOLORCH_OK;
}

int parse(toolorch_ctx *ctx, const char *json, mcp::ServerConfig *cfg) {
  std::string err;
  if (!mcp::parse_server_config(std::string(json), cfg, &err)) return fail(ctx, TOOLORCH_ECONFIG, err);
  return TOOLORCH_OK;
}

// A server by name; loop thread.
mcp::Server *find_server(toolorch_ctx *ctx, const char *name) {
  for (const auto &s : ctx->mcp_servers)
    if (s->config().name == name) return s.get();
  return nullptr;
}

}  // namespace

int start_mcp_servers(toolorch_ctx *ctx) {
  const cJSON *list = ctx->engine->options().section("mcp_servers");
  if (!list) return TOOLORCH_OK;
  for (const cJSON *it = list->child; it; it = it->next) {
    mcp::ServerConfig cfg;
    std::string err;
    if (!mcp::parse_server_config(it, &cfg, &err)) return fail(nullptr, TOOLORCH_ECONFIG, "option \"mcp_servers\": " + err);
    int rc = ctx->owned ? add_and_wait(ctx, std::move(cfg))
                        : ctx->on_loop([&] { return start_server(ctx, std::move(cfg), nullptr); });
    if (rc) {
      set_error(nullptr, last_error(ctx));
      return rc;
    }
  }
  return TOOLORCH_OK;
}

}  // namespace toolorch::capi

extern "C" {

int toolorch_add_mcp_server(toolorch_ctx *ctx, const char *config_json) {
  if (!ctx || !config_json) return TOOLORCH_EINVAL;
  return guarded(ctx, [&]() -> int {
    toolorch::mcp::ServerConfig cfg;
    int rc = toolorch::capi::parse(ctx, config_json, &cfg);
    if (rc) return rc;
    if (!ctx->owned) return ctx->on_loop([&] { return toolorch::capi::start_server(ctx, std::move(cfg), nullptr); });
    if (ctx->loop->in_loop_thread())
      return fail(ctx, TOOLORCH_EMODE, "waiting for an MCP server on the loop thread would stall it: use toolorch_add_mcp_server_async");
    return toolorch::capi::add_and_wait(ctx, std::move(cfg));
  });
}

int toolorch_add_mcp_server_async(toolorch_ctx *ctx, const char *config_json, toolorch_mcp_ready_fn done,
                                  void *userdata) {
  if (!ctx || !config_json) return TOOLORCH_EINVAL;
  return guarded(ctx, [&]() -> int {
    toolorch::mcp::ServerConfig cfg;
    int rc = toolorch::capi::parse(ctx, config_json, &cfg);
    if (rc) return rc;
    return ctx->on_loop([&] {
      toolorch::capi::Done cb;
      if (done)
        cb = [ctx, done, userdata](const std::string &name, int status, const std::string &message) {
          toolorch::capi::CallbackScope scope;
          done(ctx, name.c_str(), status, message.c_str(), userdata);
        };
      return toolorch::capi::start_server(ctx, std::move(cfg), std::move(cb));
    });
  });
}

int64_t toolorch_mcp_stat(toolorch_ctx *ctx, const char *server, const char *key) {
  if (!ctx || !server || !key) return -1;
  int64_t out = -1;
  guarded(ctx, [&]() -> int {
    return ctx->on_loop([&]() -> int {
      toolorch::mcp::Server *s = toolorch::capi::find_server(ctx, server);
      if (!s) return TOOLORCH_OK;
      const toolorch::mcp::ServerStats &st = s->stats();
      std::string k = key;
      if (k == "starts") out = int64_t(st.starts);
      else if (k == "crashes") out = int64_t(st.crashes);
      else if (k == "calls") out = int64_t(st.calls);
      else if (k == "cancels_sent") out = int64_t(st.cancels_sent);
      else if (k == "late_responses") out = int64_t(st.late_responses);
      else if (k == "garbage") out = int64_t(st.garbage);
      else if (k == "progress") out = int64_t(st.progress);
      else if (k == "list_changes") out = int64_t(st.list_changes);
      else if (k == "tools") out = int64_t(s->tools().size());
      else if (k == "ready") out = s->ready() ? 1 : 0;
      return TOOLORCH_OK;
    });
  });
  return out;
}

const char *toolorch_mcp_revision(toolorch_ctx *ctx, const char *server) {
  static const char *const kKnown[] = {"2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
  if (!ctx || !server) return "";
  const char *out = "";
  guarded(ctx, [&]() -> int {
    return ctx->on_loop([&]() -> int {
      toolorch::mcp::Server *s = toolorch::capi::find_server(ctx, server);
      if (!s || s->revision().empty()) return TOOLORCH_OK;
      out = "other";
      for (const char *k : kKnown)
        if (s->revision() == k) out = k;
      return TOOLORCH_OK;
    });
  });
  return out;
}

}  // extern "C"
