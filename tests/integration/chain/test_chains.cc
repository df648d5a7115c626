// Chains through the public C API on a real libevent loop (borrowed mode):
// tools answer from loop timers, a job's model (the scripted LLM server over
// loopback HTTP) calls a chain, and the order of events is what the
// assertions read -- never elapsed time.
#include <cstring>
#include <string>

#include "chain_harness.h"
#include "mock_server.h"

namespace {

using chain_test::contains;
using chain_test::Harness;
using chain_test::kResearchJson;

// Computed arguments: the fact-check step gets the combined text upper-cased.
int upper_args(const char *context_json, toolorch_chain_args *out, void *) {
  cJSON *ctx = cJSON_Parse(context_json);
  const cJSON *combined = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ctx, "results"), "combine");
  if (!cJSON_IsString(combined)) {
    cJSON_Delete(ctx);
    toolorch_chain_args_fail(out, "no combine result");
    return 1;
  }
  std::string text = combined->valuestring;
  for (char &ch : text) ch = (ch >= 'a' && ch <= 'z') ? char(ch - 32) : ch;
  cJSON_Delete(ctx);
  cJSON *args = cJSON_CreateObject();
  cJSON_AddStringToObject(args, "text", text.c_str());
  char *printed = cJSON_PrintUnformatted(args);
  int rc = toolorch_chain_args_set(out, printed);
  cJSON_free(printed);
  cJSON_Delete(args);
  return rc;
}

void seed_shape_built_in_c(void **) {
  Harness h("{\"max_parallel_tools\": 4}");
  h.add_seed_tools();
  toolorch_chain *c = toolorch_chain_new("research");
  assert_non_null(c);
  assert_int_equal(toolorch_chain_set_schema(c, "{\"type\":\"object\",\"required\":[\"city\"]}"), TOOLORCH_OK);
  assert_int_equal(toolorch_chain_begin_parallel(c), TOOLORCH_OK);
  assert_int_equal(toolorch_chain_add_call(c, "s1", "search", "{\"q\":\"${input#/city} weather\"}"), TOOLORCH_OK);
  assert_int_equal(toolorch_chain_add_call(c, "s2", "search", "{\"q\":\"${input#/city} news\"}"), TOOLORCH_OK);
  assert_int_equal(toolorch_chain_add_call(c, "s3", "search", "{\"q\":\"${input#/city} history\"}"), TOOLORCH_OK);
  // Still open: registration refuses it.
  assert_int_equal(toolorch_register_chain(h.ctx, c), TOOLORCH_ESTATE);
  assert_int_equal(toolorch_chain_end(c), TOOLORCH_OK);
  assert_int_equal(toolorch_chain_end(c), TOOLORCH_ESTATE);
  assert_int_equal(toolorch_chain_begin_sequential(c), TOOLORCH_OK);
  assert_int_equal(toolorch_chain_add_call(c, "combine", "combine", "{\"parts\":[\"${s1#/top/q}\",\"${s2#/top/q}\",\"${s3#/n}\"]}"), TOOLORCH_OK);
  assert_int_equal(toolorch_chain_add_call(c, "check", "fact_check", nullptr), TOOLORCH_OK);
  assert_int_equal(toolorch_chain_set_args_fn(c, upper_args, nullptr), TOOLORCH_OK);
  assert_int_equal(toolorch_chain_end(c), TOOLORCH_OK);
  assert_int_equal(toolorch_chain_add_call(c, "summary", "summarise", "{\"text\":\"${check}\"}"), TOOLORCH_OK);
  assert_int_equal(toolorch_chain_set_result(c, "[\"combine\",\"summary\"]"), TOOLORCH_OK);
  assert_int_equal(toolorch_register_chain(h.ctx, c), TOOLORCH_OK);
  assert_int_equal(toolorch_register_chain(h.ctx, c), TOOLORCH_EEXIST);
  toolorch_chain_free(c);

  h.run_batch("research", "{\"city\":\"Oslo\"}", "r1");
  if (h.chain_state != TOOLORCH_CALL_SUCCEEDED) fail_msg("chain: %s", h.chain_text.c_str());
  // The parallel part overlapped: all three searches started before any ended.
  size_t first_end = h.at("ended:r1/s");
  for (const char *s : {"started:r1/s1<r1", "started:r1/s2<r1", "started:r1/s3<r1"}) assert_true(h.at(s) < first_end);
  assert_true(h.at("started:r1/combine<r1") > h.at("ended:r1/s3"));
  assert_true(h.at("started:r1/combine<r1") > h.at("ended:r1/s1"));
  assert_true(h.at("started:r1/check<r1") > h.at("ended:r1/combine"));
  assert_true(h.at("started:r1/summary<r1") > h.at("ended:r1/check"));
  assert_true(h.at("ended:r1/summary") < h.at("ended:r1:"));
  assert_int_equal(h.max_running, 3);
  // The named result: combine's text and the summary of the (computed) check.
  cJSON *res = cJSON_Parse(h.chain_text.c_str());
  assert_non_null(res);
  const cJSON *comb = cJSON_GetObjectItemCaseSensitive(res, "combine");
  const cJSON *sum = cJSON_GetObjectItemCaseSensitive(res, "summary");
  assert_true(cJSON_IsString(comb) && cJSON_IsString(sum));
  assert_string_equal(comb->valuestring, "combine({\"parts\":[\"Oslo weather\",\"Oslo news\",1]})");
  assert_true(contains(sum->valuestring, "summarise({\"text\":\"fact_check({\\\"text\\\":\\\"COMBINE({"));
  assert_true(contains(sum->valuestring, "OSLO WEATHER"));
  cJSON_Delete(res);
  assert_int_equal(toolorch_stat(h.ctx, "running"), 0);
}

void from_options_failing_middle_step_named(void **) {
  Harness h(std::string("{\"chains\": [") + kResearchJson + "]}");
  h.add_seed_tools();
  h.fail_step = "fact_check";
  h.run_batch("research", "{\"city\":\"Oslo\"}", "r1");
  assert_int_equal(h.chain_state, TOOLORCH_CALL_FAILED);
  assert_true(contains(h.chain_text, "chain \"research\": step \"check\" failed: the fact_check service is down"));
  assert_int_equal(h.at("started:r1/summary"), SIZE_MAX);
}

void registration_refusals_name_the_step(void **) {
  Harness h;
  int rc = toolorch_register_chain_json(h.ctx, R"({"name":"c","steps":[{"parallel":[
      {"name":"a","tool":"t","args":{"x":"${b#/y}"}},{"name":"b","tool":"t"}]}]})");
  assert_int_equal(rc, TOOLORCH_ECONFIG);
  assert_true(contains(toolorch_last_error(h.ctx), "step \"a\" refers to step \"b\""));
  rc = toolorch_register_chain_json(h.ctx, R"({"name":"c","steps":[{"name":"a","tool":"t","args":{"x":"${nope}"}}]})");
  assert_int_equal(rc, TOOLORCH_ECONFIG);
  assert_true(contains(toolorch_last_error(h.ctx), "\"nope\""));
  assert_int_equal(toolorch_register_chain_json(h.ctx, "{\"name\":"), TOOLORCH_ECONFIG);
  // The options refuse a bad chain when the context is made, naming it.
  toolorch_opts *o = toolorch_opts_new();
  assert_int_equal(toolorch_opts_from_json(o, R"({"chains":[{"name":"x","steps":[{"name":"a","tool":"t","args":{"v":"${later}"}},{"name":"later","tool":"t"}]}]})"), TOOLORCH_OK);
  int status = 0;
  struct event_base *b2 = event_base_new();
  assert_null(toolorch_new_with_base(b2, o, &status));
  assert_int_equal(status, TOOLORCH_ECONFIG);
  assert_true(contains(toolorch_last_error(nullptr), "option \"chains\""));
  assert_true(contains(toolorch_last_error(nullptr), "\"later\""));
  toolorch_opts_free(o);
  event_base_free(b2);
  assert_int_equal(toolorch_opts_from_json(o = toolorch_opts_new(), "{\"chains\": {}}"), TOOLORCH_ECONFIG);
  toolorch_opts_free(o);
}

void missing_field_at_run_time(void **) {
  std::string def = kResearchJson;
  def.replace(def.find("${s2#/top/q}"), 12, "${s2#/top/zz}");
  Harness h;
  h.add_seed_tools();
  assert_int_equal(toolorch_register_chain_json(h.ctx, def.c_str()), TOOLORCH_OK);
  h.run_batch("research", "{\"city\":\"Oslo\"}", "r1");
  assert_int_equal(h.chain_state, TOOLORCH_CALL_FAILED);
  assert_true(contains(h.chain_text, "step \"combine\""));
  assert_true(contains(h.chain_text, "missing field /top/zz in the result of step \"s2\""));
  assert_int_equal(h.at("started:r1/combine"), SIZE_MAX);
}

void cancel_mid_chain(void **) {
  Harness h;
  h.add_seed_tools();
  assert_int_equal(toolorch_register_chain_json(h.ctx, kResearchJson), TOOLORCH_OK);
  // Cancel the batch as soon as the first search ends: the two still
  // running are cancelled (their tools told), nothing later starts.
  h.cancel_after_end = "r1/s1";
  h.run_batch("research", "{\"city\":\"Oslo\"}", "r1");
  assert_int_equal(h.chain_state, TOOLORCH_CALL_CANCELLED);
  assert_int_equal(h.cancels, 2);
  assert_true(h.at("cancelled:r1/s2") != SIZE_MAX);
  assert_true(h.at("cancelled:r1/s3") != SIZE_MAX);
  assert_true(h.at("ended:r1/s2:cancelled") < h.at("ended:r1:cancelled"));
  assert_int_equal(h.at("started:r1/combine"), SIZE_MAX);
  assert_int_equal(toolorch_stat(h.ctx, "running"), 0);
}

void caps_inside_chains(void **) {
  Harness h;
  h.add_seed_tools(/*search_cap=*/1);
  assert_int_equal(toolorch_register_chain_json(h.ctx, kResearchJson), TOOLORCH_OK);
  h.run_batch("research", "{\"city\":\"Oslo\"}", "r1");
  assert_int_equal(h.chain_state, TOOLORCH_CALL_SUCCEEDED);
  assert_int_equal(h.max_running, 1);
  // One search at a time: each started after the one before ended.
  assert_true(h.at("started:r1/s2") > h.at("ended:r1/s1"));
  assert_true(h.at("started:r1/s3") > h.at("ended:r1/s2"));
}

void model_calls_a_chain_in_a_job(void **) {
  toolorch::mockllm::Options mo;
  mo.script_json = R"({"rounds":[
      {"text":"Researching.","tool_calls":[{"name":"research","arguments":{"city":"Oslo"}}]},
      {"text":"Answer: {tool_results}"}]})";
  std::string err;
  auto server = toolorch::mockllm::Server::start(mo, &err);
  if (!server) fail_msg("mock server: %s", err.c_str());
  Harness h(std::string("{\"llm\": {\"protocol\": \"openai\", \"base_url\": \"") + server->url() +
            "\", \"api_key\": \"sk-test\", \"model\": \"mock\"}, \"chains\": [" + kResearchJson + "]}");
  h.add_seed_tools();
  int status = 0;
  toolorch_job *job = toolorch_job_start(h.ctx, R"({"prompt":"weather in Oslo?","stream":true})", &h, &status);
  if (!job) fail_msg("job: %s", toolorch_last_error(h.ctx));
  timeval guard{30, 0};
  event_base_loopexit(h.base, &guard);
  event_base_dispatch(h.base);
  assert_true(h.job_done);
  assert_int_equal(h.job_status, TOOLORCH_OK);
  // The model's call ran the chain; its steps were children of that call,
  // and the answer carries the chain's result (the summary).
  assert_true(contains(h.job_text, "Answer: summarise("));
  std::string chain_id;
  for (auto &l : h.log)
    if (l.rfind("started:", 0) == 0 && l.find("/s1<") != std::string::npos) chain_id = l.substr(l.find('<') + 1);
  assert_false(chain_id.empty());
  assert_true(h.at("started:" + chain_id + "/summary<" + chain_id) < h.at("ended:" + chain_id + ":succeeded"));
  toolorch_job_free(job);
  event_base_loop(h.base, EVLOOP_NONBLOCK);
  assert_true(server->stats_json().find("\"tool_results_seen\":1") != std::string::npos);
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(seed_shape_built_in_c),
      cmocka_unit_test(from_options_failing_middle_step_named),
      cmocka_unit_test(registration_refusals_name_the_step),
      cmocka_unit_test(missing_field_at_run_time),
      cmocka_unit_test(cancel_mid_chain),
      cmocka_unit_test(caps_inside_chains),
      cmocka_unit_test(model_calls_a_chain_in_a_job),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
