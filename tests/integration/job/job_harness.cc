#include "job_harness.h"

#include <cjson/cJSON.h>

#include <algorithm>
#include <cstring>

namespace toolorch::test {
namespace {

void on_event(const toolorch_event *ev, void *ud) {
  auto *h = static_cast<JobHarness *>(ud);
  JobRun *r = h->current_;
  if (!r) return;
  switch (toolorch_event_type_of(ev)) {
    case TOOLORCH_EVENT_LLM_TOOL_CALL:
      r->log.push_back(std::string("llm:") + toolorch_event_call_id(ev));
      break;
    case TOOLORCH_EVENT_CALL_RESULT:
      r->log.push_back(std::string("result:") + toolorch_event_call_id(ev) + ":" +
                       toolorch_call_state_name(toolorch_event_call_state(ev)));
      if (toolorch_event_speculation(ev)) r->taken_over[toolorch_event_speculation(ev)]++;
      break;
    case TOOLORCH_EVENT_SPECULATION:
      r->spec.push_back(std::to_string(toolorch_event_speculation(ev)) + ":" + toolorch_event_tool_name(ev) + ":" +
                        toolorch_event_text(ev));
      break;
    case TOOLORCH_EVENT_TEXT_DELTA:
      r->deltas++;
      break;
    case TOOLORCH_EVENT_ROUND_DONE:
      r->rounds++;
      break;
    case TOOLORCH_EVENT_JOB_DONE:
      r->done_status = toolorch_event_status(ev);
      r->done_text = toolorch_event_text(ev);
      r->transcript = toolorch_event_json(ev);
      r->spec_json = toolorch_event_speculation_json(ev);
      r->input_tokens = toolorch_event_input_tokens(ev);
      r->output_tokens = toolorch_event_output_tokens(ev);
      h->finished_ = true;
      event_base_loopbreak(h->base_);
      break;
    default:
      break;
  }
}

void release_parked(evutil_socket_t, short, void *ud) {
  auto *h = static_cast<JobHarness *>(ud);
  std::vector<toolorch_call *> calls;
  calls.swap(h->parked_);
  for (toolorch_call *c : calls) {
    std::string out = std::string("ok:") + toolorch_call_args(c);
    toolorch_call_complete(c, out.c_str());
  }
}

void fetch_tool(toolorch_call *call, const char *, void *ud) {
  auto *h = static_cast<JobHarness *>(ud);
  if (h->current_) h->current_->log.push_back(std::string("tool:") + toolorch_call_id(call));
  h->parked_.push_back(call);
  if (static_cast<int>(h->parked_.size()) >= h->release_at_) {
    timeval now{0, 0};
    event_add(h->release_ev_, &now);  // answer on the next pass, not inside the dispatch
  }
}

void write_tool(toolorch_call *call, const char *args, void *ud) {
  auto *h = static_cast<JobHarness *>(ud);
  if (h->current_) h->current_->log.push_back(std::string("tool:") + toolorch_call_id(call));
  std::string out = std::string("written:") + args;
  toolorch_call_complete(call, out.c_str());
}

}  // namespace

JobHarness::JobHarness(const std::string &script, const std::string &protocol, const std::string &extra_options,
                       const std::string &llm_extra) {
  mockllm::Options mo;
  mo.script_json = script;
  std::string err;
  server_ = mockllm::Server::start(mo, &err);
  if (!server_) fail_msg("mock server: %s", err.c_str());
  base_ = event_base_new();
  release_ev_ = event_new(base_, -1, 0, release_parked, this);
  toolorch_opts *o = toolorch_opts_new();
  std::string json = "{\"max_parallel_tools\": 200, \"tool_timeout_ms\": 20000, \"llm\": {\"protocol\": \"" +
                     protocol + "\", \"base_url\": \"" + server_->url() +
                     "\", \"api_key\": \"sk-test-secret\", \"model\": \"mock-model\"" + llm_extra + "}" + extra_options + "}";
  if (toolorch_opts_from_json(o, json.c_str()) != TOOLORCH_OK) fail_msg("options: %s", toolorch_opts_last_error(o));
  int status = 0;
  ctx_ = toolorch_new_with_base(base_, o, &status);
  toolorch_opts_free(o);
  if (!ctx_) fail_msg("toolorch_new_with_base: %s", toolorch_last_error(nullptr));
  toolorch_set_event_fn(ctx_, on_event, this);
}

JobHarness::~JobHarness() {
  toolorch_free(ctx_);
  event_free(release_ev_);
  event_base_free(base_);
  server_.reset();
}

void JobHarness::add_tools(int release_at) {
  release_at_ = release_at;
  toolorch_tool *t = toolorch_tool_new("fetch");
  toolorch_tool_set_schema(t, "{\"type\":\"object\",\"properties\":{\"i\":{\"type\":\"string\"}}}");
  toolorch_tool_set_flags(t, TOOLORCH_TOOL_SIDE_EFFECT_FREE);
  toolorch_tool_set_fn(t, fetch_tool, this);
  assert_int_equal(toolorch_register_tool(ctx_, t), TOOLORCH_OK);
  toolorch_tool_free(t);
  t = toolorch_tool_new("write");
  toolorch_tool_set_fn(t, write_tool, this);
  assert_int_equal(toolorch_register_tool(ctx_, t), TOOLORCH_OK);
  toolorch_tool_free(t);
}

JobRun JobHarness::run(const std::string &request) {
  JobRun r;
  current_ = &r;
  finished_ = false;
  int status = 0;
  toolorch_job *job = toolorch_job_start(ctx_, request.c_str(), nullptr, &status);
  if (!job) fail_msg("toolorch_job_start: %s: %s", toolorch_strerror(status), toolorch_last_error(ctx_));
  timeval guard{30, 0};
  event_base_loopexit(base_, &guard);
  event_base_dispatch(base_);
  if (!finished_) fail_msg("the job did not end within 30 s");
  toolorch_job_free(job);
  // Let the deferred free run.
  event_base_loop(base_, EVLOOP_NONBLOCK);
  current_ = nullptr;
  return r;
}

long JobHarness::round_requests(int round) const {
  std::string s = server_->stats_json();
  cJSON *doc = cJSON_Parse(s.c_str());
  const cJSON *v = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "round_requests"), round);
  long out = cJSON_IsNumber(v) ? static_cast<long>(v->valuedouble) : -1;
  cJSON_Delete(doc);
  return out;
}

long JobHarness::server_stat(const char *key) const {
  std::string s = server_->stats_json();
  cJSON *doc = cJSON_Parse(s.c_str());
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, key);
  long out = cJSON_IsNumber(v) ? static_cast<long>(v->valuedouble) : -1;
  cJSON_Delete(doc);
  return out;
}

size_t JobRun::pos(const std::string &entry) const {
  auto it = std::find(log.begin(), log.end(), entry);
  if (it == log.end()) fail_msg("no \"%s\" in the log", entry.c_str());
  return static_cast<size_t>(it - log.begin());
}

std::string JobRun::nth(const std::string &prefix, int n) const {
  for (const std::string &e : log)
    if (e.compare(0, prefix.size(), prefix) == 0 && n-- == 0) return e.substr(prefix.size());
  fail_msg("no %s entry", prefix.c_str());
  return "";
}

std::string job_request(bool stream, const std::string &extra) {
  return std::string("{\"prompt\": \"fan out\", \"stream\": ") + (stream ? "true" : "false") +
         ", \"llm_backoff_base_ms\": 10" + extra + "}";
}

std::string script_with_faults(const std::string &faults) {
  return "{\"rounds\": [{\"tool_calls\": [{\"name\": \"fetch\", \"arguments\": {\"i\": \"0\"}}, "
         "{\"name\": \"fetch\", \"arguments\": {\"i\": \"1\"}}, {\"name\": \"fetch\", \"arguments\": {\"i\": \"2\"}}]}, "
         "{\"text\": \"answer: {tool_results}\"}], \"chunk_gap_ms\": 1, \"faults\": [" +
         faults + "]}";
}

JobRun run_with_faults(const std::string &faults, const char *protocol, bool stream,
                       std::unique_ptr<JobHarness> *keep) {
  auto h = std::make_unique<JobHarness>(script_with_faults(faults), protocol);
  h->add_tools(1);
  JobRun r = h->run(job_request(stream));
  if (keep) *keep = std::move(h);
  return r;
}

void expect_clean_results(const JobHarness &h, long seen) {
  assert_int_equal(h.server_stat("tool_results_seen"), seen);
  assert_int_equal(h.server_stat("unknown_result_ids"), 0);
  assert_int_equal(h.server_stat("missing_results"), 0);
  assert_int_equal(h.server_stat("duplicate_results"), 0);
  assert_int_equal(h.server_stat("signature_mismatches"), 0);
}

OwnedJob::OwnedJob(const std::string &script, const char *external_tool) {
  mockllm::Options mo;
  mo.script_json = script;
  std::string err;
  server_ = mockllm::Server::start(mo, &err);
  if (!server_) fail_msg("mock server: %s", err.c_str());
  std::string json = "{\"llm\": {\"protocol\": \"openai\", \"base_url\": \"" + server_->url() +
                     "\", \"api_key\": \"sk-test\", \"model\": \"mock-model\"}}";
  toolorch_opts *o = toolorch_opts_new();
  assert_int_equal(toolorch_opts_from_json(o, json.c_str()), TOOLORCH_OK);
  ctx_ = toolorch_new(o, nullptr);
  toolorch_opts_free(o);
  assert_non_null(ctx_);
  toolorch_tool *t = toolorch_tool_new(external_tool);
  assert_int_equal(toolorch_register_tool(ctx_, t), TOOLORCH_OK);
  toolorch_tool_free(t);
}

OwnedJob::~OwnedJob() { toolorch_free(ctx_); }

toolorch_event *OwnedJob::next_event() {
  toolorch_event *ev = nullptr;
  assert_int_equal(toolorch_next_event(ctx_, 10000, &ev), TOOLORCH_OK);
  return ev;
}

}  // namespace toolorch::test
