#include "agent_run.h"

#include <toolorch/toolorch.h>

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "mockllm/mock_server.h"

namespace toolorch::cli {
namespace {

constexpr const char kMockPlaceholder[] = "{mock}";

struct CtxDeleter {
  void operator()(toolorch_ctx *c) const { toolorch_free(c); }
};
struct OptsDeleter {
  void operator()(toolorch_opts *o) const { toolorch_opts_free(o); }
};
struct ToolDeleter {
  void operator()(toolorch_tool *t) const { toolorch_tool_free(t); }
};

void complain(const std::string &what) { std::fprintf(stderr, "toolorch: %s\n", what.c_str()); }

std::string print(const cJSON *v) {
  char *s = cJSON_PrintUnformatted(v);
  std::string out = s ? s : "";
  cJSON_free(s);
  return out;
}

void set_string(cJSON *obj, const char *key, const std::string &value) {
  cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
  cJSON_AddStringToObject(obj, key, value.c_str());
}

void set_number(cJSON *obj, const char *key, int64_t value) {
  cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
  cJSON_AddNumberToObject(obj, key, static_cast<double>(value));
}

const char *string_in(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) ? v->valuestring : nullptr;
}

// Whether the provider will have a key: the config's own, the variable it
// names, or the protocol's usual variable.
bool has_api_key(const cJSON *llm) {
  const char *key = string_in(llm, "api_key");
  if (key) return *key != '\0';
  const char *env = string_in(llm, "api_key_env");
  if (!env) {
    const char *protocol = string_in(llm, "protocol");
    if (protocol && std::strcmp(protocol, "gemini") == 0) {
      const char *g = std::getenv("GEMINI_API_KEY");
      if (g && *g) return true;
      env = "GOOGLE_API_KEY";
    } else {
      env = protocol && std::strcmp(protocol, "anthropic") == 0 ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY";
    }
  }
  const char *value = std::getenv(env);
  return value && *value;
}

std::string replace_all(std::string text, const std::string &what, const std::string &with) {
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
    text.replace(at, what.size(), with);
  return text;
}

// Registers one tool; false with the reason.
bool register_tool(toolorch_ctx *ctx, const ToolConfig &tc, const std::string &mock_url, std::string *err) {
  std::unique_ptr<toolorch_tool, ToolDeleter> t(toolorch_tool_new(tc.name.c_str()));
  if (!t) {
    *err = "cannot make the tool";
    return false;
  }
  auto check = [&](int rc, const char *what) {
    if (rc == TOOLORCH_OK) return true;
    const char *detail = toolorch_last_error(nullptr);
    *err = std::string(what) + ": " + toolorch_strerror(rc) + (detail && *detail ? std::string(": ") + detail : "");
    return false;
  };
  unsigned flags = tc.side_effect_free ? TOOLORCH_TOOL_SIDE_EFFECT_FREE : 0u;
  if (!check(toolorch_tool_set_description(t.get(), tc.description.c_str()), "description") ||
      !check(toolorch_tool_set_schema(t.get(), tc.parameters_json.c_str()), "parameters") ||
      !check(toolorch_tool_set_flags(t.get(), flags), "side_effect_free") ||
      !check(toolorch_tool_set_max_parallel(t.get(), tc.max_parallel), "max_parallel") ||
      !check(toolorch_tool_set_timeout_ms(t.get(), tc.timeout_ms), "timeout_ms") ||
      !check(toolorch_tool_set_service(t.get(), tc.service.c_str()), "service"))
    return false;
  if (tc.retry && !check(toolorch_tool_set_retry(t.get(), tc.retry->attempts, tc.retry->backoff, tc.retry->base_ms,
                                                 tc.retry->max_ms),
                         "retry"))
    return false;
  if (tc.http_url) {
    std::string url = *tc.http_url;
    if (url.find(kMockPlaceholder) != std::string::npos) {
      if (mock_url.empty()) {
        *err = "http.url uses {mock}, which needs the scripted LLM server (it runs only without an API key)";
        return false;
      }
      url = replace_all(url, kMockPlaceholder, mock_url);
    }
    if (!check(toolorch_tool_set_http(t.get(), url.c_str()), "http.url")) return false;
    for (const std::string &h : tc.http_headers)
      if (!check(toolorch_tool_add_http_header(t.get(), h.c_str()), "http.headers")) return false;
  } else if (tc.command_json) {
    if (!check(toolorch_tool_set_command(t.get(), tc.command_json->c_str()), "command")) return false;
  }
  int rc = toolorch_register_tool(ctx, t.get());
  if (rc != TOOLORCH_OK) {
    const char *detail = toolorch_last_error(ctx);
    *err = std::string("cannot register: ") + toolorch_strerror(rc) + (detail && *detail ? std::string(": ") + detail : "");
    return false;
  }
  return true;
}

// The context's options: the config's "options", the command line's
// overrides, the "llm" section, and CALL_STARTED events for the progress.
toolorch_opts *build_opts(const CliArgs &args, const AgentConfig &config, const ObsArgs &obs, std::string *err) {
  std::unique_ptr<toolorch_opts, OptsDeleter> o(toolorch_opts_new());
  if (!o) {
    *err = "out of memory";
    return nullptr;
  }
  auto check = [&](int rc, const std::string &where) {
    if (rc == TOOLORCH_OK) return true;
    *err = where + ": " + toolorch_opts_last_error(o.get());
    return false;
  };
  if (!check(toolorch_opts_from_json(o.get(), print(config.options.get()).c_str()), "options")) return nullptr;
  if (args.max_parallel && !check(toolorch_opts_set_int(o.get(), "max_parallel_tools", *args.max_parallel),
                                  "--max-parallel"))
    return nullptr;
  if (args.tool_timeout_ms &&
      !check(toolorch_opts_set_int(o.get(), "tool_timeout_ms", *args.tool_timeout_ms), "--tool-timeout-ms"))
    return nullptr;
  if (!check(toolorch_opts_set_bool(o.get(), "emit_call_started", 1), "emit_call_started")) return nullptr;
  if (!apply_obs_options(obs, o.get(), err)) return nullptr;
  JsonPtr wrapper(cJSON_CreateObject());
  cJSON_AddItemToObject(wrapper.get(), "llm", cJSON_Duplicate(config.llm.get(), true));
  if (!check(toolorch_opts_from_json(o.get(), print(wrapper.get()).c_str()), "llm")) return nullptr;
  if (config.mcp_servers) {
    JsonPtr servers(cJSON_CreateObject());
    cJSON_AddItemToObject(servers.get(), "mcp_servers", cJSON_Duplicate(config.mcp_servers.get(), true));
    if (!check(toolorch_opts_from_json(o.get(), print(servers.get()).c_str()), "mcp_servers")) return nullptr;
  }
  if (config.chains) {
    JsonPtr chains(cJSON_CreateObject());
    cJSON_AddItemToObject(chains.get(), "chains", cJSON_Duplicate(config.chains.get(), true));
    if (!check(toolorch_opts_from_json(o.get(), print(chains.get()).c_str()), "chains")) return nullptr;
  }
  return o.release();
}

std::string job_request(const CliArgs &args, const AgentConfig &config) {
  JsonPtr req(cJSON_Duplicate(config.job.get(), true));
  set_string(req.get(), "prompt", args.prompt);
  if (args.max_rounds) set_number(req.get(), "max_rounds", *args.max_rounds);
  if (args.llm_timeout_ms) set_number(req.get(), "llm_timeout_ms", *args.llm_timeout_ms);
  if (args.total_timeout_ms) set_number(req.get(), "total_timeout_ms", *args.total_timeout_ms);
  if (args.eager) set_string(req.get(), "eager_dispatch", *args.eager);
  if (args.speculate) {
    // The config's "speculation" section (its model, threshold...) stays;
    // the flag picks the source.
    cJSON *spec = cJSON_GetObjectItemCaseSensitive(req.get(), "speculation");
    if (!cJSON_IsObject(spec)) {
      cJSON_DeleteItemFromObjectCaseSensitive(req.get(), "speculation");
      spec = cJSON_AddObjectToObject(req.get(), "speculation");
    }
    set_string(spec, "source", *args.speculate);
  }
  if (args.no_stream) {
    cJSON_DeleteItemFromObjectCaseSensitive(req.get(), "stream");
    cJSON_AddFalseToObject(req.get(), "stream");
  }
  return print(req.get());
}

struct JobOutcome {
  int status = TOOLORCH_EINTERNAL;
  std::string text, transcript, speculation;
  bool interrupted = false;
};

// The closing line about speculation, from JOB_DONE's summary.
void print_speculation(const std::string &summary) {
  JsonPtr s(cJSON_Parse(summary.c_str()));
  if (!s) return;
  auto n = [&](const cJSON *o, const char *k) {
    return static_cast<long long>(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, k)));
  };
  std::string dropped;
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(s.get(), "dropped");
  for (const cJSON *v = d ? d->child : nullptr; v; v = v->next)
    if (cJSON_GetNumberValue(v) > 0)
      dropped += std::string(dropped.empty() ? "" : ", ") + v->string + " " + std::to_string(n(d, v->string));
  std::fprintf(stderr,
               "toolorch: speculation: %lld guesses, %lld hits, %lld cancelled, %lld wasted (%lld ms of tool time), "
               "dropped: %s, time saved %lld ms, source failures %lld\n",
               n(s.get(), "guesses"), n(s.get(), "hits"), n(s.get(), "cancelled"), n(s.get(), "wasted"),
               n(s.get(), "wasted_tool_ms"), dropped.empty() ? "none" : dropped.c_str(), n(s.get(), "saved_ms"),
               n(s.get(), "source_failures"));
}

// Reads the context's events until JOB_DONE: one stderr line per tool call
// start and end. SIGINT/SIGTERM (blocked, read from sigfd) cancel the job;
// a second one leaves at once.
JobOutcome follow_job(toolorch_ctx *ctx, toolorch_job *job, int sigfd) {
  JobOutcome out;
  int event_fd = toolorch_event_fd(ctx);
  for (;;) {
    toolorch_event *ev = nullptr;
    int rc = toolorch_next_event(ctx, 0, &ev);
    if (rc == TOOLORCH_EAGAIN) {
      pollfd fds[2] = {{event_fd, POLLIN, 0}, {sigfd, POLLIN, 0}};
      if (poll(fds, sigfd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR) {
        out.status = TOOLORCH_EIO;
        out.text = std::string("poll: ") + std::strerror(errno);
        return out;
      }
      if (sigfd >= 0 && (fds[1].revents & POLLIN)) {
        signalfd_siginfo si;
        while (read(sigfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
          if (out.interrupted) {
            complain("interrupted again: leaving now");
            _exit(kExitInterrupted);
          }
          out.interrupted = true;
          complain("interrupted: cancelling the job (again to leave at once)");
          toolorch_job_cancel(job);
        }
      }
      continue;
    }
    if (rc != TOOLORCH_OK) {
      out.status = rc;
      out.text = std::string("the event queue closed: ") + toolorch_strerror(rc);
      return out;
    }
    switch (toolorch_event_type_of(ev)) {
      case TOOLORCH_EVENT_CALL_STARTED:
        // A chain's step names its chain's call.
        std::fprintf(stderr, "[start] %s id=%s%s%s\n", toolorch_event_tool_name(ev), toolorch_event_call_id(ev),
                     *toolorch_event_parent_call_id(ev) ? " parent=" : "", toolorch_event_parent_call_id(ev));
        break;
      case TOOLORCH_EVENT_CALL_RESULT:
        std::fprintf(stderr, "[end]   %s id=%s%s%s status=%s %lld ms%s\n", toolorch_event_tool_name(ev),
                     toolorch_event_call_id(ev), *toolorch_event_parent_call_id(ev) ? " parent=" : "",
                     toolorch_event_parent_call_id(ev), toolorch_call_state_name(toolorch_event_call_state(ev)),
                     static_cast<long long>(toolorch_event_run_us(ev) / 1000),
                     toolorch_event_speculation(ev) == TOOLORCH_SPECULATION_TAKEN_OVER_RUNNING    ? " (guessed, taken over running)"
                     : toolorch_event_speculation(ev) == TOOLORCH_SPECULATION_TAKEN_OVER_FINISHED ? " (guessed, already done)"
                                                                                                  : "");
        break;
      case TOOLORCH_EVENT_PROGRESS: {  // an MCP tool's progress notification
        char of[48] = "";
        if (toolorch_event_progress_total(ev) > 0) std::snprintf(of, sizeof of, "/%g", toolorch_event_progress_total(ev));
        std::fprintf(stderr, "[prog]  %s id=%s %g%s %s\n", toolorch_event_tool_name(ev), toolorch_event_call_id(ev),
                     toolorch_event_progress(ev), of, toolorch_event_text(ev));
        break;
      }
      case TOOLORCH_EVENT_SPECULATION: {
        static const char *const kOutcome[] = {"?", "used", "cancelled", "wasted", "dropped"};
        int o = toolorch_event_speculation(ev);
        std::fprintf(stderr, "[guess] %s %s %s%s%s\n", toolorch_event_tool_name(ev), toolorch_event_json(ev),
                     kOutcome[o >= 1 && o <= 4 ? o : 0], o == TOOLORCH_SPECULATION_DROPPED ? ": " : "",
                     o == TOOLORCH_SPECULATION_DROPPED ? toolorch_event_text(ev) : "");
        break;
      }
      case TOOLORCH_EVENT_JOB_DONE:
        out.status = toolorch_event_status(ev);
        out.text.assign(toolorch_event_text(ev), toolorch_event_text_len(ev));
        out.transcript = toolorch_event_json(ev);
        out.speculation = toolorch_event_speculation_json(ev);
        toolorch_event_free(ev);
        return out;
      default:
        break;
    }
    toolorch_event_free(ev);
  }
}

// SIGINT, SIGTERM and SIGHUP come through a signalfd, blocked in every
// thread started after this (the library's loop, the scripted server).
int block_signals_into_fd() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return -1;
  return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

}  // namespace

int run_agent(const CliArgs &args, AgentConfig &config) {
  cJSON *llm = config.llm.get();
  if (args.provider) set_string(llm, "protocol", *args.provider);
  if (args.model) set_string(llm, "model", *args.model);
  if (args.base_url) set_string(llm, "base_url", *args.base_url);

  int sigfd = block_signals_into_fd();

  // No key and no explicit server: the project's scripted LLM, in-process.
  std::unique_ptr<toolorch::mockllm::Server> mock;
  std::string mock_url;
  if (!has_api_key(llm) && !args.base_url) {
    toolorch::mockllm::Options mo;
    mo.script_json = config.mock_script_json.value_or("");
    std::string err;
    mock = toolorch::mockllm::Server::start(mo, &err);
    if (!mock) {
      complain("cannot start the scripted LLM server: " + err);
      return config.mock_script_json ? kExitBadConfig : kExitJobFailed;
    }
    mock_url = mock->url();
    set_string(llm, "base_url", mock_url);
    cJSON_DeleteItemFromObjectCaseSensitive(llm, "api_key_env");
    cJSON_DeleteItemFromObjectCaseSensitive(llm, "api_key");
    if (!string_in(llm, "model")) set_string(llm, "model", "mock-model");
    std::fprintf(stderr, "toolorch: no API key: using the scripted LLM server at %s\n", mock_url.c_str());
  }

  std::string err;
  // Observability: the config's section, then the command line's flags.
  ObsArgs obs;
  if (!parse_obs_config(config.observability.get(), &obs, &err)) {
    complain("bad config: " + err);
    return kExitBadConfig;
  }
  merge_obs_args(args.obs, &obs);
  std::unique_ptr<toolorch_opts, OptsDeleter> opts(build_opts(args, config, obs, &err));
  if (!opts) {
    complain("bad config: " + err);
    return kExitBadConfig;
  }
  int status = TOOLORCH_OK;
  std::unique_ptr<toolorch_ctx, CtxDeleter> ctx(toolorch_new(opts.get(), &status));
  if (!ctx) {
    complain(std::string("cannot create the context: ") + toolorch_strerror(status) + ": " +
             toolorch_last_error(nullptr));
    return status == TOOLORCH_ECONFIG ? kExitBadConfig : kExitJobFailed;
  }
  attach_logs(ctx.get(), obs.log_json);
  if (obs.metrics_listen)
    std::fprintf(stderr, "toolorch: metrics at http://%s/metrics (port %d)\n", obs.metrics_listen->c_str(),
                 toolorch_metrics_port(ctx.get()));
  for (const ToolConfig &tc : config.tools) {
    if (!register_tool(ctx.get(), tc, mock_url, &err)) {
      complain("bad config: tool \"" + tc.name + "\": " + err);
      return kExitBadConfig;
    }
  }

  std::string request = job_request(args, config);
  toolorch_job *job = toolorch_job_start(ctx.get(), request.c_str(), nullptr, &status);
  if (!job) {
    complain(std::string("cannot start the job: ") + toolorch_strerror(status) + ": " + toolorch_last_error(ctx.get()));
    return status == TOOLORCH_EJSON || status == TOOLORCH_ECONFIG || status == TOOLORCH_EUNKNOWN_TOOL
               ? kExitBadConfig
               : kExitJobFailed;
  }
  JobOutcome outcome = follow_job(ctx.get(), job, sigfd);
  toolorch_job_free(job);

  std::fprintf(stderr, "toolorch: max running at once: %lld\n",
               static_cast<long long>(toolorch_stat(ctx.get(), "max_running")));
  if (!outcome.speculation.empty()) print_speculation(outcome.speculation);
  if (args.json && !outcome.transcript.empty()) std::printf("%s\n", outcome.transcript.c_str());
  int code = kExitOk;
  if (outcome.status == TOOLORCH_OK) {
    if (!args.json) std::printf("%s\n", outcome.text.c_str());
  } else {
    complain(std::string("the job failed (") + toolorch_strerror(outcome.status) + "): " + outcome.text);
    code = outcome.interrupted ? kExitInterrupted : kExitJobFailed;
  }
  if (obs.metrics_file && !write_metrics_file(ctx.get(), *obs.metrics_file, &err)) {
    complain("metrics file: " + err);
    if (code == kExitOk) code = kExitJobFailed;
  }
  std::fflush(stdout);
  ctx.reset();   // its connections to the scripted server close first
  mock.reset();
  if (sigfd >= 0) close(sigfd);
  return code;
}

}  // namespace toolorch::cli
