// Nothing secret leaves through observability: an authenticated run (an API
// key for the LLM, an Authorization header on an HTTP tool), with failures
// (an LLM 500 and a 400, a tool answering 500, a tool failing), and every log
// line, every exported span and the metrics text are searched for the key.
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include <toolorch/toolorch.h>

#include "cmocka_cpp.h"
#include "mock_server.h"
#include "obs_util.h"
#include "test_http_server.h"

using toolorch::test::HttpBehaviour;
using toolorch::test::TestHttpServer;

namespace {

const char kKey[] = "sk-test-SECRET-9f8e7d6c5b4a";

struct Logs {
  std::mutex mu;
  std::vector<std::string> lines;
  int errors = 0;
};

void on_log(int level, const char *message, const char *const *keys, const char *const *values, size_t n, void *ud) {
  auto *logs = static_cast<Logs *>(ud);
  std::string line = std::string(toolorch_log_level_name(level)) + " " + message;
  for (size_t i = 0; i < n; ++i) line += std::string(" ") + keys[i] + "=" + values[i];
  std::lock_guard<std::mutex> lk(logs->mu);
  logs->lines.push_back(line);
  if (level >= TOOLORCH_LOG_WARN) logs->errors++;
}

void failing_tool(toolorch_call *call, const char *, void *) { toolorch_call_fail(call, "no luck"); }

int run_job(toolorch_ctx *ctx, const char *request) {
  int status = 0;
  toolorch_job *job = toolorch_job_start(ctx, request, nullptr, &status);
  assert_non_null(job);
  int done = 1;
  for (;;) {
    toolorch_event *ev = nullptr;
    assert_int_equal(toolorch_next_event(ctx, 20000, &ev), TOOLORCH_OK);
    int type = toolorch_event_type_of(ev);
    if (type == TOOLORCH_EVENT_JOB_DONE) done = toolorch_event_status(ev);
    toolorch_event_free(ev);
    if (type == TOOLORCH_EVENT_JOB_DONE) break;
  }
  toolorch_job_free(job);
  return done;
}

}  // namespace

static void the_key_is_never_logged_traced_or_exported(void **) {
  TestHttpServer side;  // the OTLP collector and the HTTP tool's endpoint
  side.set("/v1/traces", HttpBehaviour::fixed(200, "{}"));
  side.set("/tool", HttpBehaviour::fixed(500, "upstream broke"));
  assert_true(side.start());
  toolorch::mockllm::Options mo;
  mo.script_json =
      "{\"rounds\": [{\"text\": \"t\", \"tool_calls\": [{\"name\": \"web\"}, {\"name\": \"broken\"}]},"
      " {\"text\": \"done\"}], \"faults\": [{\"round\": 1, \"kind\": \"http_500\", \"times\": 1}]}";
  std::string err;
  auto llm = toolorch::mockllm::Server::start(mo, &err);
  assert_non_null(llm.get());
  std::string json = std::string("{\"llm\": {\"protocol\": \"anthropic\", \"base_url\": \"") + llm->url() +
                     "\", \"api_key\": \"" + kKey + "\", \"model\": \"m\"}, \"observability\": {\"otlp_endpoint\": \"" +
                     side.url("") + "\", \"otlp_flush_ms\": 10, \"metrics_listen\": \"127.0.0.1:0\"}}";
  toolorch_opts *o = toolorch_opts_new();
  assert_int_equal(toolorch_opts_from_json(o, json.c_str()), TOOLORCH_OK);
  toolorch_ctx *ctx = toolorch_new(o, nullptr);
  toolorch_opts_free(o);
  assert_non_null(ctx);
  Logs logs;
  assert_int_equal(toolorch_set_log_fn(ctx, on_log, &logs, TOOLORCH_LOG_DEBUG), TOOLORCH_OK);
  toolorch_tool *web = toolorch_tool_new("web");
  toolorch_tool_set_http(web, side.url("/tool").c_str());
  toolorch_tool_add_http_header(web, (std::string("Authorization: Bearer ") + kKey).c_str());
  assert_int_equal(toolorch_register_tool(ctx, web), TOOLORCH_OK);
  toolorch_tool_free(web);
  toolorch_tool *broken = toolorch_tool_new("broken");
  toolorch_tool_set_fn(broken, failing_tool, nullptr);
  assert_int_equal(toolorch_register_tool(ctx, broken), TOOLORCH_OK);
  toolorch_tool_free(broken);

  assert_int_equal(run_job(ctx, "{\"prompt\": \"hi\", \"llm_backoff_base_ms\": 5}"), TOOLORCH_OK);
  // A job the provider refuses outright.
  std::string bad_script = "{\"rounds\": [{\"text\": \"x\"}], \"faults\": [{\"kind\": \"http_400\", \"message\": \"bad model\"}]}";
  assert_true(llm->load_script(bad_script, &err));
  assert_int_not_equal(run_job(ctx, "{\"prompt\": \"hi\"}"), TOOLORCH_OK);

  long status = 0;
  std::string scraped =
      obs_test::http_get("http://127.0.0.1:" + std::to_string(toolorch_metrics_port(ctx)) + "/metrics", &status);
  assert_int_equal(status, 200);
  char *text = toolorch_metrics_text(ctx);
  std::string metrics = text;
  free(text);
  toolorch_free(ctx);

  // What the tool endpoint saw did carry the key: the test is not vacuous.
  bool tool_saw_key = false;
  std::string exported;
  for (const auto &r : side.requests()) {
    if (r.path == "/tool") {
      const std::string *auth = r.header("Authorization");
      tool_saw_key = tool_saw_key || (auth && auth->find(kKey) != std::string::npos);
    }
    if (r.path == "/v1/traces") exported += r.body;
  }
  assert_true(tool_saw_key);
  assert_true(exported.find("execute_tool web") != std::string::npos);
  assert_true(exported.find("\"code\":2") != std::string::npos);  // failures were exported
  assert_null(strstr(exported.c_str(), kKey));
  assert_null(strstr(exported.c_str(), "SECRET"));
  assert_null(strstr(metrics.c_str(), "SECRET"));
  assert_null(strstr(scraped.c_str(), "SECRET"));
  std::lock_guard<std::mutex> lk(logs.mu);
  assert_true(logs.lines.size() >= 6);
  assert_true(logs.errors >= 2);  // the 500, the 400, the failed job
  bool saw_failed_job = false;
  for (const std::string &line : logs.lines) {
    if (line.find("SECRET") != std::string::npos) fail_msg("the key is in a log line: %s", line.c_str());
    saw_failed_job = saw_failed_job || line.find("job failed") != std::string::npos;
  }
  assert_true(saw_failed_job);
}

int main(void) {
  curl_global_init(CURL_GLOBAL_ALL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_key_is_never_logged_traced_or_exported),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
