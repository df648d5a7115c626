#include "cli_args.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>

namespace toolorch::cli {
namespace {

bool parse_int(const std::string &text, int64_t lo, int64_t hi, int64_t *out) {
  if (text.empty()) return false;
  errno = 0;
  char *end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno || *end || v < lo || v > hi) return false;
  *out = v;
  return true;
}

}  // namespace

const char *usage_text() {
  return "usage: toolorch run --config agent.json [options] \"prompt\"\n"
         "       toolorch validate agent.json\n"
         "       toolorch serve [--port N] [--script FILE]\n"
         "\n"
         "validate: checks a config (every error, where it is) and runs nothing.\n"
         "serve: runs the scripted LLM server in the foreground on 127.0.0.1 (the given\n"
         "port, else a free one), prints its URL, stops on Ctrl-C or SIGTERM.\n"
         "\n"
         "run: the model's tool calls run in parallel, their results go back, until the\n"
         "model answers. Progress and a closing summary on stderr, the model's text on stdout.\n"
         "\n"
         "options of run:\n"
         "  --config FILE            the agent's JSON config (see tools/cli/README.md)\n"
         "  --provider P             openai | openai-responses | anthropic | gemini\n"
         "                           (the config's llm.protocol)\n"
         "  --model M                the model (llm.model)\n"
         "  --base-url URL           the provider's base URL (llm.base_url); given here, it is\n"
         "                           used even without an API key (local servers)\n"
         "  --max-parallel N         tool calls running at once, all tools (default 64)\n"
         "  --tool-timeout-ms N      a tool call's default deadline\n"
         "  --llm-timeout-ms N       one LLM request's deadline\n"
         "  --total-timeout-ms N     the whole job's deadline\n"
         "  --max-rounds N           LLM rounds before giving up\n"
         "  --eager safe|all|off     start streamed tool calls as soon as their arguments are\n"
         "                           complete: side-effect-free tools only (safe), all, or none\n"
         "  --speculate model|history|off\n"
         "                           start likely tool calls before the model asks: guessed by\n"
         "                           a cheaper model (the config's job.speculation.model, else\n"
         "                           the llm section), or from calls seen after the same\n"
         "                           conversation state; off (default) speculates nothing\n"
         "  --no-stream              ask the LLM for whole responses\n"
         "  --json                   print {answer, status, transcript, summary} as JSON\n"
         "                           instead of the answer\n"
         "  --progress MODE          tty: a live status area redrawn in place; plain: a line\n"
         "                           per event; jsonl: a JSON object per event, the summary\n"
         "                           last; none (default: tty if stderr is a terminal, else\n"
         "                           plain). NO_COLOR turns colours off.\n"
         "  --metrics-listen A:P     serve Prometheus metrics on http://A:P/metrics while running\n"
         "  --metrics-file PATH      write the metrics (Prometheus text) to PATH at the end\n"
         "  --otlp-endpoint URL      export traces (OTLP/HTTP JSON) to URL/v1/traces\n"
         "  --trace-sample RATIO     share of jobs traced, 0..1 (default 1)\n"
         "  --log-json               log lines on stderr as JSON objects\n"
         "  -h, --help               this text\n"
         "  --version                the library's version\n"
         "\n"
         "With no API key (OPENAI_API_KEY / ANTHROPIC_API_KEY, or the config's) and no\n"
         "--base-url, the project's scripted LLM server is started in-process and plays\n"
         "the config's \"mock_script\".\n"
         "\n"
         "exit status: 0 answered, 1 the job failed, 2 bad command line or config.\n";
}

ArgsOutcome parse_args(int argc, char **argv, CliArgs *out, std::string *err) {
  if (argc < 2) {
    *err = "no command given";
    return ArgsOutcome::kError;
  }
  std::string cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") return ArgsOutcome::kHelp;
  if (cmd == "--version" || cmd == "version") return ArgsOutcome::kVersion;
  if (cmd == "validate") {
    out->command = Command::kValidate;
    for (int i = 2; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "-h" || a == "--help") return ArgsOutcome::kHelp;
      if (a == "--config" && i + 1 < argc) a = argv[++i];
      else if (a.rfind("--config=", 0) == 0) a = a.substr(9);
      else if (a.size() > 1 && a[0] == '-') {
        *err = "unknown option " + a + " for validate";
        return ArgsOutcome::kError;
      }
      if (!out->config_path.empty()) {
        *err = "validate takes one config";
        return ArgsOutcome::kError;
      }
      out->config_path = a;
    }
    if (out->config_path.empty()) {
      *err = "validate needs a config: toolorch validate agent.json";
      return ArgsOutcome::kError;
    }
    return ArgsOutcome::kRun;
  }
  if (cmd == "serve") {
    out->command = Command::kServe;
    for (int i = 2; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "-h" || a == "--help") return ArgsOutcome::kHelp;
      std::string value;
      size_t eq = a.find('=');
      std::string name = eq == std::string::npos ? a : a.substr(0, eq);
      if (name != "--port" && name != "--script") {
        *err = "unknown argument " + a + " for serve (--port N, --script FILE)";
        return ArgsOutcome::kError;
      }
      if (eq != std::string::npos) value = a.substr(eq + 1);
      else if (i + 1 < argc) value = argv[++i];
      else {
        *err = name + " needs a value";
        return ArgsOutcome::kError;
      }
      if (name == "--port") {
        int64_t port;
        if (!parse_int(value, 0, 65535, &port)) {
          *err = "--port must be an integer in 0..65535";
          return ArgsOutcome::kError;
        }
        out->serve_port = static_cast<int>(port);
      } else {
        out->script_path = value;
      }
    }
    return ArgsOutcome::kRun;
  }
  if (cmd != "run") {
    *err = "unknown command \"" + cmd + "\" (run, validate or serve)";
    return ArgsOutcome::kError;
  }

  auto text_opt = [](std::optional<std::string> *slot) {
    return [slot](const std::string &v, std::string *) {
      *slot = v;
      return true;
    };
  };
  auto int_opt = [](std::optional<int64_t> *slot, int64_t lo, int64_t hi) {
    return [slot, lo, hi](const std::string &v, std::string *e) {
      int64_t n;
      if (!parse_int(v, lo, hi, &n)) {
        *e = "must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi);
        return false;
      }
      *slot = n;
      return true;
    };
  };
  std::optional<std::string> config;
  using Setter = std::function<bool(const std::string &, std::string *)>;
  const std::map<std::string, Setter> with_value = {
      {"--config", text_opt(&config)},
      {"--provider",
       [out](const std::string &v, std::string *e) {
         if (v != "openai" && v != "anthropic" && v != "openai-responses" && v != "gemini") {
           *e = "must be openai, openai-responses, anthropic or gemini";
           return false;
         }
         out->provider = v;
         return true;
       }},
      {"--model", text_opt(&out->model)},
      {"--base-url", text_opt(&out->base_url)},
      {"--eager",
       [out](const std::string &v, std::string *e) {
         if (v != "safe" && v != "all" && v != "off") {
           *e = "must be safe, all or off";
           return false;
         }
         out->eager = v;
         return true;
       }},
      {"--speculate",
       [out](const std::string &v, std::string *e) {
         if (v != "model" && v != "history" && v != "off") {
           *e = "must be model, history or off";
           return false;
         }
         out->speculate = v;
         return true;
       }},
      {"--progress",
       [out](const std::string &v, std::string *e) {
         if (v != "tty" && v != "plain" && v != "jsonl" && v != "none") {
           *e = "must be tty, plain, jsonl or none";
           return false;
         }
         out->progress = v;
         return true;
       }},
      {"--max-parallel", int_opt(&out->max_parallel, 1, 100000)},
      {"--tool-timeout-ms", int_opt(&out->tool_timeout_ms, 1, INT64_C(86400000))},
      {"--llm-timeout-ms", int_opt(&out->llm_timeout_ms, 1, INT64_C(86400000))},
      {"--total-timeout-ms", int_opt(&out->total_timeout_ms, 1, INT64_C(86400000))},
      {"--max-rounds", int_opt(&out->max_rounds, 1, 1000)},
      {"--metrics-listen", text_opt(&out->obs.metrics_listen)},
      {"--metrics-file", text_opt(&out->obs.metrics_file)},
      {"--otlp-endpoint", text_opt(&out->obs.otlp_endpoint)},
      {"--trace-sample",
       [out](const std::string &v, std::string *e) {
         char *end = nullptr;
         double r = std::strtod(v.c_str(), &end);
         if (v.empty() || *end || !(r >= 0 && r <= 1)) {
           *e = "must be a number in 0..1";
           return false;
         }
         out->obs.trace_sample = r;
         return true;
       }},
  };

  std::optional<std::string> prompt;
  bool options_done = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (!options_done && a == "--") {
      options_done = true;
      continue;
    }
    if (!options_done && a.size() > 1 && a[0] == '-') {
      if (a == "-h" || a == "--help") return ArgsOutcome::kHelp;
      if (a == "--no-stream") {
        out->no_stream = true;
        continue;
      }
      if (a == "--log-json") {
        out->obs.log_json = true;
        continue;
      }
      if (a == "--json") {
        out->json = true;
        continue;
      }
      std::string name = a, value;
      bool inline_value = false;
      size_t eq = a.find('=');
      if (eq != std::string::npos) {
        name = a.substr(0, eq);
        value = a.substr(eq + 1);
        inline_value = true;
      }
      auto it = with_value.find(name);
      if (it == with_value.end()) {
        *err = "unknown option " + name;
        return ArgsOutcome::kError;
      }
      if (!inline_value) {
        if (i + 1 >= argc) {
          *err = name + " needs a value";
          return ArgsOutcome::kError;
        }
        value = argv[++i];
      }
      std::string why;
      if (!it->second(value, &why)) {
        *err = name + " " + why;
        return ArgsOutcome::kError;
      }
      continue;
    }
    if (prompt) {
      *err = "more than one prompt given (quote the prompt)";
      return ArgsOutcome::kError;
    }
    prompt = a;
  }
  if (!config) {
    *err = "--config is required";
    return ArgsOutcome::kError;
  }
  if (!prompt || prompt->empty()) {
    *err = "no prompt given";
    return ArgsOutcome::kError;
  }
  out->config_path = *config;
  out->prompt = *prompt;
  return ArgsOutcome::kRun;
}

}  // namespace toolorch::cli
