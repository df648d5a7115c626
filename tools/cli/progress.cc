#include "progress.h"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace toolorch::cli {
namespace {

constexpr int64_t kFrameUs = 100 * 1000;  // at most 10 frames a second

bool same_terminal(int a, int b) {
  if (!isatty(a) || !isatty(b)) return false;
  struct stat sa, sb;
  return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_rdev == sb.st_rdev;
}

void write_all(int fd, const std::string &s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// Columns a UTF-8 text takes (a code point a column).
int columns_of(const std::string &s) {
  int n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

// The first line of s, cut to max columns (with "..." when cut).
std::string first_line_cut(const std::string &s, int max) {
  std::string line = s.substr(0, s.find_first_of("\r\n"));
  if (max < 4) max = 4;
  if (columns_of(line) <= max) return line;
  std::string out;
  int cols = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if ((c & 0xC0) != 0x80) {
      if (cols == max - 3) break;
      ++cols;
    }
    out += line[i];
  }
  return out + "...";
}

std::string fmt(const char *format, double v) {
  char b[64];
  std::snprintf(b, sizeof b, format, v);
  return b;
}

std::string secs(int64_t us) { return fmt("%.2f s", static_cast<double>(us) / 1e6); }

const char *status_word(int state) {
  switch (state) {
    case TOOLORCH_CALL_SUCCEEDED: return "succeeded";
    case TOOLORCH_CALL_FAILED: return "failed";
    case TOOLORCH_CALL_CANCELLED: return "cancelled";
    case TOOLORCH_CALL_TIMED_OUT: return "timed_out";
    default: return toolorch_call_state_name(state);
  }
}

// "LLM 429" / "LLM connection refused"-style head of an LLM line.
std::string llm_head(const toolorch_event *ev) {
  int http = toolorch_event_http_status(ev);
  if (http > 0) return "LLM " + std::to_string(http);
  return std::string("LLM error (") + toolorch_strerror(toolorch_event_status(ev)) + ")";
}

// A line with colours, cut to a width (escapes take no columns).
struct Styled {
  Styled(bool c, int m) : color(c), max(m) {}
  bool color;
  int max;
  std::string out;
  int cols = 0;
  void add(const std::string &text, const char *sgr = nullptr) {
    if (cols >= max) return;
    std::string t = text;
    if (cols + columns_of(t) > max) {
      std::string cut;
      int c = cols;
      for (char ch : t) {
        if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) {
          if (c >= max) break;
          ++c;
        }
        cut += ch;
      }
      t = cut;
    }
    cols += columns_of(t);
    if (color && sgr) out += std::string("\x1b[") + sgr + "m" + t + "\x1b[0m";
    else out += t;
  }
};

}  // namespace

ProgressMode progress_mode(const char *flag) {
  if (flag) {
    if (!std::strcmp(flag, "tty")) return ProgressMode::kTty;
    if (!std::strcmp(flag, "jsonl")) return ProgressMode::kJsonl;
    if (!std::strcmp(flag, "none")) return ProgressMode::kNone;
    return ProgressMode::kPlain;
  }
  const char *term = std::getenv("TERM");
  bool dumb = term && !std::strcmp(term, "dumb");
  return isatty(STDERR_FILENO) && !dumb ? ProgressMode::kTty : ProgressMode::kPlain;
}

cJSON *summary_json(const RunTotals &t, const std::string &status, int exit_code, bool as_event) {
  cJSON *o = cJSON_CreateObject();
  if (as_event) cJSON_AddStringToObject(o, "event", "summary");
  cJSON_AddStringToObject(o, "status", status.c_str());
  cJSON_AddNumberToObject(o, "exit_code", exit_code);
  cJSON_AddNumberToObject(o, "wall_ms", static_cast<double>(t.wall_us / 1000));
  cJSON_AddNumberToObject(o, "llm_ms", static_cast<double>(t.llm_us / 1000));
  cJSON_AddNumberToObject(o, "llm_requests", static_cast<double>(t.llm_requests));
  cJSON_AddNumberToObject(o, "tool_ms", static_cast<double>(t.tool_us / 1000));
  cJSON_AddNumberToObject(o, "tools_running_ms", static_cast<double>(t.tools_busy_us / 1000));
  cJSON_AddNumberToObject(o, "parallel_speedup", static_cast<double>(static_cast<int64_t>(t.speedup() * 100)) / 100);
  cJSON *calls = cJSON_AddObjectToObject(o, "calls");
  cJSON_AddNumberToObject(calls, "total", static_cast<double>(t.calls));
  cJSON_AddNumberToObject(calls, "succeeded", static_cast<double>(t.succeeded));
  cJSON_AddNumberToObject(calls, "failed", static_cast<double>(t.failed));
  cJSON_AddNumberToObject(calls, "cancelled", static_cast<double>(t.cancelled));
  cJSON_AddNumberToObject(calls, "timed_out", static_cast<double>(t.timed_out));
  cJSON *retries = cJSON_AddObjectToObject(o, "retries");
  cJSON_AddNumberToObject(retries, "tools", static_cast<double>(t.tool_retries));
  cJSON_AddNumberToObject(retries, "llm", static_cast<double>(t.llm_retries));
  cJSON_AddNumberToObject(o, "rate_limit_waits", static_cast<double>(t.rate_limit_waits));
  cJSON_AddNumberToObject(o, "max_running", static_cast<double>(t.max_running));
  cJSON *tok = cJSON_AddObjectToObject(o, "tokens");
  cJSON_AddNumberToObject(tok, "input", static_cast<double>(t.input_tokens));
  cJSON_AddNumberToObject(tok, "output", static_cast<double>(t.output_tokens));
  cJSON_AddNumberToObject(tok, "cache_read", static_cast<double>(t.cache_read_tokens));
  cJSON_AddNumberToObject(tok, "cache_write", static_cast<double>(t.cache_write_tokens));
  cJSON *spec = t.speculation_json.empty() ? nullptr : cJSON_Parse(t.speculation_json.c_str());
  cJSON_AddItemToObject(o, "speculation", spec ? spec : cJSON_CreateNull());
  return o;
}

std::vector<std::string> summary_lines(const RunTotals &t, const std::string &status) {
  auto n = [](int64_t v) { return std::to_string(v); };
  std::vector<std::string> out;
  out.push_back("toolorch: " + status + " in " + secs(t.wall_us));
  out.push_back("toolorch: calls: " + n(t.calls) + " (" + n(t.succeeded) + " succeeded, " + n(t.failed) + " failed, " +
                n(t.cancelled) + " cancelled, " + n(t.timed_out) + " timed out); max running at once: " +
                n(t.max_running));
  std::string time = "toolorch: time: LLM " + secs(t.llm_us) + " in " + n(t.llm_requests) + " request" +
                     (t.llm_requests == 1 ? "" : "s") + "; tools " + secs(t.tool_us);
  if (t.tools_busy_us > 0)
    time += " over " + secs(t.tools_busy_us) + " running: parallel speed-up " + fmt("%.1fx", t.speedup());
  out.push_back(time);
  out.push_back("toolorch: retries: " + n(t.tool_retries) + " of tool calls, " + n(t.llm_retries) +
                " of LLM requests; rate-limit waits: " + n(t.rate_limit_waits));
  out.push_back("toolorch: tokens: " + n(t.input_tokens) + " in (" + n(t.cache_read_tokens) + " cache read, " +
                n(t.cache_write_tokens) + " cache write), " + n(t.output_tokens) + " out");
  if (!t.speculation_json.empty()) {
    cJSON *s = cJSON_Parse(t.speculation_json.c_str());
    if (s) {
      auto g = [&](const cJSON *o, const char *k) {
        return static_cast<long long>(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, k)));
      };
      std::string dropped;
      const cJSON *d = cJSON_GetObjectItemCaseSensitive(s, "dropped");
      for (const cJSON *v = d ? d->child : nullptr; v; v = v->next)
        if (cJSON_GetNumberValue(v) > 0)
          dropped += std::string(dropped.empty() ? "" : ", ") + v->string + " " + std::to_string(g(d, v->string));
      char b[512];
      std::snprintf(b, sizeof b,
                    "toolorch: speculation: %lld guesses, %lld hits, %lld cancelled, %lld wasted (%lld ms of tool "
                    "time), dropped: %s, time saved %lld ms, source failures %lld",
                    g(s, "guesses"), g(s, "hits"), g(s, "cancelled"), g(s, "wasted"), g(s, "wasted_tool_ms"),
                    dropped.empty() ? "none" : dropped.c_str(), g(s, "saved_ms"), g(s, "source_failures"));
      out.push_back(b);
      cJSON_Delete(s);
    }
  }
  return out;
}

Progress::Progress(ProgressMode mode, bool stream_text, int64_t start_us)
    : mode_(mode), stream_text_(stream_text), start_us_(start_us) {
  const char *no_color = std::getenv("NO_COLOR");
  color_ = mode_ == ProgressMode::kTty && !(no_color && *no_color);
  same_tty_ = same_terminal(STDOUT_FILENO, STDERR_FILENO);
  phase_since_us_ = start_us;
}

Progress::~Progress() = default;

int Progress::width() const {
  winsize ws;
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char *c = std::getenv("COLUMNS")) {
    int n = std::atoi(c);
    if (n > 0) return n;
  }
  return mode_ == ProgressMode::kTty ? 80 : 160;
}

int Progress::rows() const {
  winsize ws;
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) return ws.ws_row;
  if (const char *l = std::getenv("LINES")) {
    int n = std::atoi(l);
    if (n > 0) return n;
  }
  return 24;
}

Progress::ToolCounts &Progress::tool(const std::string &name) {
  auto it = tools_.find(name);
  if (it != tools_.end()) return it->second;
  tool_order_.push_back(name);
  return tools_[name];
}

void Progress::started(const std::string &id, const std::string &name, int64_t now_us) {
  if (waiting_.erase(id)) tool(name).waiting--;
  if (running_.count(id)) return;  // a retry: still the same call
  if (running_.empty()) busy_since_us_ = now_us;
  running_[id] = name;
  tool(name).running++;
}

void Progress::ended(const std::string &id, int64_t now_us) {
  auto it = running_.find(id);
  if (it == running_.end()) return;
  tool(it->second).running--;
  running_.erase(it);
  if (running_.empty() && busy_since_us_ >= 0) {
    totals_.tools_busy_us += now_us - busy_since_us_;
    busy_since_us_ = -1;
  }
}

void Progress::line(const std::string &text) {
  switch (mode_) {
    case ProgressMode::kTty:
      pending_lines_.push_back(text);
      dirty_ = true;
      break;
    case ProgressMode::kPlain: {
      std::string s = text + "\n";
      if (same_tty_ && out_col_ > 0) {
        std::fflush(stdout);
        s = "\n" + s;
        out_col_ = 0;
      }
      write_all(STDERR_FILENO, s);
      break;
    }
    default:
      break;
  }
}

void Progress::jsonl(cJSON *obj, int64_t now_us) {
  if (mode_ != ProgressMode::kJsonl) {
    cJSON_Delete(obj);
    return;
  }
  cJSON_AddNumberToObject(obj, "t_ms", static_cast<double>((now_us - start_us_) / 1000));
  char *s = cJSON_PrintUnformatted(obj);
  if (s) write_all(STDERR_FILENO, std::string(s) + "\n");
  cJSON_free(s);
  cJSON_Delete(obj);
}

void Progress::notice(const std::string &text, int64_t now_us) {
  if (mode_ == ProgressMode::kJsonl) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "event", "notice");
    cJSON_AddStringToObject(o, "message", text.c_str());
    jsonl(o, now_us);
  } else {
    line("toolorch: " + text);
  }
}

void Progress::error(const std::string &text, int64_t now_us) {
  if (mode_ == ProgressMode::kJsonl) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "event", "error");
    cJSON_AddStringToObject(o, "message", text.c_str());
    jsonl(o, now_us);
  } else {
    write_all(STDERR_FILENO, "toolorch: " + text + "\n");
  }
}

void Progress::log_line(const std::string &l) {
  std::lock_guard<std::mutex> lock(log_mu_);
  logs_.push_back(l);
}

void Progress::flush_logs() {
  std::vector<std::string> logs;
  {
    std::lock_guard<std::mutex> lock(log_mu_);
    logs.swap(logs_);
  }
  for (const std::string &l : logs) {
    if (mode_ == ProgressMode::kJsonl) {
      // Log lines are JSON objects in this mode (see attach_logs).
      write_all(STDERR_FILENO, l + "\n");
    } else {
      line(l);
    }
  }
}

void Progress::text_out(const char *p, size_t n) {
  if (!stream_text_ || n == 0) return;
  streamed_ = true;
  if (mode_ == ProgressMode::kTty && same_tty_) {
    // Same terminal: the text goes out in the next frame, with the area.
    pending_text_.append(p, n);
    dirty_ = true;
    return;
  }
  std::fwrite(p, 1, n, stdout);
  std::fflush(stdout);
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(p[i]);
    if (c == '\n' || c == '\r') out_col_ = 0;
    else if ((c & 0xC0) != 0x80) ++out_col_;
  }
}

std::vector<std::string> Progress::area_lines(int64_t now_us) {
  int w = width() - 1;
  std::vector<std::string> out;
  Styled head{color_, w};
  head.add("toolorch ", "1");
  head.add(fmt("%.1f s", static_cast<double>(now_us - start_us_) / 1e6));
  head.add("  LLM: ");
  double in_phase = static_cast<double>(now_us - phase_since_us_) / 1e6;
  std::string r = " (round " + std::to_string(round_) + (attempt_ > 1 ? ", attempt " + std::to_string(attempt_) : "");
  switch (phase_) {
    case LlmPhase::kIdle: head.add("starting"); break;
    case LlmPhase::kPermits: head.add("waiting on a rate limit", "33"); head.add(fmt(" %.1f s", in_phase)); break;
    case LlmPhase::kRequesting: head.add("waiting for the response", "36"); head.add(r + fmt(", %.1f s)", in_phase)); break;
    case LlmPhase::kStreaming: head.add("streaming", "36"); head.add(r + fmt(", %.1f s)", in_phase)); break;
    case LlmPhase::kBackoff:
      head.add("retrying", "33");
      head.add(fmt(" in %.1f s", std::max(0.0, static_cast<double>(retry_delay_us_) / 1e6 - in_phase)));
      break;
    case LlmPhase::kTools: head.add("waiting for the tools"); head.add(r + ")"); break;
    case LlmPhase::kDone: head.add("done"); break;
  }
  out.push_back(head.out);
  int64_t running = 0, done = 0, failed = 0, waiting = 0;
  for (auto &kv : tools_) {
    running += kv.second.running;
    done += kv.second.done;
    failed += kv.second.failed;
    waiting += kv.second.waiting;
  }
  auto counts = [&](Styled &s, int64_t run, int64_t dn, int64_t fl, int64_t wt) {
    s.add(std::to_string(run) + " running", run ? "33" : nullptr);
    s.add(", ");
    s.add(std::to_string(dn) + " done", dn ? "32" : nullptr);
    s.add(", ");
    s.add(std::to_string(fl) + " failed", fl ? "31" : nullptr);
    if (wt) {
      s.add(", ");
      s.add(std::to_string(wt) + " waiting on a rate limit", "35");
    }
  };
  Styled calls{color_, w};
  calls.add("calls: ");
  counts(calls, running, done, failed, waiting);
  out.push_back(calls.out);
  size_t name_w = 0;
  for (auto &n : tool_order_) name_w = std::max(name_w, n.size());
  name_w = std::min<size_t>(name_w, 24);
  // The area never takes the whole screen: cursor-up cannot go past its top.
  size_t room = static_cast<size_t>(std::max(0, std::min(rows() - 4, 10)));
  size_t shown = 0;
  for (const std::string &name : tool_order_) {
    if (shown == room && tool_order_.size() > room) {
      Styled more{color_, w};
      more.add("  ... and " + std::to_string(tool_order_.size() - shown) + " more tools");
      out.push_back(more.out);
      break;
    }
    const ToolCounts &c = tools_[name];
    Styled t{color_, w};
    std::string padded = name.substr(0, name_w);
    padded.resize(name_w, ' ');
    t.add("  " + padded + "  ");
    counts(t, c.running, c.done, c.failed, c.waiting);
    out.push_back(t.out);
    ++shown;
  }
  return out;
}

// One frame: back to where the area began, the pending lines and text, the
// area again (each line overwritten in place, then cleared to its end), and
// whatever the old area had below cleared. Nothing is blanked first, so
// nothing flickers.
std::string Progress::frame(bool with_area, int64_t now_us) {
  std::string s;
  int w = width();
  if (drawn_rows_ > 0) {
    s += "\x1b[" + std::to_string(drawn_rows_) + "A\r";
    if (drawn_col_ > 0) s += "\x1b[" + std::to_string(drawn_col_) + "C";
  }
  // The terminal's column where the area begins: after the streamed text
  // when stdout is this terminal too.
  int col = drawn_rows_ > 0 ? drawn_col_ : (same_tty_ ? out_col_ : 0);
  for (const std::string &l : pending_lines_) {
    if (col > 0) {
      s += "\n";
      // That ended the text's line: a newline the text brings is not another.
      if (!pending_text_.empty() && pending_text_[0] == '\n') pending_text_.erase(0, 1);
    }
    col = 0;
    s += "\r" + first_line_cut(l, w - 1) + "\x1b[K\n";
  }
  pending_lines_.clear();
  if (!pending_text_.empty()) {
    for (unsigned char c : pending_text_) {
      if (c == '\n') {
        s += "\x1b[K\r\n";  // the rest of the old area's row goes
        col = 0;
        continue;
      }
      s += static_cast<char>(c);
      if (c == '\r') col = 0;
      else if ((c & 0xC0) != 0x80 && ++col >= w) col = 0;
    }
    pending_text_.clear();
  }
  if (same_tty_) out_col_ = col;
  s += "\x1b[K";  // the old area's remains on this row
  drawn_rows_ = 0;
  drawn_col_ = col;
  if (with_area) {
    if (col > 0) {
      s += "\n";
      drawn_rows_ = 1;
    }
    for (const std::string &l : area_lines(now_us)) {
      s += "\r" + l + "\x1b[K\n";
      ++drawn_rows_;
    }
  }
  s += "\x1b[J";
  if (drawn_rows_ == 0) drawn_col_ = 0;
  return s;
}

int Progress::tick(int64_t now_us) {
  if (mode_ != ProgressMode::kTty) {
    flush_logs();
    return -1;
  }
  flush_logs();
  bool due = last_frame_us_ < 0 || now_us - last_frame_us_ >= kFrameUs;
  if (due) {
    write_all(STDERR_FILENO, frame(true, now_us));
    last_frame_us_ = now_us;
    dirty_ = false;
    return static_cast<int>(kFrameUs / 1000);  // the clock on the area moves
  }
  return static_cast<int>((kFrameUs - (now_us - last_frame_us_)) / 1000) + 1;
}

void Progress::event(const toolorch_event *ev, int64_t now_us) {
  int type = toolorch_event_type_of(ev);
  std::string tool_name = toolorch_event_tool_name(ev), id = toolorch_event_call_id(ev);
  cJSON *j = mode_ == ProgressMode::kJsonl ? cJSON_CreateObject() : nullptr;
  if (j) cJSON_AddStringToObject(j, "event", toolorch_event_type_name(type));
  auto js = [&](const char *k, const std::string &v) {
    if (j) cJSON_AddStringToObject(j, k, v.c_str());
  };
  auto jn = [&](const char *k, double v) {
    if (j) cJSON_AddNumberToObject(j, k, v);
  };
  int w = width();
  // A chain's step names its chain's call.
  std::string parent = toolorch_event_parent_call_id(ev);
  std::string of_parent = parent.empty() ? "" : " parent=" + parent;
  if (!parent.empty()) js("parent", parent);
  switch (type) {
    case TOOLORCH_EVENT_CALL_STARTED: {
      int attempt = toolorch_event_attempts(ev);
      started(id, tool_name, now_us);
      js("tool", tool_name);
      js("id", id);
      jn("attempt", attempt);
      if (mode_ == ProgressMode::kPlain) {
        if (attempt > 1) line("[retry] " + tool_name + " id=" + id + of_parent + " attempt " + std::to_string(attempt));
        else line("[start] " + tool_name + " id=" + id + of_parent);
      } else if (attempt > 1) {
        line("[retry] " + tool_name + " id=" + id + " attempt " + std::to_string(attempt));
      }
      break;
    }
    case TOOLORCH_EVENT_CALL_RESULT: {
      int state = toolorch_event_call_state(ev);
      int attempts = toolorch_event_attempts(ev);
      int64_t run_us = toolorch_event_run_us(ev), wait_us = toolorch_event_wait_us(ev);
      ended(id, now_us);
      if (waiting_.erase(id)) tool(tool_name).waiting--;
      totals_.calls++;
      totals_.tool_us += run_us;
      if (attempts > 1) totals_.tool_retries += attempts - 1;
      ToolCounts &c = tool(tool_name);
      if (state == TOOLORCH_CALL_SUCCEEDED) {
        totals_.succeeded++;
        c.done++;
      } else {
        c.failed++;
        if (state == TOOLORCH_CALL_FAILED) totals_.failed++;
        else if (state == TOOLORCH_CALL_CANCELLED) totals_.cancelled++;
        else totals_.timed_out++;
      }
      int spec = toolorch_event_speculation(ev);
      const char *guessed = spec == TOOLORCH_SPECULATION_TAKEN_OVER_RUNNING    ? " (guessed, taken over running)"
                            : spec == TOOLORCH_SPECULATION_TAKEN_OVER_FINISHED ? " (guessed, already done)"
                                                                               : "";
      std::string l = "[end]   " + tool_name + " id=" + id + of_parent + " status=" + status_word(state) +
                      " attempts=" + std::to_string(attempts) + " run=" + std::to_string(run_us / 1000) +
                      "ms wait=" + std::to_string(wait_us / 1000) + "ms" + guessed;
      std::string why = state == TOOLORCH_CALL_SUCCEEDED ? "" : std::string(toolorch_event_text(ev));
      if (!why.empty()) l = first_line_cut(l + ": " + why, w - 1);
      js("tool", tool_name);
      js("id", id);
      js("status", status_word(state));
      jn("attempts", attempts);
      jn("run_ms", static_cast<double>(run_us / 1000));
      jn("wait_ms", static_cast<double>(wait_us / 1000));
      if (!why.empty()) js("error", first_line_cut(why, 200));
      if (mode_ == ProgressMode::kPlain) {
        line(l);
      } else if (mode_ == ProgressMode::kTty && state != TOOLORCH_CALL_SUCCEEDED) {
        // On a terminal the reason matters more than the id: it gets the room.
        std::string f = "[" + std::string(status_word(state)) + "] " + tool_name + of_parent + " after " +
                        std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts") + " (run " +
                        std::to_string(run_us / 1000) + " ms, wait " + std::to_string(wait_us / 1000) + " ms)" +
                        (why.empty() ? "" : ": " + why);
        line(first_line_cut(f, w - 1));
      }
      dirty_ = true;
      break;
    }
    case TOOLORCH_EVENT_RATE_LIMIT_WAIT: {
      totals_.rate_limit_waits++;
      std::string service = toolorch_event_text(ev);
      js("service", service);
      if (id.empty()) {
        phase_ = LlmPhase::kPermits;
        phase_since_us_ = now_us;
        js("what", "llm");
        line("[wait]  LLM request waiting for rate-limit permits of service \"" + service + "\"");
      } else {
        js("tool", tool_name);
        js("id", id);
        if (waiting_.insert(id).second) tool(tool_name).waiting++;
        line("[wait]  " + tool_name + " id=" + id + " waiting for rate-limit permits of service \"" + service + "\"");
      }
      break;
    }
    case TOOLORCH_EVENT_LLM_REQUEST:
      // The text of a round before ends its line.
      if (stream_text_ && streamed_) {
        if (mode_ == ProgressMode::kTty && same_tty_) {
          if (pending_text_.empty() ? out_col_ > 0 : pending_text_.back() != '\n') pending_text_ += "\n";
        } else if (out_col_ > 0) {
          text_out("\n", 1);
        }
      }
      attempt_text_.clear();
      totals_.llm_requests++;
      round_ = toolorch_event_round(ev);
      attempt_ = toolorch_event_attempts(ev);
      phase_ = LlmPhase::kRequesting;
      phase_since_us_ = now_us;
      jn("round", round_);
      jn("attempt", attempt_);
      break;
    case TOOLORCH_EVENT_LLM_RESPONSE: {
      totals_.llm_us += toolorch_event_run_us(ev);
      int st = toolorch_event_status(ev);
      phase_ = LlmPhase::kTools;
      phase_since_us_ = now_us;
      jn("round", toolorch_event_round(ev));
      jn("attempt", toolorch_event_attempts(ev));
      js("status", st == TOOLORCH_OK ? "ok" : toolorch_strerror(st));
      jn("http_status", toolorch_event_http_status(ev));
      jn("run_ms", static_cast<double>(toolorch_event_run_us(ev) / 1000));
      if (st != TOOLORCH_OK) js("error", first_line_cut(toolorch_event_text(ev), 200));
      break;
    }
    case TOOLORCH_EVENT_LLM_RETRY: {
      totals_.llm_retries++;
      retry_delay_us_ = toolorch_event_wait_us(ev);
      phase_ = LlmPhase::kBackoff;
      phase_since_us_ = now_us;
      std::string why = toolorch_event_text(ev);
      std::string l = llm_head(ev) + ": retrying in " + fmt("%.1f s", static_cast<double>(retry_delay_us_) / 1e6) +
                      " (attempt " + std::to_string(toolorch_event_attempts(ev)) + "/" +
                      std::to_string(toolorch_event_max_attempts(ev)) + ")";
      jn("attempt", toolorch_event_attempts(ev));
      jn("max_attempts", toolorch_event_max_attempts(ev));
      jn("http_status", toolorch_event_http_status(ev));
      jn("delay_ms", static_cast<double>(retry_delay_us_ / 1000));
      js("error", first_line_cut(why, 200));
      line(first_line_cut("[llm]   " + l + (why.empty() ? "" : ": " + why), w - 1));
      break;
    }
    case TOOLORCH_EVENT_TEXT_DELTA: {
      const char *t = toolorch_event_text(ev);
      size_t n = toolorch_event_text_len(ev);
      if (phase_ == LlmPhase::kRequesting) {
        phase_ = LlmPhase::kStreaming;
        phase_since_us_ = now_us;
      }
      attempt_text_.append(t, n);
      text_out(t, n);
      if (j) cJSON_AddItemToObject(j, "text", cJSON_CreateString(std::string(t, n).c_str()));
      break;
    }
    case TOOLORCH_EVENT_LLM_TOOL_CALL:
      if (phase_ == LlmPhase::kRequesting) {
        phase_ = LlmPhase::kStreaming;
        phase_since_us_ = now_us;
      }
      js("tool", tool_name);
      js("id", id);
      jn("round", toolorch_event_round(ev));
      break;
    case TOOLORCH_EVENT_USAGE:
      jn("input_tokens", static_cast<double>(toolorch_event_input_tokens(ev)));
      jn("output_tokens", static_cast<double>(toolorch_event_output_tokens(ev)));
      jn("cache_read_tokens", static_cast<double>(toolorch_event_cache_read_tokens(ev)));
      jn("cache_write_tokens", static_cast<double>(toolorch_event_cache_write_tokens(ev)));
      break;
    case TOOLORCH_EVENT_ROUND_DONE:
      jn("round", toolorch_event_round(ev));
      break;
    case TOOLORCH_EVENT_PROGRESS: {  // an MCP tool's progress notification
      char of[48] = "";
      if (toolorch_event_progress_total(ev) > 0) std::snprintf(of, sizeof of, "/%g", toolorch_event_progress_total(ev));
      js("tool", tool_name);
      js("id", id);
      jn("progress", toolorch_event_progress(ev));
      jn("total", toolorch_event_progress_total(ev));
      js("message", toolorch_event_text(ev));
      if (mode_ == ProgressMode::kPlain)
        line("[prog]  " + tool_name + " id=" + id + " " + fmt("%g", toolorch_event_progress(ev)) + of + " " +
             toolorch_event_text(ev));
      break;
    }
    case TOOLORCH_EVENT_SPECULATION: {
      static const char *const kOutcome[] = {"?", "used", "cancelled", "wasted", "dropped"};
      int o = toolorch_event_speculation(ev);
      const char *outcome = kOutcome[o >= 1 && o <= 4 ? o : 0];
      js("tool", tool_name);
      js("arguments", toolorch_event_json(ev));
      js("outcome", outcome);
      if (o == TOOLORCH_SPECULATION_DROPPED) js("reason", toolorch_event_text(ev));
      if (mode_ == ProgressMode::kPlain)
        line(std::string("[guess] ") + tool_name + " " + toolorch_event_json(ev) + " " + outcome +
             (o == TOOLORCH_SPECULATION_DROPPED ? std::string(": ") + toolorch_event_text(ev) : ""));
      break;
    }
    case TOOLORCH_EVENT_JOB_DONE: {
      int st = toolorch_event_status(ev);
      phase_ = LlmPhase::kDone;
      totals_.input_tokens = toolorch_event_input_tokens(ev);
      totals_.output_tokens = toolorch_event_output_tokens(ev);
      totals_.cache_read_tokens = toolorch_event_cache_read_tokens(ev);
      totals_.cache_write_tokens = toolorch_event_cache_write_tokens(ev);
      totals_.speculation_json = toolorch_event_speculation_json(ev);
      js("status", st == TOOLORCH_OK ? "ok" : toolorch_strerror(st));
      if (st != TOOLORCH_OK) js("error", first_line_cut(toolorch_event_text(ev), 200));
      break;
    }
    default:
      break;
  }
  if (j) jsonl(j, now_us);
  dirty_ = true;
}

void Progress::finish_answer(const std::string &answer, bool print_answer) {
  flush_logs();
  if (mode_ == ProgressMode::kTty) {
    // The area goes; what is pending comes out.
    write_all(STDERR_FILENO, frame(false, 0));
  }
  if (!print_answer) return;
  if (streamed_ && attempt_text_ == answer) {
    // The answer is on screen already: end its line.
    if (!(same_tty_ && mode_ == ProgressMode::kTty && out_col_ == 0 && !answer.empty() && answer.back() == '\n'))
      std::fputs("\n", stdout);
  } else {
    if (streamed_) std::fputs("\n", stdout);
    std::fputs(answer.c_str(), stdout);
    std::fputs("\n", stdout);
  }
  std::fflush(stdout);
  out_col_ = 0;
}

void Progress::finish(const RunTotals &extra, const std::string &status, int exit_code, int64_t now_us) {
  flush_logs();
  if (busy_since_us_ >= 0) {
    totals_.tools_busy_us += now_us - busy_since_us_;
    busy_since_us_ = -1;
  }
  totals_.wall_us = now_us - start_us_;
  totals_.max_running = extra.max_running;
  if (mode_ == ProgressMode::kJsonl) {
    cJSON *o = summary_json(totals_, status, exit_code, /*as_event=*/true);
    jsonl(o, now_us);
    return;
  }
  if (mode_ == ProgressMode::kNone) return;
  std::string out;
  for (const std::string &l : summary_lines(totals_, status)) out += l + "\n";
  write_all(STDERR_FILENO, out);
}

}  // namespace toolorch::cli
