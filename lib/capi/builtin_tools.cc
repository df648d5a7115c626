// The tool kinds the library runs itself, at the C border:
// toolorch_tool_set_http, toolorch_tool_add_http_header,
// toolorch_tool_set_command, the runner each registration makes
// (builtin_tools.h), and toolorch_call_on_cancel.
#include "capi/builtin_tools.h"

#include <toolorch/call.h>
#include <toolorch/tool.h>

#include <cstring>

#include "capi/border.h"
#include "capi/runners.h"
#include "http/url.h"
#include "json/json.h"
#include "tools/command_tool.h"
#include "tools/http_tool.h"

using toolorch::capi::call_of;
using toolorch::capi::fail;
using toolorch::capi::invalid;
using toolorch::capi::guarded;
using toolorch::capi::has_ctl;

namespace toolorch::capi {

bool has_ctl(const char *s) {
  for (; *s; ++s)
    if (*s == '\r' || *s == '\n') return true;
  return false;
}

bool attach_runner(toolorch_ctx *ctx, const toolorch_tool *tool, core::ToolSpec *spec, std::string *err) {
  std::shared_ptr<tools::BuiltinRunner> runner;
  switch (tool->builtin) {
    case toolorch_tool::Builtin::kNone:
      if (tool->fn) {
        bool blocking = tool->spec.flags & TOOLORCH_TOOL_BLOCKING;
        spec->runner = std::make_shared<CFunctionRunner>(tool->fn, tool->fn_userdata,
                                                         blocking ? &ctx->engine->pool() : nullptr);
      } else {
        spec->runner = std::make_shared<ExternalRunner>(ctx);
      }
      return true;
    case toolorch_tool::Builtin::kHttp: {
      tools::HttpToolConfig cfg{tool->http_url, tool->http_headers};
      // The ctx outlives every call of its tools; the client is made on the
      // loop thread when the first call runs.
      runner = std::make_shared<tools::HttpToolRunner>(std::move(cfg),
                                                        [ctx](std::string *e) { return ctx->get_http(e); });
      break;
    }
    case toolorch_tool::Builtin::kCommand:
      runner = std::make_shared<tools::CommandToolRunner>(tool->command_argv, ctx->loop->base());
      break;
  }
  if (!runner) {
    *err = "unknown tool kind";
    return false;
  }
  spec->runner = runner;
  std::lock_guard<std::mutex> lk(ctx->runners_mu);
  ctx->runners.push_back(std::move(runner));
  return true;
}

namespace {

// True if a string literal of the JSON text escapes a NUL (\u0000): cJSON
// would silently cut the string there, and so would exec.
bool escapes_nul(const char *text) {
  bool in_string = false;
  for (const char *c = text; *c; ++c) {
    if (!in_string) {
      in_string = *c == '"';
    } else if (*c == '\\') {
      if (strncmp(c + 1, "u0000", 5) == 0) return true;
      if (c[1]) ++c;  // skip the escaped character
    } else if (*c == '"') {
      in_string = false;
    }
  }
  return false;
}

}  // namespace
}  // namespace toolorch::capi

extern "C" {

int toolorch_tool_set_http(toolorch_tool *tool, const char *url) {
  if (!tool || !url) return invalid(nullptr, "toolorch_tool_set_http", "tool or url is NULL");
  return guarded(nullptr, [&]() -> int {
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
      return fail(nullptr, TOOLORCH_EINVAL, "the URL of an HTTP tool must start with http:// or https://");
    if (has_ctl(url)) return fail(nullptr, TOOLORCH_EINVAL, "the URL of an HTTP tool contains CR or LF");
    std::string err;
    if (!toolorch::http::check_http_url(url, &err))
      return fail(nullptr, TOOLORCH_EINVAL, "the URL of an HTTP tool is refused: " + err);
    tool->builtin = toolorch_tool::Builtin::kHttp;
    tool->http_url = url;
    tool->command_argv.clear();
    return TOOLORCH_OK;
  });
}

int toolorch_tool_add_http_header(toolorch_tool *tool, const char *header) {
  if (!tool || !header) return invalid(nullptr, "toolorch_tool_add_http_header", "tool or header is NULL");
  return guarded(nullptr, [&]() -> int {
    // Only the name is ever put in a message: the value may be a key.
    const char *colon = strchr(header, ':');
    if (!colon || colon == header)
      return fail(nullptr, TOOLORCH_EINVAL, "an HTTP header must look like \"Name: value\"");
    for (const char *c = header; c < colon; ++c)
      if (*c == ' ' || *c == '\t' || static_cast<unsigned char>(*c) < 0x21)
        return fail(nullptr, TOOLORCH_EINVAL, "an HTTP header name must not contain spaces or control characters");
    if (has_ctl(header)) return fail(nullptr, TOOLORCH_EINVAL, "an HTTP header must not contain CR or LF");
    tool->http_headers.emplace_back(header);
    return TOOLORCH_OK;
  });
}

int toolorch_tool_set_command(toolorch_tool *tool, const char *argv_json) {
  if (!tool || !argv_json) return invalid(nullptr, "toolorch_tool_set_command", "tool or argv_json is NULL");
  return guarded(nullptr, [&]() -> int {
    std::string err;
    toolorch::json::Ptr doc = toolorch::json::parse(argv_json, &err);
    if (!doc) return fail(nullptr, TOOLORCH_EJSON, "the command is not JSON: " + err);
    if (!cJSON_IsArray(doc.get()))
      return fail(nullptr, TOOLORCH_EINVAL, "the command must be a JSON array of strings, [\"program\", \"arg\", ...]");
    std::vector<std::string> argv;
    int i = 0;
    for (const cJSON *item = doc->child; item; item = item->next, ++i) {
      if (!cJSON_IsString(item))
        return fail(nullptr, TOOLORCH_EINVAL, "command element " + std::to_string(i) + " is not a string");
      argv.emplace_back(item->valuestring);
    }
    if (toolorch::capi::escapes_nul(argv_json))
      return fail(nullptr, TOOLORCH_EINVAL, "the command contains a NUL character (\\u0000)");
    if (argv.empty()) return fail(nullptr, TOOLORCH_EINVAL, "the command is an empty array: it needs a program");
    if (argv[0].empty()) return fail(nullptr, TOOLORCH_EINVAL, "the command's program is an empty string");
    tool->builtin = toolorch_tool::Builtin::kCommand;
    tool->command_argv = std::move(argv);
    tool->http_url.clear();
    return TOOLORCH_OK;
  });
}

int toolorch_call_on_cancel(toolorch_call *call, toolorch_cancel_fn fn, void *userdata) {
  if (!call || !fn) return invalid(nullptr, "toolorch_call_on_cancel", "call or fn is NULL");
  return guarded(nullptr, [&]() -> int {
    // The call is alive whenever its hook runs (the dispatcher holds it).
    return call_of(call)->set_cancel_hook([call, fn, userdata] {
      toolorch::capi::CallbackScope scope;
      fn(call, userdata);
    });
  });
}

}  // extern "C"
