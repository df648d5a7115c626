#include "obs/observability.h"

#include <toolorch/call.h>
#include <toolorch/status.h>

namespace toolorch::obs {

namespace {

enum Op { kLlmRequest = 0, kTtft = 1, kRound = 2, kJob = 3 };
const char *const kStateLabel[4] = {"succeeded", "failed", "cancelled", "timed_out"};
// The same as JSON strings, for a span's attribute (written as they are).
constexpr std::string_view kStateJson[4] = {"\"succeeded\"", "\"failed\"", "\"cancelled\"", "\"timed_out\""};

int state_index(int state) {
  switch (state) {
    case TOOLORCH_CALL_SUCCEEDED: return 0;
    case TOOLORCH_CALL_FAILED: return 1;
    case TOOLORCH_CALL_CANCELLED: return 2;
    default: return 3;
  }
}

// toolorch_speculations_total's outcomes; anything else is "other".
const char *const kSpecOutcomes[6] = {"started", "hit", "cancelled", "wasted", "dropped", "source_failed"};

double seconds(int64_t us) { return static_cast<double>(us) / 1e6; }

const char *error_type(int status);
const char *error_type_or_ok(int status) { return status == TOOLORCH_OK ? "ok" : error_type(status); }

// error.type of a tool call or a job that did not succeed.
const char *error_type(int status) {
  switch (status) {
    case TOOLORCH_ETIMEDOUT: return "timeout";
    case TOOLORCH_ECANCELLED: return "cancelled";
    case TOOLORCH_ECLOSED: return "cancelled";
    case TOOLORCH_EUNKNOWN_TOOL: return "unknown_tool";
    case TOOLORCH_ESCHEMA: return "invalid_arguments";
    case TOOLORCH_EJSON: return "invalid_arguments";
    case TOOLORCH_ETOOBIG: return "too_big";
    case TOOLORCH_ERATELIMITED: return "rate_limited";
    case TOOLORCH_EMAXROUNDS: return "max_rounds";
    case TOOLORCH_EPROVIDER: return "provider_error";
    case TOOLORCH_EHTTP: return "http_error";
    case TOOLORCH_EPROTOCOL: return "protocol_error";
    case TOOLORCH_ETOOL: return "tool_error";
    default: return "error";
  }
}

}  // namespace

Observability::Observability(std::function<int64_t()> clock_now_us) : clock_(std::move(clock_now_us)) {
  using K = MetricKind;
  Registry &r = registry_;
  tools_total_ = r.family(K::kCounter, "toolorch_tools_total", "Tool calls ended, by tool and end state.",
                          {"tool_name", "status"});
  tool_duration_ = r.family(K::kHistogram, "toolorch_tool_duration_seconds",
                            "Running time of a tool call's last attempt.", {"tool_name"});
  tool_wait_ = r.family(K::kHistogram, "toolorch_tool_wait_seconds",
                        "Time a tool call attempt waited for rate-limit permits and a slot.", {"tool_name"});
  duration_ = r.family(K::kHistogram, "toolorch_duration_seconds",
                       "Duration of LLM requests, time to first token, rounds and jobs.", {"operation"});
  parallel_ = r.family(K::kGauge, "toolorch_parallel_executions", "Tool calls running now.", {});
  parallel_max_ = r.family(K::kGauge, "toolorch_parallel_executions_max", "The most tool calls seen running at once.", {});
  rl_hits_ = r.family(K::kCounter, "toolorch_rate_limit_hits_total",
                      "Permit requests a rate limit delayed or refused, by service.", {"service"});
  rl_wait_ = r.family(K::kHistogram, "toolorch_rate_limit_wait_seconds",
                      "Time spent waiting for rate-limit permits, by service.", {"service"});
  rl_current_ = r.family(K::kGauge, "toolorch_rate_limit_current",
                         "Effective calls per second of a service now (the adaptive rate when cut).", {"service"});
  redis_fallbacks_ = r.family(K::kCounter, "toolorch_redis_fallbacks_total",
                              "Rate-limit decisions made locally because Redis failed.", {});
  retries_ = r.family(K::kCounter, "toolorch_retries_total", "Retries, of tool calls and of LLM requests.", {"kind"});
  llm_requests_ = r.family(K::kCounter, "toolorch_llm_requests_total", "LLM request attempts, by provider and outcome.",
                           {"provider", "status"});
  llm_tokens_ = r.family(K::kCounter, "toolorch_llm_tokens_total", "Tokens reported by the provider, by kind.",
                         {"provider", "kind"});
  late_ = r.family(K::kCounter, "toolorch_late_completions_total",
                   "Tool completions that arrived after their call had ended.", {});
  speculations_ = r.family(K::kCounter, "toolorch_speculations_total", "Speculative tool calls, by outcome.",
                           {"outcome"});
  spans_dropped_ = r.family(K::kCounter, "toolorch_trace_spans_dropped_total",
                            "Finished spans dropped: the export queue was full or the collector failed.", {});
  static const char *const kOps[4] = {"llm_request", "llm_time_to_first_token", "round", "job"};
  for (int i = 0; i < 4; ++i) ops_[i] = duration_->with(kOps[i]);
  llm_retries_ = retries_->with("llm");
  for (int i = 0; i < 6; ++i) spec_outcomes_[i] = speculations_->with(kSpecOutcomes[i]);
  retries_->with("tool");
  parallel_->with();
  parallel_max_->with();
  redis_fallbacks_->with();
  late_->with();
  spans_dropped_->with();
}

Observability::~Observability() = default;

void Observability::set_tracer(std::unique_ptr<Tracer> tracer) { tracer_ = std::move(tracer); }

void Observability::add_collector(std::function<void()> fn, bool loop_only) {
  std::lock_guard<std::mutex> lk(collectors_mu_);
  collectors_.emplace_back(std::move(fn), loop_only);
}

std::string Observability::text(bool on_loop) {
  {
    std::lock_guard<std::mutex> lk(collectors_mu_);
    for (auto &[fn, loop_only] : collectors_)
      if (on_loop || !loop_only) fn();
  }
  if (tracer_) spans_dropped_->with()->set(static_cast<double>(tracer_->dropped()));
  return registry_.text();
}

ToolSeries *Observability::tool_series(const std::string &tool_name, bool known_tool) {
  // Tool names are bounded by registration: a name no tool has is "other".
  const std::string &key = known_tool ? tool_name : std::string("other");
  auto it = tools_.find(key);
  if (it != tools_.end()) return it->second.get();
  auto ts = std::make_unique<ToolSeries>();
  for (int i = 0; i < 4; ++i) ts->status[i] = tools_total_->with({key, kStateLabel[i]});
  ts->duration = tool_duration_->with(key);
  ts->wait = tool_wait_->with(key);
  ToolSeries *raw = ts.get();
  tools_.emplace(key, std::move(ts));
  return raw;
}

void Observability::call_started(CallObs &c, const std::string &tool_name, bool known_tool,
                                 const std::string &call_id, int attempt, int64_t now_us) {
  if (!c.series) c.series = tool_series(tool_name, known_tool);
  if (c.waiting_since_us) tool_wait_->observe(c.series->wait, seconds(now_us - c.waiting_since_us));
  // Every call belongs to a job's round or a batch: no sampled parent means
  // its trace was not sampled, not that it starts one of its own.
  if (!tracer_ || !c.parent.valid()) return;
  c.span = tracer_->start("execute_tool ", SpanKind::kInternal, c.parent, now_us, tool_name);
  if (!c.span) return;
  Span &s = *c.span;
  s.set_literal("gen_ai.operation.name", "execute_tool");
  s.set("gen_ai.tool.name", tool_name);
  s.set("gen_ai.tool.call.id", call_id);
  s.set_literal("gen_ai.tool.type", "function");
  s.set("toolorch.tool.attempt", attempt);
  s.set_millis("toolorch.tool.wait_ms", now_us - c.waiting_since_us);
  s.set_millis("toolorch.rate_limit.wait_ms", c.waited_us);
  if (c.spec == CallObs::kHit) {  // taken over before it started
    s.set("toolorch.speculation.hit", true);
    s.set_literal("toolorch.speculation.outcome", "hit");
  }
}

void Observability::call_retrying(CallObs &c, const std::string &error, int64_t now_us) {
  if (logger_.enabled(1)) logger_.log(1, "tool call failed, will retry", {{"error", error}});
  c.waiting_since_us = now_us;
  c.waited_us = 0;
  if (!c.span) return;
  c.span->set_literal("toolorch.tool.status", "retrying");
  c.span->set_literal("error.type", "tool_error");
  c.span->error = true;
  c.span->status_message = error;
  tracer_->finish(std::move(c.span), now_us);
}

void Observability::call_ended(CallObs &c, const std::string &tool_name, bool known_tool, const std::string &call_id,
                               int state, int status,
                               const std::string &error, int attempts, int64_t ran_us, int64_t now_us) {
  if (!c.series) c.series = tool_series(tool_name, known_tool);
  int si = state_index(state);
  c.series->status[si]->add(1);
  if (ran_us >= 0) tool_duration_->observe(c.series->duration, seconds(ran_us));
  int level = state == TOOLORCH_CALL_SUCCEEDED ? 0 : state == TOOLORCH_CALL_CANCELLED ? 0 : 2;
  if (logger_.enabled(level))
    logger_.log(level, state == TOOLORCH_CALL_SUCCEEDED ? "tool call succeeded" : "tool call ended without a result",
                {{"tool", tool_name},
                 {"call_id", call_id},
                 {"state", kStateLabel[si]},
                 {"attempts", std::to_string(attempts)},
                 {"error", state == TOOLORCH_CALL_SUCCEEDED ? "" : error}});
  if (!c.span) return;
  Span &s = *c.span;
  s.set_string_json("toolorch.tool.status", kStateJson[si]);
  s.set("toolorch.tool.attempts", attempts);
  if (state != TOOLORCH_CALL_SUCCEEDED) {
    s.set("error.type", error_type(status));
    s.error = true;
    s.status_message = error;
  }
  if (c.spec == CallObs::kGuess) {  // its fate comes next (Observer::speculation)
    c.ended_us = now_us;
    return;
  }
  tracer_->finish(std::move(c.span), now_us);
}

void Observability::permit_waited(CallObs *c, const std::string &service, int64_t waited_us) {
  rl_wait_->observe(rl_wait_->with(service), seconds(waited_us));
  if (c) c->waited_us += waited_us;
}

void Observability::job_started(JobObs &j, const std::string &name, const std::string &model, int64_t now_us) {
  j.job_start_us = now_us;
  if (logger_.enabled(1)) logger_.log(1, "job started", {{"agent", name}, {"model", model}});
  if (!tracer_) return;
  j.job = tracer_->start("invoke_agent ", SpanKind::kInternal, j.host_parent, now_us, name);
  if (!j.job) return;
  j.job->set_literal("gen_ai.operation.name", "invoke_agent");
  j.job->set("gen_ai.agent.name", name);
  j.job->set("gen_ai.request.model", model);
}

void Observability::round_started(JobObs &j, int round, int64_t now_us) {
  j.round_start_us = now_us;
  if (!j.job) return;
  j.round = tracer_->start("round " + std::to_string(round), SpanKind::kInternal, j.job->ctx, now_us);
  if (j.round) j.round->set("toolorch.round", round);
}

void Observability::round_ended(JobObs &j, int64_t now_us) {
  if (!j.round_start_us) return;
  duration_->observe(ops_[kRound], seconds(now_us - j.round_start_us));
  j.round_start_us = 0;
  if (j.round) tracer_->finish(std::move(j.round), now_us);
}

std::string Observability::llm_attempt_started(JobObs &j, const std::string &provider, const std::string &model,
                                               int attempt, int64_t now_us) {
  j.chat_start_us = now_us;
  j.first_token_seen = false;
  if (!tracer_) return "";
  const Span *parent = j.round ? j.round.get() : j.job.get();
  if (!parent) return "";
  if (j.chat) tracer_->finish(std::move(j.chat), now_us);
  j.chat = tracer_->start("chat ", SpanKind::kClient, parent->ctx, now_us, model);
  if (!j.chat) return "";
  j.chat->set_literal("gen_ai.operation.name", "chat");
  j.chat->set("gen_ai.provider.name", provider);
  j.chat->set("gen_ai.request.model", model);
  j.chat->set("toolorch.llm.attempt", attempt);
  return format_traceparent(j.chat->ctx);
}

void Observability::llm_first_token(JobObs &j, int64_t now_us) {
  if (j.first_token_seen || !j.chat_start_us) return;
  j.first_token_seen = true;
  duration_->observe(ops_[kTtft], seconds(now_us - j.chat_start_us));
  if (j.chat) j.chat->set_millis("toolorch.llm.time_to_first_token_ms", now_us - j.chat_start_us);
}

std::string Observability::fold_provider(const std::string &p) {
  static const char *const kKnown[] = {"openai", "anthropic", "gemini", "openai-responses"};
  for (const char *k : kKnown)
    if (p == k) return p;
  return "other";
}

std::string Observability::fold_outcome(const std::string &o) {
  for (const char *k : kSpecOutcomes)
    if (o == k) return o;
  return "other";
}

std::string Observability::llm_status_label(const LlmAttemptEnd &e) {
  if (e.status == TOOLORCH_OK) return "ok";
  if (e.http_status == 429) return "rate_limited";
  if (e.http_status >= 500) return "server_error";
  if (e.http_status >= 400) return "client_error";
  if (e.status == TOOLORCH_ETIMEDOUT) return "timeout";
  if (e.status == TOOLORCH_EPROTOCOL) return "protocol_error";
  if (e.status == TOOLORCH_ECANCELLED) return "cancelled";
  if (e.status == TOOLORCH_EHTTP) return "transport_error";
  return "error";
}

void Observability::llm_attempt_ended(JobObs &j, const std::string &provider, const LlmAttemptEnd &e, int64_t now_us) {
  std::string p = fold_provider(provider);
  llm_requests_->with({p, llm_status_label(e)})->add(1);
  if (e.status != TOOLORCH_OK && logger_.enabled(2))
    logger_.log(2, "LLM request failed",
                {{"provider", p},
                 {"outcome", llm_status_label(e)},
                 {"http_status", std::to_string(e.http_status)},
                 {"error", e.message}});
  if (j.chat_start_us) duration_->observe(ops_[kLlmRequest], seconds(now_us - j.chat_start_us));
  j.chat_start_us = 0;
  struct {
    const char *kind;
    int64_t n;
  } tokens[] = {{"input", e.input_tokens},
                {"output", e.output_tokens},
                {"cache_read", e.cache_read_tokens},
                {"cache_write", e.cache_write_tokens}};
  for (auto &t : tokens)
    if (t.n > 0) llm_tokens_->with({p, t.kind})->add(static_cast<double>(t.n));
  if (!j.chat) return;
  Span &s = *j.chat;
  if (e.input_tokens >= 0) s.set("gen_ai.usage.input_tokens", e.input_tokens);
  if (e.output_tokens >= 0) s.set("gen_ai.usage.output_tokens", e.output_tokens);
  if (e.cache_read_tokens > 0) s.set("toolorch.usage.cache_read_tokens", e.cache_read_tokens);
  if (e.cache_write_tokens > 0) s.set("toolorch.usage.cache_write_tokens", e.cache_write_tokens);
  if (!e.response_model.empty()) s.set("gen_ai.response.model", e.response_model);
  if (!e.finish_reason.empty()) s.set("toolorch.llm.finish_reason", e.finish_reason);
  if (e.http_status) s.set("http.response.status_code", static_cast<int64_t>(e.http_status));
  if (e.status != TOOLORCH_OK) {
    s.set("error.type", e.error_type.empty() ? llm_status_label(e) : e.error_type);
    s.error = true;
  }
  tracer_->finish(std::move(j.chat), now_us);
}

void Observability::llm_retry() {
  llm_retries_->add(1);
  if (logger_.enabled(1)) logger_.log(1, "LLM request will be retried");
}

void Observability::job_ended(JobObs &j, int status, const std::string &error, int rounds, int64_t now_us) {
  if (j.chat) tracer_->finish(std::move(j.chat), now_us);
  round_ended(j, now_us);
  if (j.job_start_us) duration_->observe(ops_[kJob], seconds(now_us - j.job_start_us));
  int level = status == TOOLORCH_OK ? 1 : 3;
  if (j.job_start_us && logger_.enabled(level))
    logger_.log(level, status == TOOLORCH_OK ? "job finished" : "job failed",
                {{"rounds", std::to_string(rounds)},
                 {"status", error_type_or_ok(status)},
                 {"error", status == TOOLORCH_OK ? "" : error},
                 {"trace_id", j.job ? hex(j.job->ctx.trace_id, 16) : ""}});
  j.job_start_us = 0;
  if (!j.job) return;
  j.job->set("toolorch.job.rounds", rounds);
  if (status != TOOLORCH_OK) {
    j.job->set("error.type", error_type(status));
    j.job->error = true;
    j.job->status_message = error;
  }
  tracer_->finish(std::move(j.job), now_us);
}

TraceContext Observability::job_call_parent(const JobObs &j) const {
  if (j.round) return j.round->ctx;
  if (j.job) return j.job->ctx;
  return TraceContext();
}

void Observability::batch_started(BatchObs &b, size_t calls, int64_t now_us) {
  b.start_us = now_us;
  if (!tracer_) return;
  b.span = tracer_->start("batch", SpanKind::kInternal, TraceContext(), now_us);
  if (b.span) b.span->set("toolorch.batch.calls", static_cast<int64_t>(calls));
}

void Observability::batch_ended(BatchObs &b, int64_t now_us) {
  if (b.span) tracer_->finish(std::move(b.span), now_us);
}

TraceContext Observability::batch_call_parent(const BatchObs &b) const {
  return b.span ? b.span->ctx : TraceContext();
}

void Observability::speculation(const std::string &outcome, CallObs *call, const std::string &real_id,
                                int64_t /*now_us*/) {
  Series *series = nullptr;
  for (int i = 0; i < 6; ++i)
    if (outcome == kSpecOutcomes[i]) series = spec_outcomes_[i];
  (series ? series : speculations_->with("other"))->add(1);
  if (!call || call->spec != CallObs::kGuess || outcome == "started") return;
  bool hit = outcome == "hit";
  call->spec = hit ? CallObs::kHit : CallObs::kNotGuess;
  if (!call->span) return;
  // The guess's (last) span: it says what became of the guess, under the
  // model's call id when one took it over.
  Span &s = *call->span;
  s.set("toolorch.speculation.hit", hit);
  s.set("toolorch.speculation.outcome", outcome);
  if (hit) {
    std::string guess_id(s.string_json("gen_ai.tool.call.id"));
    if (!guess_id.empty()) {
      s.set_string_json("toolorch.speculation.guess_id", guess_id);
      s.replace_string("gen_ai.tool.call.id", real_id);
    }
  }
  if (call->ended_us) {  // it had ended: its span waited for this
    tracer_->finish(std::move(call->span), call->ended_us);
    call->ended_us = 0;
  }
}

}  // namespace toolorch::obs
