// The harness of the chain integration tests: a context in borrowed mode on
// a real libevent loop, tools answering from loop timers, and a log of the
// events in the order they came (what the assertions read).
#pragma once

#include <cjson/cJSON.h>
#include <event2/event.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <toolorch/toolorch.h>
#include <toolorch/toolorch_libevent.h>

#include "cmocka_cpp.h"

namespace chain_test {

inline bool contains(const std::string &s, const char *part) { return s.find(part) != std::string::npos; }

struct Harness;

// A call answered later from a loop timer (the tool runs on the loop).
struct Pending {
  Harness *h;
  toolorch_call *call;
  std::string result;
  bool fail;
  struct event *ev;
};

struct Harness {
  struct event_base *base = event_base_new();
  toolorch_ctx *ctx = nullptr;
  std::vector<std::string> log;  // "started:<id>[<parent]", "ended:<id>:<state>", "cancelled:<id>"
  std::string chain_text;
  int chain_state = -1;
  bool batch_done = false, job_done = false;
  int job_status = -1;
  std::string job_text;
  int running = 0, max_running = 0, cancels = 0;
  std::string fail_step;          // this tool's calls fail
  std::string cancel_after_end;   // cancel the batch when this call ends
  toolorch_batch *batch = nullptr;
  std::vector<Pending *> pending;
  std::function<void(const toolorch_event *)> on_other;  // the events not logged above

  explicit Harness(const std::string &options = "{}") {
    toolorch_opts *o = toolorch_opts_new();
    assert_int_equal(toolorch_opts_from_json(o, options.c_str()), TOOLORCH_OK);
    assert_int_equal(toolorch_opts_set_bool(o, "emit_call_started", 1), TOOLORCH_OK);
    int status = 0;
    ctx = toolorch_new_with_base(base, o, &status);
    toolorch_opts_free(o);
    if (!ctx) fail_msg("toolorch_new_with_base: %s", toolorch_last_error(nullptr));
    toolorch_set_event_fn(ctx, on_event, this);
  }
  ~Harness() {
    if (batch) toolorch_batch_free(batch);
    toolorch_free(ctx);
    for (Pending *p : pending) {
      event_free(p->ev);
      delete p;
    }
    event_base_free(base);
  }

  static void on_event(const toolorch_event *ev, void *ud) {
    auto *h = static_cast<Harness *>(ud);
    std::string id = toolorch_event_call_id(ev), parent = toolorch_event_parent_call_id(ev);
    switch (toolorch_event_type_of(ev)) {
      case TOOLORCH_EVENT_CALL_STARTED:
        h->log.push_back("started:" + id + (parent.empty() ? "" : "<" + parent));
        break;
      case TOOLORCH_EVENT_CALL_RESULT:
        h->log.push_back("ended:" + id + ":" + toolorch_call_state_name(toolorch_event_call_state(ev)));
        if (parent.empty() && std::string(toolorch_event_tool_name(ev)) == "research") {
          h->chain_text = toolorch_event_text(ev);
          h->chain_state = toolorch_event_call_state(ev);
        }
        if (!h->cancel_after_end.empty() && id == h->cancel_after_end) toolorch_batch_cancel(h->batch);
        break;
      case TOOLORCH_EVENT_BATCH_DONE:
        h->batch_done = true;
        event_base_loopbreak(h->base);
        break;
      case TOOLORCH_EVENT_JOB_DONE:
        h->job_done = true;
        h->job_status = toolorch_event_status(ev);
        h->job_text = toolorch_event_text(ev);
        event_base_loopbreak(h->base);
        break;
      default:
        if (h->on_other) h->on_other(ev);
        break;
    }
  }

  static void answer(evutil_socket_t, short, void *ud) {
    auto *p = static_cast<Pending *>(ud);
    p->h->running--;
    if (p->fail) toolorch_call_fail(p->call, p->result.c_str());
    else toolorch_call_complete(p->call, p->result.c_str());  // ELATE once cancelled: fine
  }
  static void on_cancel(toolorch_call *call, void *ud) {
    auto *h = static_cast<Harness *>(ud);
    h->cancels++;
    h->log.push_back(std::string("cancelled:") + toolorch_call_id(call));
  }
  // Every tool: answers "<tool>(<args>)" (search: a JSON object) after delay_ms.
  static void tool_fn(toolorch_call *call, const char *args, void *ud) {
    auto *h = static_cast<Harness *>(ud);
    std::string tool = toolorch_call_tool_name(call);
    auto *p = new Pending{h, call, "", tool == h->fail_step, nullptr};
    if (p->fail) p->result = "the " + tool + " service is down";
    else if (tool == "search") p->result = std::string("{\"top\":") + args + ",\"n\":1}";
    else p->result = tool + "(" + args + ")";
    h->max_running = std::max(h->max_running, ++h->running);
    toolorch_call_on_cancel(call, on_cancel, h);
    p->ev = evtimer_new(h->base, answer, p);
    timeval tv{0, tool == "search" ? 20000 : 2000};
    evtimer_add(p->ev, &tv);
    h->pending.push_back(p);
  }
  void add_tool(const char *name, int max_parallel = 0) {
    toolorch_tool *t = toolorch_tool_new(name);
    toolorch_tool_set_fn(t, tool_fn, this);
    toolorch_tool_set_flags(t, TOOLORCH_TOOL_SIDE_EFFECT_FREE);
    toolorch_tool_set_max_parallel(t, max_parallel);
    assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
    toolorch_tool_free(t);
  }
  void add_seed_tools(int search_cap = 0) {
    add_tool("search", search_cap);
    add_tool("combine");
    add_tool("fact_check");
    add_tool("summarise");
  }
  // Answer (or fail) a call or request from a loop timer after delay_us.
  void answer_later(toolorch_call *call, std::string result, bool fail, int delay_us = 2000) {
    auto *p = new Pending{this, call, std::move(result), fail, nullptr};
    running++;  // answer() counts it back
    p->ev = evtimer_new(base, answer, p);
    timeval tv{0, delay_us};
    evtimer_add(p->ev, &tv);
    pending.push_back(p);
  }
  void run_batch(const char *tool, const char *args, const char *id) {
    batch = toolorch_batch_new(ctx, this);
    assert_int_equal(toolorch_batch_add(batch, tool, args, id), TOOLORCH_OK);
    assert_int_equal(toolorch_batch_submit(batch), TOOLORCH_OK);
    timeval guard{30, 0};
    event_base_loopexit(base, &guard);
    event_base_dispatch(base);
    if (!batch_done) fail_msg("the batch did not end within 30 s");
  }
  size_t at(const std::string &prefix) const {
    for (size_t i = 0; i < log.size(); ++i)
      if (log[i].rfind(prefix, 0) == 0) return i;
    return SIZE_MAX;
  }
};

inline const char *kResearchJson = R"({"name":"research","description":"search three ways, then combine, check, summarise",
  "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},
  "steps":[
    {"parallel":[{"name":"s1","tool":"search","args":{"q":"${input#/city} weather"}},
                 {"name":"s2","tool":"search","args":{"q":"${input#/city} news"}},
                 {"name":"s3","tool":"search","args":{"q":"${input#/city} history"}}]},
    {"name":"combine","tool":"combine","args":{"parts":["${s1#/top/q}","${s2#/top/q}","${s3#/n}"]}},
    {"name":"check","tool":"fact_check","args":{"text":"${combine}"}},
    {"name":"summary","tool":"summarise","args":{"text":"${check}"}}]})";

}  // namespace chain_test
