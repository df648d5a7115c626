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
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "mockllm/mock_server.h"
#include "mockllm/script.h"
#include "observability.h"
#include "progress.h"

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

// Builds one tool (every setter checks its part); nullptr with the reason.
toolorch_tool *make_tool(const ToolConfig &tc, const std::string &mock_url, std::string *err) {
  std::unique_ptr<toolorch_tool, ToolDeleter> t(toolorch_tool_new(tc.name.c_str()));
  if (!t) {
    *err = "cannot make the tool";
    return nullptr;
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
    return nullptr;
  if (tc.retry && !check(toolorch_tool_set_retry(t.get(), tc.retry->attempts, tc.retry->backoff, tc.retry->base_ms,
                                                 tc.retry->max_ms),
                         "retry"))
    return nullptr;
  if (tc.http_url) {
    std::string url = *tc.http_url;
    if (url.find(kMockPlaceholder) != std::string::npos) {
      if (mock_url.empty()) {
        *err = "http.url uses {mock}, which needs the scripted LLM server (it runs only without an API key)";
        return nullptr;
      }
      url = replace_all(url, kMockPlaceholder, mock_url);
    }
    if (!check(toolorch_tool_set_http(t.get(), url.c_str()), "http.url")) return nullptr;
    for (const std::string &h : tc.http_headers)
      if (!check(toolorch_tool_add_http_header(t.get(), h.c_str()), "http.headers")) return nullptr;
  } else if (tc.command_json) {
    if (!check(toolorch_tool_set_command(t.get(), tc.command_json->c_str()), "command")) return nullptr;
  }
  return t.release();
}

// Registers one tool; false with the reason.
bool register_tool(toolorch_ctx *ctx, const ToolConfig &tc, const std::string &mock_url, std::string *err) {
  std::unique_ptr<toolorch_tool, ToolDeleter> t(make_tool(tc, mock_url, err));
  if (!t) return false;
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
  if (!check(toolorch_opts_set_bool(o.get(), "emit_call_started", 1), "emit_call_started") ||
      !check(toolorch_opts_set_bool(o.get(), "emit_progress_events", 1), "emit_progress_events"))
    return nullptr;
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
  std::string text, transcript;
  bool interrupted = false;
};

int64_t now_us() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

// Reads the context's events until JOB_DONE, showing them (progress.h).
// SIGINT/SIGTERM (blocked, read from sigfd) cancel the job; a second one
// leaves at once.
JobOutcome follow_job(toolorch_ctx *ctx, toolorch_job *job, int sigfd, Progress *progress) {
  JobOutcome out;
  int event_fd = toolorch_event_fd(ctx);
  for (;;) {
    toolorch_event *ev = nullptr;
    int rc = toolorch_next_event(ctx, 0, &ev);
    if (rc == TOOLORCH_EAGAIN) {
      int timeout = progress->tick(now_us());
      pollfd fds[2] = {{event_fd, POLLIN, 0}, {sigfd, POLLIN, 0}};
      if (poll(fds, sigfd >= 0 ? 2 : 1, timeout) < 0 && errno != EINTR) {
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
          progress->notice("interrupted: cancelling the job (again to leave at once)", now_us());
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
    progress->event(ev, now_us());
    if (toolorch_event_type_of(ev) == TOOLORCH_EVENT_JOB_DONE) {
      out.status = toolorch_event_status(ev);
      out.text.assign(toolorch_event_text(ev), toolorch_event_text_len(ev));
      out.transcript = toolorch_event_json(ev);
      toolorch_event_free(ev);
      return out;
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

// Each problem once, in the order found.
void add_error(std::vector<std::string> *errors, const std::string &e) {
  for (const std::string &x : *errors)
    if (x == e) return;
  errors->push_back(e);
}

// The command line over the config's llm section; whether the scripted
// server will play the LLM (no key, no --base-url).
bool apply_llm_flags(const CliArgs &args, AgentConfig &config) {
  cJSON *llm = config.llm.get();
  if (args.provider) set_string(llm, "protocol", *args.provider);
  if (args.model) set_string(llm, "model", *args.model);
  if (args.base_url) set_string(llm, "base_url", *args.base_url);
  return !has_api_key(llm) && !args.base_url;
}

// Points the llm section at the scripted server.
void use_mock(AgentConfig &config, const std::string &url) {
  cJSON *llm = config.llm.get();
  set_string(llm, "base_url", url);
  cJSON_DeleteItemFromObjectCaseSensitive(llm, "api_key_env");
  cJSON_DeleteItemFromObjectCaseSensitive(llm, "api_key");
  if (!string_in(llm, "model")) set_string(llm, "model", "mock-model");
}

// What needs nothing started: observability, the options (the library's
// own checks), each tool, the mock script. Every error into *errors.
void check_without_context(const CliArgs &args, const AgentConfig &config, bool mock, ObsArgs *obs,
                           std::vector<std::string> *errors) {
  std::string err;
  if (!parse_obs_config(config.observability.get(), obs, &err)) add_error(errors, err);
  merge_obs_args(args.obs, obs);
  // Each section on its own first, so a mistake in one hides none in another.
  auto section = [&](const char *name, const cJSON *value) {
    if (!value) return true;
    std::unique_ptr<toolorch_opts, OptsDeleter> o(toolorch_opts_new());
    if (!o) return false;
    JsonPtr wrapper(cJSON_CreateObject());
    if (std::strcmp(name, "options") == 0) {
      wrapper.reset(cJSON_Duplicate(value, true));
    } else {
      cJSON_AddItemToObject(wrapper.get(), name, cJSON_Duplicate(value, true));
    }
    if (toolorch_opts_from_json(o.get(), print(wrapper.get()).c_str()) == TOOLORCH_OK) return true;
    add_error(errors, std::string(name) + ": " + toolorch_opts_last_error(o.get()));
    return false;
  };
  bool sections_ok = section("options", config.options.get());
  sections_ok = section("llm", config.llm.get()) && sections_ok;
  sections_ok = section("mcp_servers", config.mcp_servers.get()) && sections_ok;
  sections_ok = section("chains", config.chains.get()) && sections_ok;
  err.clear();
  if (sections_ok) {
    std::unique_ptr<toolorch_opts, OptsDeleter> opts(build_opts(args, config, *obs, &err));
    if (!opts) add_error(errors, err);
  }
  for (size_t i = 0; i < config.tools.size(); ++i) {
    const ToolConfig &tc = config.tools[i];
    err.clear();
    // The scripted server's URL is not known yet: any loopback URL checks the rest.
    std::unique_ptr<toolorch_tool, ToolDeleter> t(make_tool(tc, mock ? "http://127.0.0.1:1" : "", &err));
    if (!t) add_error(errors, "tools[" + std::to_string(i) + "] (\"" + tc.name + "\"): " + err);
  }
  if (mock && config.mock_script_json) {
    toolorch::mockllm::Script script;
    err.clear();
    if (!toolorch::mockllm::parse_script(*config.mock_script_json, &script, &err))
      add_error(errors, "mock_script: " + err);
  }
}

// The context, its tools, and the job request checked (toolorch_job_check):
// nullptr with the errors.
toolorch_ctx *make_context(const CliArgs &args, const AgentConfig &config, const ObsArgs &obs,
                           const std::string &mock_url, Progress *progress, std::vector<std::string> *errors,
                           int *exit_code) {
  std::string err;
  *exit_code = kExitBadConfig;
  std::unique_ptr<toolorch_opts, OptsDeleter> opts(build_opts(args, config, obs, &err));
  if (!opts) {
    add_error(errors, err);
    return nullptr;
  }
  int status = TOOLORCH_OK;
  std::unique_ptr<toolorch_ctx, CtxDeleter> ctx(toolorch_new(opts.get(), &status));
  if (!ctx) {
    std::string why = std::string("cannot create the context: ") + toolorch_strerror(status) + ": " +
                      toolorch_last_error(nullptr);
    if (status != TOOLORCH_ECONFIG) *exit_code = kExitJobFailed;
    add_error(errors, why);
    return nullptr;
  }
  if (progress) attach_logs(ctx.get(), obs.log_json || progress->mode() == ProgressMode::kJsonl, progress);
  for (size_t i = 0; i < config.tools.size(); ++i) {
    err.clear();
    if (!register_tool(ctx.get(), config.tools[i], mock_url, &err))
      add_error(errors, "tools[" + std::to_string(i) + "] (\"" + config.tools[i].name + "\"): " + err);
  }
  if (!errors->empty()) return nullptr;
  std::string request = job_request(args, config);
  int rc = toolorch_job_check(ctx.get(), request.c_str());
  if (rc != TOOLORCH_OK) {
    if (rc != TOOLORCH_EJSON && rc != TOOLORCH_ECONFIG && rc != TOOLORCH_EUNKNOWN_TOOL) *exit_code = kExitJobFailed;
    add_error(errors, std::string("job: ") + toolorch_last_error(ctx.get()));
    return nullptr;
  }
  return ctx.release();
}

void print_errors(const std::string &path, const std::vector<std::string> &errors) {
  for (const std::string &e : errors) std::fprintf(stderr, "toolorch: bad config: %s: %s\n", path.c_str(), e.c_str());
}

std::string json_text(const cJSON *v) {
  char *s = cJSON_PrintUnformatted(v);
  std::string out = s ? s : "null";
  cJSON_free(s);
  return out;
}

}  // namespace

int run_agent(const CliArgs &args, AgentConfig &config, std::vector<std::string> errors) {
  int64_t started = now_us();
  if (!config.llm) {  // not JSON, or not an object: nothing more to check
    print_errors(args.config_path, errors);
    return kExitBadConfig;
  }
  bool mock_llm = apply_llm_flags(args, config);

  // Everything that can be checked is, before anything starts.
  ObsArgs obs;
  std::vector<std::string> more;
  check_without_context(args, config, mock_llm, &obs, &more);
  for (const std::string &e : more) add_error(&errors, e);
  if (!errors.empty()) {
    print_errors(args.config_path, errors);
    return kExitBadConfig;
  }
  int sigfd = block_signals_into_fd();
  Progress progress(progress_mode(args.progress ? args.progress->c_str() : nullptr), !args.json, started);

  // No key and no explicit server: the project's scripted LLM, in-process.
  std::unique_ptr<toolorch::mockllm::Server> mock;
  std::string mock_url;
  if (mock_llm) {
    toolorch::mockllm::Options mo;
    mo.script_json = config.mock_script_json.value_or("");
    std::string err;
    mock = toolorch::mockllm::Server::start(mo, &err);
    if (!mock) {
      complain("cannot start the scripted LLM server: " + err);
      return kExitJobFailed;
    }
    mock_url = mock->url();
    use_mock(config, mock_url);
  }
  int ctx_code = kExitOk;
  std::unique_ptr<toolorch_ctx, CtxDeleter> ctx(
      make_context(args, config, obs, mock_url, &progress, &errors, &ctx_code));
  if (!ctx) {
    if (ctx_code == kExitBadConfig) print_errors(args.config_path, errors);
    else for (const std::string &e : errors) complain(e);
    return ctx_code;
  }
  int code = kExitOk;
  if (mock_llm) progress.notice("no API key: using the scripted LLM server at " + mock_url, now_us());
  if (obs.metrics_listen)
    progress.notice("metrics at http://" + *obs.metrics_listen + "/metrics (port " +
                        std::to_string(toolorch_metrics_port(ctx.get())) + ")",
                    now_us());

  std::string request = job_request(args, config);
  int status = TOOLORCH_OK;
  toolorch_job *job = toolorch_job_start(ctx.get(), request.c_str(), nullptr, &status);
  if (!job) {
    complain(std::string("cannot start the job: ") + toolorch_strerror(status) + ": " + toolorch_last_error(ctx.get()));
    return status == TOOLORCH_EJSON || status == TOOLORCH_ECONFIG || status == TOOLORCH_EUNKNOWN_TOOL
               ? kExitBadConfig
               : kExitJobFailed;
  }
  JobOutcome outcome = follow_job(ctx.get(), job, sigfd, &progress);
  toolorch_job_free(job);

  RunTotals extra;
  extra.max_running = toolorch_stat(ctx.get(), "max_running");
  std::string status_word = "answered";
  if (outcome.status != TOOLORCH_OK) {
    code = outcome.interrupted ? kExitInterrupted : kExitJobFailed;
    status_word = outcome.interrupted ? "interrupted" : "failed";
  }
  std::string err;
  bool metrics_ok = !obs.metrics_file || write_metrics_file(ctx.get(), *obs.metrics_file, &err);
  if (!metrics_ok && code == kExitOk) code = kExitJobFailed;
  ctx.reset();  // its connections to the scripted server close first; no log line after this
  mock.reset();
  if (sigfd >= 0) close(sigfd);

  progress.finish_answer(outcome.text, !args.json && outcome.status == TOOLORCH_OK);
  if (outcome.status != TOOLORCH_OK)
    progress.error(std::string("the job failed (") + toolorch_strerror(outcome.status) + "): " + outcome.text,
                   now_us());
  if (!metrics_ok) progress.error("metrics file: " + err, now_us());
  progress.finish(extra, status_word, code, now_us());
  if (args.json) {
    JsonPtr o(cJSON_CreateObject());
    if (outcome.status == TOOLORCH_OK) cJSON_AddStringToObject(o.get(), "answer", outcome.text.c_str());
    else cJSON_AddNullToObject(o.get(), "answer");
    cJSON_AddStringToObject(o.get(), "status", status_word.c_str());
    if (outcome.status != TOOLORCH_OK) cJSON_AddStringToObject(o.get(), "error", outcome.text.c_str());
    cJSON *transcript = outcome.transcript.empty() ? nullptr : cJSON_Parse(outcome.transcript.c_str());
    cJSON_AddItemToObject(o.get(), "transcript", transcript ? transcript : cJSON_CreateArray());
    cJSON_AddItemToObject(o.get(), "summary", summary_json(progress.totals(), status_word, code));
    std::printf("%s\n", json_text(o.get()).c_str());
  }
  std::fflush(stdout);
  return code;
}

int validate_config(const CliArgs &args) {
  AgentConfig config;
  std::vector<std::string> errors;
  if (!load_config(args.config_path, &config, &errors) && !config.llm) {
    print_errors(args.config_path, errors);
    return kExitBadConfig;
  }
  bool mock_llm = apply_llm_flags(args, config);
  ObsArgs obs;
  std::vector<std::string> more;
  check_without_context(args, config, mock_llm, &obs, &more);
  for (const std::string &e : more) add_error(&errors, e);
  if (errors.empty()) {
    // The context, the tools registered and the job request, with nothing
    // listening and no LLM contacted.
    obs.metrics_listen.reset();
    obs.otlp_endpoint.reset();
    std::string placeholder = "http://127.0.0.1:1";
    if (mock_llm) use_mock(config, placeholder);
    int code = kExitOk;
    std::unique_ptr<toolorch_ctx, CtxDeleter> ctx(
        make_context(args, config, obs, mock_llm ? placeholder : "", nullptr, &errors, &code));
  }
  if (!errors.empty()) {
    print_errors(args.config_path, errors);
    return kExitBadConfig;
  }
  std::printf("%s: ok (%zu tool%s%s)\n", args.config_path.c_str(), config.tools.size(),
              config.tools.size() == 1 ? "" : "s", config.mock_script_json ? ", a mock script" : "");
  return kExitOk;
}

int serve_mock(const CliArgs &args) {
  std::string script;
  if (args.script_path) {
    std::ifstream in(*args.script_path, std::ios::binary);
    if (!in) {
      complain("cannot read " + *args.script_path + ": " + std::strerror(errno));
      return kExitBadConfig;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    script = ss.str();
    toolorch::mockllm::Script parsed;
    std::string err;
    if (!toolorch::mockllm::parse_script(script, &parsed, &err)) {
      complain("bad script: " + *args.script_path + ": " + err);
      return kExitBadConfig;
    }
  }
  int sigfd = block_signals_into_fd();
  if (sigfd < 0) {
    complain(std::string("signalfd: ") + std::strerror(errno));
    return kExitJobFailed;
  }
  toolorch::mockllm::Options mo;
  mo.port = args.serve_port;
  mo.script_json = script;
  std::string err;
  std::unique_ptr<toolorch::mockllm::Server> server = toolorch::mockllm::Server::start(mo, &err);
  if (!server) {
    complain("cannot start the scripted LLM server: " + err);
    close(sigfd);
    return kExitJobFailed;
  }
  std::printf("%s\n", server->url().c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "toolorch: the scripted LLM server listens at %s (Ctrl-C stops it)\n", server->url().c_str());
  for (;;) {
    pollfd p = {sigfd, POLLIN, 0};
    if (poll(&p, 1, -1) < 0 && errno != EINTR) break;
    signalfd_siginfo si;
    if (read(sigfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) break;
  }
  server->stop();
  server.reset();
  close(sigfd);
  std::fprintf(stderr, "toolorch: the scripted LLM server stopped\n");
  return kExitOk;
}

}  // namespace toolorch::cli
