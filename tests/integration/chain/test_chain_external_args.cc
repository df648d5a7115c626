// A chain step whose arguments the host computes (toolorch_chain_set_args_external),
// through the public C API on a real libevent loop: the request comes out as
// a CHAIN_ARGS event and is answered later, from a loop timer (borrowed
// mode) or from another thread (owned mode, as the bindings do), as an
// external tool's call would be. What the bindings' closures rest on.
#include <cstring>
#include <string>
#include <thread>

#include "chain_harness.h"

namespace {

using chain_test::contains;
using chain_test::Harness;

// search, then combine (external arguments), then summarise the combination.
const char *kChainJson = R"({"name":"research","parameters":{"type":"object","required":["city"]},
  "steps":[{"name":"s1","tool":"search","args":{"q":"${input#/city} weather"}},
           {"name":"combine","tool":"combine"},
           {"name":"summary","tool":"summarise","args":{"text":"${combine}"}}]})";

void register_external(Harness &h) {
  toolorch_chain *c = toolorch_chain_new_json(kChainJson);
  assert_non_null(c);
  assert_string_equal(toolorch_chain_name(c), "research");
  assert_int_equal(toolorch_chain_set_args_external(c, "nope"), TOOLORCH_ECONFIG);
  assert_true(contains(toolorch_last_error(nullptr), "no call step named \"nope\""));
  assert_int_equal(toolorch_chain_set_args_external(c, nullptr), TOOLORCH_ESTATE);  // none added by the builder
  assert_int_equal(toolorch_chain_set_args_external(c, "combine"), TOOLORCH_OK);
  assert_int_equal(toolorch_register_chain(h.ctx, c), TOOLORCH_OK);
  toolorch_chain_free(c);
}

// What one CHAIN_ARGS event said.
struct Asked {
  toolorch_call *request = nullptr;
  std::string chain, step, call_id, parent, context;
  int count = 0;
  toolorch_call *cancelled = nullptr;  // the handle a TOOL_CANCELLED named
  int cancelled_status = 0;
};

void record(Harness &h, Asked &a, const toolorch_event *ev) {
  if (toolorch_event_type_of(ev) == TOOLORCH_EVENT_TOOL_CANCELLED) {
    a.cancelled = toolorch_event_call(ev);
    a.cancelled_status = toolorch_event_status(ev);
    return;
  }
  if (toolorch_event_type_of(ev) != TOOLORCH_EVENT_CHAIN_ARGS) return;
  a.count++;
  a.request = toolorch_event_call(ev);
  a.chain = toolorch_event_tool_name(ev);
  a.step = toolorch_event_text(ev);
  a.call_id = toolorch_event_call_id(ev);
  a.parent = toolorch_event_parent_call_id(ev);
  a.context = toolorch_event_json(ev);
  h.log.push_back("args:" + a.call_id);
}

// The arguments a closure would compute: s1's top query upper-cased, and the city.
std::string computed_args(const std::string &context) {
  cJSON *ctx = cJSON_Parse(context.c_str());
  const cJSON *input = cJSON_GetObjectItemCaseSensitive(ctx, "input");
  const cJSON *s1 = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ctx, "results"), "s1");
  if (!cJSON_IsString(s1)) fail_msg("no s1 result in the context: %s", context.c_str());
  cJSON *res = cJSON_Parse(s1->valuestring);
  std::string q = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(res, "top"), "q")->valuestring;
  for (char &ch : q) ch = (ch >= 'a' && ch <= 'z') ? char(ch - 32) : ch;
  std::string args = "{\"parts\":[\"" + q + "\"],\"city\":\"" +
                     cJSON_GetObjectItemCaseSensitive(input, "city")->valuestring + "\"}";
  cJSON_Delete(res);
  cJSON_Delete(ctx);
  return args;
}

// Answer a request from a loop timer, twice: the second answer, made while
// the chain still runs (so the handle is still valid), is refused.
struct TwoAnswers {
  toolorch_call *request = nullptr;
  std::string args;
  int first = 1, second = 1;
  static void fire(evutil_socket_t, short, void *ud) {
    auto *t = static_cast<TwoAnswers *>(ud);
    t->first = toolorch_call_complete(t->request, t->args.c_str());
    t->second = toolorch_call_complete(t->request, "{}");
  }
};

void args_computed_from_earlier_results(void **) {
  Harness h;
  h.add_seed_tools();
  register_external(h);
  Asked a;
  TwoAnswers answers;
  struct event *timer = evtimer_new(h.base, TwoAnswers::fire, &answers);
  h.on_other = [&](const toolorch_event *ev) {
    record(h, a, ev);
    if (toolorch_event_type_of(ev) != TOOLORCH_EVENT_CHAIN_ARGS) return;
    answers.request = a.request;
    answers.args = computed_args(a.context);
    timeval tv{0, 2000};
    evtimer_add(timer, &tv);
  };
  h.run_batch("research", "{\"city\":\"Oslo\"}", "r1");
  event_free(timer);
  assert_int_equal(answers.first, TOOLORCH_OK);
  assert_int_equal(answers.second, TOOLORCH_EALREADY);
  if (h.chain_state != TOOLORCH_CALL_SUCCEEDED) fail_msg("chain: %s", h.chain_text.c_str());
  assert_int_equal(a.count, 1);
  assert_string_equal(a.chain.c_str(), "research");
  assert_string_equal(a.step.c_str(), "combine");
  assert_string_equal(a.call_id.c_str(), "r1/combine");
  assert_string_equal(a.parent.c_str(), "r1");
  assert_true(contains(a.context, "\"input\":{\"city\":\"Oslo\"}"));
  // The tool got the computed arguments; the next step saw its result.
  assert_true(contains(h.chain_text, "summarise({\"text\":\"combine({\\\"parts\\\":[\\\"OSLO WEATHER\\\"],\\\"city\\\":\\\"Oslo\\\"})\"})"));
  // Asked after s1 ended, before combine started; the request itself is no call of the stream.
  assert_true(h.at("args:r1/combine") > h.at("ended:r1/s1"));
  assert_true(h.at("args:r1/combine") < h.at("started:r1/combine<r1"));
  assert_int_equal(std::count(h.log.begin(), h.log.end(), std::string("started:r1/combine<r1")), 1);
  assert_int_equal(toolorch_stat(h.ctx, "calls_started"), 4);  // the chain, s1, combine, summary
  assert_int_equal(toolorch_stat(h.ctx, "late_completions"), 0);
}

void failed_answer_fails_the_chain_naming_the_step(void **) {
  Harness h;
  h.add_seed_tools();
  register_external(h);
  Asked a;
  h.on_other = [&](const toolorch_event *ev) {
    record(h, a, ev);
    if (toolorch_event_type_of(ev) == TOOLORCH_EVENT_CHAIN_ARGS) h.answer_later(a.request, "no parts to combine", true);
  };
  h.run_batch("research", "{\"city\":\"Oslo\"}", "r1");
  assert_int_equal(h.chain_state, TOOLORCH_CALL_FAILED);
  assert_true(contains(h.chain_text, "chain \"research\": step \"combine\" failed: no parts to combine"));
  assert_int_equal(h.at("started:r1/combine"), SIZE_MAX);
  assert_int_equal(h.at("started:r1/summary"), SIZE_MAX);
}

void cancelled_while_waiting_for_args(void **) {
  Harness h;
  h.add_seed_tools();
  register_external(h);
  Asked a;
  struct event *cancel_timer = evtimer_new(
      h.base, [](evutil_socket_t, short, void *ud) { toolorch_batch_cancel(static_cast<Harness *>(ud)->batch); }, &h);
  h.on_other = [&](const toolorch_event *ev) {
    record(h, a, ev);
    if (toolorch_event_type_of(ev) != TOOLORCH_EVENT_CHAIN_ARGS) return;
    timeval tv{0, 5000};  // the host is still computing when the batch is cancelled
    evtimer_add(cancel_timer, &tv);
  };
  h.run_batch("research", "{\"city\":\"Oslo\"}", "r1");
  event_free(cancel_timer);
  assert_int_equal(h.chain_state, TOOLORCH_CALL_CANCELLED);
  // The request was told (TOOL_CANCELLED, the same handle) and its answer is late.
  assert_ptr_equal(a.cancelled, a.request);
  assert_int_equal(a.cancelled_status, TOOLORCH_ECANCELLED);
  assert_int_equal(toolorch_call_get_state(a.request), TOOLORCH_CALL_CANCELLED);
  assert_int_equal(toolorch_call_complete(a.request, computed_args(a.context).c_str()), TOOLORCH_ELATE);
  assert_int_equal(h.at("started:r1/combine"), SIZE_MAX);
  assert_int_equal(toolorch_stat(h.ctx, "running"), 0);
}

void freed_with_unanswered_requests(void **) {
  // Two chain calls wait for their arguments when the batch is freed: one
  // is answered afterwards (ELATE, released), the other never (released
  // with the context; ASan builds check nothing leaks).
  Harness h;
  h.add_seed_tools();
  register_external(h);
  std::vector<toolorch_call *> requests;
  h.on_other = [&](const toolorch_event *ev) {
    if (toolorch_event_type_of(ev) != TOOLORCH_EVENT_CHAIN_ARGS) return;
    requests.push_back(toolorch_event_call(ev));
    if (requests.size() == 2) event_base_loopbreak(h.base);
  };
  h.batch = toolorch_batch_new(h.ctx, &h);
  assert_int_equal(toolorch_batch_add(h.batch, "research", "{\"city\":\"Oslo\"}", "r1"), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_add(h.batch, "research", "{\"city\":\"Bergen\"}", "r2"), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_submit(h.batch), TOOLORCH_OK);
  timeval guard{30, 0};
  event_base_loopexit(h.base, &guard);
  event_base_dispatch(h.base);
  assert_int_equal(requests.size(), 2);
  toolorch_batch_free(h.batch);
  h.batch = nullptr;
  assert_int_equal(toolorch_call_complete(requests[1], "{\"parts\":[]}"), TOOLORCH_ELATE);
  assert_int_equal(toolorch_stat(h.ctx, "running"), 0);
}

// Owned mode, as the bindings drive it: the request comes out of the queue
// and is answered from another thread; the (external) tool's call too.
void answered_from_another_thread(void **) {
  toolorch_opts *o = toolorch_opts_new();
  int status = 0;
  toolorch_ctx *ctx = toolorch_new(o, &status);
  toolorch_opts_free(o);
  assert_non_null(ctx);
  toolorch_tool *t = toolorch_tool_new("echo");  // no fn: external, a TOOL_CALL event
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);
  toolorch_chain *c = toolorch_chain_new_json(R"({"name":"c","steps":[{"name":"e","tool":"echo"}]})");
  assert_int_equal(toolorch_chain_set_args_external(c, "e"), TOOLORCH_OK);
  assert_int_equal(toolorch_register_chain(ctx, c), TOOLORCH_OK);
  toolorch_chain_free(c);
  toolorch_batch *b = toolorch_batch_new(ctx, nullptr);
  assert_int_equal(toolorch_batch_add(b, "c", "{\"w\":\"x\"}", "c1"), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  std::vector<std::thread> answerers;
  std::string chain_text;
  int chain_state = -1, answer_rc = 1;
  for (;;) {
    toolorch_event *ev = nullptr;
    assert_int_equal(toolorch_next_event(ctx, 10000, &ev), TOOLORCH_OK);
    int type = toolorch_event_type_of(ev);
    if (type == TOOLORCH_EVENT_CHAIN_ARGS) {
      toolorch_call *req = toolorch_event_call(ev);
      answerers.emplace_back([req, &answer_rc] { answer_rc = toolorch_call_complete(req, "{\"w\":\"from a thread\"}"); });
    } else if (type == TOOLORCH_EVENT_TOOL_CALL) {
      std::string args = toolorch_event_json(ev);
      toolorch_call *call = toolorch_event_call(ev);
      answerers.emplace_back([call, args] { toolorch_call_complete(call, ("echo " + args).c_str()); });
    } else if (type == TOOLORCH_EVENT_CALL_RESULT && std::string(toolorch_event_call_id(ev)) == "c1") {
      chain_text = toolorch_event_text(ev);
      chain_state = toolorch_event_call_state(ev);
    }
    toolorch_event_free(ev);
    if (type == TOOLORCH_EVENT_BATCH_DONE) break;
  }
  for (auto &th : answerers) th.join();
  assert_int_equal(answer_rc, TOOLORCH_OK);
  assert_int_equal(chain_state, TOOLORCH_CALL_SUCCEEDED);
  assert_string_equal(chain_text.c_str(), "echo {\"w\":\"from a thread\"}");
  toolorch_batch_free(b);
  toolorch_free(ctx);
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(args_computed_from_earlier_results),
      cmocka_unit_test(failed_answer_fails_the_chain_naming_the_step),
      cmocka_unit_test(cancelled_while_waiting_for_args),
      cmocka_unit_test(freed_with_unanswered_requests),
      cmocka_unit_test(answered_from_another_thread),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
