// The test kit's recorder and expectations (include/toolorch/testing.h):
// the events a test feeds in, copied under a lock, and the checks read from
// them (and from the scripted server's journal).
#include <cjson/cJSON.h>
#include <toolorch/event.h>
#include <toolorch/call.h>
#include <toolorch/testing.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "json/json.h"
#include "testing/server_handle.h"
#include "testing/util.h"

using toolorch::testing::fails;
using toolorch::testing::holds;

namespace {

struct Recorded {
  int seq = 0;
  int type = 0;
  std::string call_id, tool, json, text;
  int call_state = 0, status = 0;
};

// One call, as the recorded events tell it.
struct CallView {
  std::string id, tool, args;
  bool has_args = false;
  int first_seq = 0;   // order of appearance
  int start = -1;      // seq of its first CALL_STARTED (else TOOL_CALL)
  int end = -1;        // seq of its first CALL_RESULT (else TOOL_CANCELLED)
  int results = 0;     // CALL_RESULT events
  bool cancelled = false;
};

}  // namespace

struct toolorch_testing_recorder {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Recorded> events;
  std::string json;  // the last toolorch_testing_recorder_json answer

  // Under mu. Calls in order of first appearance.
  std::vector<CallView> calls() const {
    std::vector<CallView> out;
    std::map<std::string, size_t> at;
      std::map<std::string, int> started_seq;  // CALL_STARTED wins over TOOL_CALL
    for (const Recorded &e : events) {
      const bool about_call = e.type == TOOLORCH_EVENT_TOOL_CALL || e.type == TOOLORCH_EVENT_CALL_STARTED ||
                              e.type == TOOLORCH_EVENT_CALL_RESULT || e.type == TOOLORCH_EVENT_LLM_TOOL_CALL ||
                              e.type == TOOLORCH_EVENT_TOOL_CANCELLED;
      if (!about_call || e.call_id.empty()) continue;
      auto it = at.find(e.call_id);
      if (it == at.end()) {
        it = at.emplace(e.call_id, out.size()).first;
        CallView c;
        c.id = e.call_id;
        c.first_seq = e.seq;
        out.push_back(c);
      }
      CallView &c = out[it->second];
      if (c.tool.empty()) c.tool = e.tool;
      const bool carries_args = e.type == TOOLORCH_EVENT_TOOL_CALL || e.type == TOOLORCH_EVENT_CALL_STARTED ||
                                e.type == TOOLORCH_EVENT_LLM_TOOL_CALL;
      if (carries_args && !c.has_args) {
        c.args = e.json;
        c.has_args = true;
      }
      switch (e.type) {
        case TOOLORCH_EVENT_CALL_STARTED:
          if (!started_seq.count(c.id)) {
            started_seq[c.id] = e.seq;
            c.start = e.seq;
          }
          break;
        case TOOLORCH_EVENT_TOOL_CALL:
          if (!started_seq.count(c.id) && c.start < 0) c.start = e.seq;
          break;
        case TOOLORCH_EVENT_CALL_RESULT:
          c.results++;
          if (c.end < 0 || c.end > e.seq) c.end = e.seq;
          if (e.call_state == TOOLORCH_CALL_CANCELLED) c.cancelled = true;
          break;
        case TOOLORCH_EVENT_TOOL_CANCELLED:
          if (c.end < 0) c.end = e.seq;
          if (e.call_state == TOOLORCH_CALL_CANCELLED || e.status == TOOLORCH_ECANCELLED) c.cancelled = true;
          break;
        default:
          break;
      }
    }
    return out;
  }

  // Under mu: max running at once, -1 if no start was recorded.
  int max_running() const {
    std::vector<CallView> cs = calls();
    std::vector<std::pair<int, int>> marks;  // (seq, +1 start / -1 end)
    bool any = false;
    for (const CallView &c : cs) {
      if (c.start < 0) continue;
      any = true;
      marks.emplace_back(c.start, +1);
      if (c.end >= 0) marks.emplace_back(c.end, -1);
    }
    if (!any) return -1;
    std::sort(marks.begin(), marks.end());
    int now = 0, most = 0;
    for (const auto &m : marks) {
      now += m.second;
      most = std::max(most, now);
    }
    return most;
  }
};

namespace {

std::string quoted(const std::string &s) { return toolorch::json::quote(s); }

// Canonical JSON text of args ("" and *ok=false when it is not JSON).
std::string canonical(const std::string &text, bool *ok) {
  std::string out;
  *ok = toolorch::json::canonicalize(text, &out);
  return *ok ? out : text;
}

std::string describe(const CallView &c) {
  return c.tool + (c.has_args ? " " + c.args : std::string(" (arguments not recorded)")) + " [" + c.id + "]";
}

std::string list_calls(const std::vector<CallView> &cs) {
  if (cs.empty()) return "no call was recorded";
  std::string s = std::to_string(cs.size()) + " call(s) recorded:";
  size_t shown = 0;
  for (const CallView &c : cs) {
    if (++shown > 20) {
      s += "\n  ...";
      break;
    }
    s += "\n  " + describe(c);
  }
  return s;
}

const char *kNoStarts =
    "no call start was recorded: record CALL_STARTED events (option emit_call_started: true) or TOOL_CALL "
    "events (external tools)";

template <typename F>
int guarded(char *msg, size_t size, F f) {
  try {
    return f();
  } catch (const std::bad_alloc &) {
    return fails(msg, size, "out of memory");
  } catch (const std::exception &e) {
    return fails(msg, size, e.what());
  }
}

}  // namespace

extern "C" {

toolorch_testing_recorder *toolorch_testing_recorder_new(void) {
  return new (std::nothrow) toolorch_testing_recorder;
}

void toolorch_testing_recorder_free(toolorch_testing_recorder *rec) { delete rec; }

void toolorch_testing_recorder_clear(toolorch_testing_recorder *rec) {
  if (!rec) return;
  std::lock_guard<std::mutex> lock(rec->mu);
  rec->events.clear();
  rec->events.shrink_to_fit();
}

int toolorch_testing_record_fields(toolorch_testing_recorder *rec, int type, const char *call_id,
                                   const char *tool_name, const char *json, const char *text, int call_state,
                                   int status) {
  if (!rec) return TOOLORCH_EINVAL;
  try {
    Recorded r;
    r.type = type;
    r.call_id = call_id ? call_id : "";
    r.tool = tool_name ? tool_name : "";
    // A JOB_DONE's json is the whole transcript: not needed here.
    if (type != TOOLORCH_EVENT_JOB_DONE) r.json = json ? json : "";
    r.text = text ? text : "";
    r.call_state = call_state;
    r.status = status;
    {
      std::lock_guard<std::mutex> lock(rec->mu);
      r.seq = static_cast<int>(rec->events.size());
      rec->events.push_back(std::move(r));
    }
    rec->cv.notify_all();
    return TOOLORCH_OK;
  } catch (const std::bad_alloc &) {
    return TOOLORCH_ENOMEM;
  } catch (...) {
    return TOOLORCH_EINTERNAL;
  }
}

int toolorch_testing_record(toolorch_testing_recorder *rec, const toolorch_event *event) {
  if (!rec || !event) return TOOLORCH_EINVAL;
  const int type = toolorch_event_type_of(event);
  return toolorch_testing_record_fields(rec, type, toolorch_event_call_id(event), toolorch_event_tool_name(event),
                                        toolorch_event_json(event), toolorch_event_text(event),
                                        toolorch_event_call_state(event), toolorch_event_status(event));
}

void toolorch_testing_recorder_event_fn(const toolorch_event *event, void *userdata) {
  toolorch_testing_record(static_cast<toolorch_testing_recorder *>(userdata), event);
}

int toolorch_testing_recorder_count(toolorch_testing_recorder *rec, int type) {
  if (!rec) return TOOLORCH_EINVAL;
  std::lock_guard<std::mutex> lock(rec->mu);
  int n = 0;
  for (const Recorded &e : rec->events) n += type == TOOLORCH_EVENT_NONE || e.type == type;
  return n;
}

int toolorch_testing_recorder_wait(toolorch_testing_recorder *rec, int type, int count, int timeout_ms) {
  if (!rec) return TOOLORCH_EINVAL;
  try {
    std::unique_lock<std::mutex> lock(rec->mu);
    auto enough = [&] {
      int n = 0;
      for (const Recorded &e : rec->events) n += type == TOOLORCH_EVENT_NONE || e.type == type;
      return n >= count;
    };
    if (timeout_ms < 0) {
      rec->cv.wait(lock, enough);
      return TOOLORCH_OK;
    }
    return rec->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), enough) ? TOOLORCH_OK : TOOLORCH_ETIMEDOUT;
  } catch (...) {
    return TOOLORCH_EINTERNAL;
  }
}

int toolorch_testing_recorder_max_running(toolorch_testing_recorder *rec) {
  if (!rec) return TOOLORCH_EINVAL;
  try {
    std::lock_guard<std::mutex> lock(rec->mu);
    return rec->max_running();
  } catch (...) {
    return TOOLORCH_EINTERNAL;
  }
}

const char *toolorch_testing_recorder_json(toolorch_testing_recorder *rec) {
  if (!rec) return nullptr;
  try {
    std::lock_guard<std::mutex> lock(rec->mu);
    std::string s = "[";
    for (const Recorded &e : rec->events) {
      if (s.size() > 1) s += ",";
      s += "{\"seq\":" + std::to_string(e.seq) + ",\"type\":" + quoted(toolorch_event_type_name(e.type)) +
           ",\"call_id\":" + quoted(e.call_id) + ",\"tool\":" + quoted(e.tool) + ",\"json\":" + quoted(e.json) +
           ",\"text\":" + quoted(e.text) + ",\"call_state\":" + quoted(toolorch_call_state_name(e.call_state)) +
           ",\"status\":" + std::to_string(e.status) + "}";
    }
    s += "]";
    rec->json = std::move(s);
    return rec->json.c_str();
  } catch (...) {
    return "[]";
  }
}

int toolorch_testing_expect_calls(toolorch_testing_recorder *rec, const char *calls_json, int flags, char *msg,
                                  size_t msg_size) {
  if (!rec || !calls_json) return fails(msg, msg_size, "expect_calls: recorder or calls_json is NULL");
  return guarded(msg, msg_size, [&] {
    std::string perr;
    toolorch::json::Ptr want = toolorch::json::parse(calls_json, &perr);
    if (!want || !cJSON_IsArray(want.get()))
      return fails(msg, msg_size,
                   "expect_calls: calls_json must be a JSON array of {\"tool\", \"arguments\"}" +
                       (perr.empty() ? std::string() : ": " + perr));
    struct Want {
      std::string tool, args;  // args canonical
      bool any_args = true;
      std::string shown;
    };
    std::vector<Want> wants;
    int i = 0;
    for (const cJSON *w = want->child; w; w = w->next, ++i) {
      const cJSON *tool = cJSON_GetObjectItemCaseSensitive(w, "tool");
      if (!cJSON_IsObject(w) || !cJSON_IsString(tool))
        return fails(msg, msg_size, "expect_calls: calls_json[" + std::to_string(i) + "] needs a \"tool\" string");
      for (const cJSON *k = w->child; k; k = k->next)
        if (strcmp(k->string, "tool") != 0 && strcmp(k->string, "arguments") != 0)
          return fails(msg, msg_size,
                       "expect_calls: calls_json[" + std::to_string(i) + "]: unknown key " + quoted(k->string));
      Want x;
      x.tool = tool->valuestring;
      const cJSON *args = cJSON_GetObjectItemCaseSensitive(w, "arguments");
      if (args) {
        x.any_args = false;
        x.args = toolorch::json::canonical(args);
      }
      x.shown = x.tool + (x.any_args ? " (any arguments)" : " " + x.args);
      wants.push_back(std::move(x));
    }
    std::vector<CallView> cs;
    {
      std::lock_guard<std::mutex> lock(rec->mu);
      cs = rec->calls();
    }
    std::vector<std::string> canon(cs.size());
    for (size_t c = 0; c < cs.size(); ++c) {
      bool ok = false;
      canon[c] = cs[c].has_args ? canonical(cs[c].args, &ok) : std::string();
    }
    std::vector<bool> used(cs.size(), false);
    std::vector<std::string> unmatched;
    // Exact arguments first, so a wildcard never takes the call an exact
    // expectation needs.
    for (int pass = 0; pass < 2; ++pass) {
      for (const Want &w : wants) {
        if (w.any_args != (pass == 1)) continue;
        bool found = false;
        for (size_t c = 0; c < cs.size() && !found; ++c) {
          if (used[c] || cs[c].tool != w.tool) continue;
          if (!w.any_args && (!cs[c].has_args || canon[c] != w.args)) continue;
          used[c] = found = true;
        }
        if (!found) unmatched.push_back(w.shown);
      }
    }
    std::string why;
    if (!unmatched.empty()) {
      why = std::to_string(unmatched.size()) + " expected call(s) not made:";
      for (const std::string &u : unmatched) why += "\n  " + u;
    }
    if (flags & TOOLORCH_TESTING_ONLY) {
      std::vector<CallView> extra;
      for (size_t c = 0; c < cs.size(); ++c)
        if (!used[c]) extra.push_back(cs[c]);
      if (!extra.empty()) {
        if (!why.empty()) why += "\n";
        why += std::to_string(extra.size()) + " call(s) made but not expected:";
        for (const CallView &c : extra) why += "\n  " + describe(c);
      }
    }
    if (why.empty()) return holds(msg, msg_size);
    return fails(msg, msg_size, why + "\n" + list_calls(cs));
  });
}

int toolorch_testing_expect_parallel(toolorch_testing_recorder *rec, const char *tool, char *msg, size_t msg_size) {
  if (!rec) return fails(msg, msg_size, "expect_parallel: recorder is NULL");
  return guarded(msg, msg_size, [&] {
    std::vector<CallView> all;
    {
      std::lock_guard<std::mutex> lock(rec->mu);
      all = rec->calls();
    }
    const std::string which = tool ? "calls to " + std::string(tool) : std::string("calls");
    std::vector<CallView> cs;
    for (const CallView &c : all)
      if (!tool || c.tool == tool) cs.push_back(c);
    if (cs.size() < 2)
      return fails(msg, msg_size,
                   "expect_parallel: " + std::to_string(cs.size()) + " " + which + " recorded, at least 2 needed\n" +
                       list_calls(all));
    const CallView *last_start = nullptr, *first_end = nullptr;
    for (const CallView &c : cs) {
      if (c.start < 0) {
        bool any = false;
        for (const CallView &o : all) any = any || o.start >= 0;
        return fails(msg, msg_size,
                     any ? "expect_parallel: call " + describe(c) + " has no recorded start" : std::string(kNoStarts));
      }
      if (c.end < 0) return fails(msg, msg_size, "expect_parallel: call " + describe(c) + " never ended");
      if (!last_start || c.start > last_start->start) last_start = &c;
      if (!first_end || c.end < first_end->end) first_end = &c;
    }
    if (last_start->start < first_end->end) return holds(msg, msg_size);
    return fails(msg, msg_size,
                 "expect_parallel: the " + std::to_string(cs.size()) + " " + which +
                     " did not all run at once: call " + describe(*first_end) + " ended (event #" +
                     std::to_string(first_end->end) + ") before call " + describe(*last_start) + " started (event #" +
                     std::to_string(last_start->start) + "); at most " + std::to_string(rec->max_running()) +
                     " ran at once");
  });
}

int toolorch_testing_expect_max_running(toolorch_testing_recorder *rec, int n, char *msg, size_t msg_size) {
  if (!rec) return fails(msg, msg_size, "expect_max_running: recorder is NULL");
  return guarded(msg, msg_size, [&] {
    int most;
    {
      std::lock_guard<std::mutex> lock(rec->mu);
      most = rec->max_running();
    }
    if (most < 0) return fails(msg, msg_size, std::string("expect_max_running: ") + kNoStarts);
    if (most <= n) return holds(msg, msg_size);
    return fails(msg, msg_size,
                 "expect_max_running: " + std::to_string(most) + " calls ran at once, at most " + std::to_string(n) +
                     " expected");
  });
}

int toolorch_testing_expect_cancelled(toolorch_testing_recorder *rec, const char *tool_or_id, char *msg,
                                      size_t msg_size) {
  if (!rec) return fails(msg, msg_size, "expect_cancelled: recorder is NULL");
  return guarded(msg, msg_size, [&] {
    std::vector<CallView> cs;
    {
      std::lock_guard<std::mutex> lock(rec->mu);
      cs = rec->calls();
    }
    for (const CallView &c : cs)
      if (c.cancelled && (!tool_or_id || c.tool == tool_or_id || c.id == tool_or_id)) return holds(msg, msg_size);
    std::string why = std::string("expect_cancelled: no ") + (tool_or_id ? "call to or with id " + quoted(tool_or_id) : "call") +
                      " ended cancelled";
    for (const CallView &c : cs)
      if (!tool_or_id || c.tool == tool_or_id || c.id == tool_or_id)
        why += "\n  " + describe(c) + (c.end < 0 ? ": never ended" : c.cancelled ? ": cancelled" : ": ended, not cancelled");
    return fails(msg, msg_size, why);
  });
}

int toolorch_testing_expect_answer(toolorch_testing_recorder *rec, const char *answer, char *msg, size_t msg_size) {
  if (!rec || !answer) return fails(msg, msg_size, "expect_answer: recorder or answer is NULL");
  return guarded(msg, msg_size, [&] {
    std::lock_guard<std::mutex> lock(rec->mu);
    const Recorded *done = nullptr;
    for (const Recorded &e : rec->events)
      if (e.type == TOOLORCH_EVENT_JOB_DONE) done = &e;
    if (!done) return fails(msg, msg_size, "expect_answer: no JOB_DONE event was recorded (did the job end?)");
    if (done->status != TOOLORCH_OK)
      return fails(msg, msg_size,
                   std::string("expect_answer: the job failed with ") + toolorch_strerror(done->status) + ": " +
                       done->text + "\n  expected answer: " + quoted(answer));
    if (done->text == answer) return holds(msg, msg_size);
    return fails(msg, msg_size,
                 "expect_answer: the job answered " + quoted(done->text) + "\n  expected          " + quoted(answer));
  });
}

int toolorch_testing_expect_no_duplicate_results(toolorch_testing_recorder *rec, toolorch_testing_server *server,
                                                 char *msg, size_t msg_size) {
  if (!rec) return fails(msg, msg_size, "expect_no_duplicate_results: recorder is NULL");
  return guarded(msg, msg_size, [&] {
    std::vector<CallView> cs;
    {
      std::lock_guard<std::mutex> lock(rec->mu);
      cs = rec->calls();
    }
    std::string why;
    for (const CallView &c : cs)
      if (c.results > 1) why += "\n  " + describe(c) + ": " + std::to_string(c.results) + " CALL_RESULT events";
    if (server) {
      const std::string seen = server->server->seen_json();
      toolorch::json::Ptr doc = toolorch::json::parse(seen, toolorch::json::Limits{64u << 20, 64, false}, nullptr);
      const cJSON *dups = cJSON_GetObjectItemCaseSensitive(doc.get(), "duplicate_result_ids");
      for (const cJSON *d = dups ? dups->child : nullptr; d; d = d->next)
        if (cJSON_IsString(d))
          why += "\n  the model got two results for call " + std::string(d->valuestring) + " in one request";
    }
    if (why.empty()) return holds(msg, msg_size);
    return fails(msg, msg_size, "expect_no_duplicate_results: a result was delivered twice:" + why);
  });
}

int toolorch_testing_expect_results_matched(toolorch_testing_server *server, char *msg, size_t msg_size) {
  if (!server) return fails(msg, msg_size, "expect_results_matched: server is NULL");
  return guarded(msg, msg_size, [&] {
    const std::string seen = server->server->seen_json();
    toolorch::json::Ptr doc = toolorch::json::parse(seen, toolorch::json::Limits{64u << 20, 64, false}, nullptr);
    if (!doc) return fails(msg, msg_size, "expect_results_matched: cannot read what the server saw");
    std::string why;
    const struct {
      const char *key, *what;
    } lists[] = {{"unknown_result_ids", "answers no call the server issued"},
                 {"duplicate_result_ids", "came twice in one request"},
                 {"missing_result_ids", "issued but left without a result"}};
    for (const auto &l : lists) {
      const cJSON *ids = cJSON_GetObjectItemCaseSensitive(doc.get(), l.key);
      for (const cJSON *d = ids ? ids->child : nullptr; d; d = d->next)
        if (cJSON_IsString(d)) why += "\n  " + std::string(d->valuestring) + ": " + l.what;
    }
    if (why.empty()) return holds(msg, msg_size);
    return fails(msg, msg_size, "expect_results_matched: the results the model got do not match its calls:" + why);
  });
}

}  // extern "C"
