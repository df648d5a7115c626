// What `toolorch run` shows while a job runs, and the closing summary.
//   tty:   one live status area on stderr (calls running / done / failed /
//          waiting on a rate limit, per tool, the LLM phase, elapsed time),
//          redrawn in place at most 10 times a second, one write a frame;
//          notable lines (failed calls, retries, rate-limit waits, logs)
//          scroll above it. Colours unless NO_COLOR; cut to the width.
//   plain: a line per call start and end, retry and wait, as before.
//   jsonl: a JSON object per event on stderr; the last one is the summary.
//   none:  nothing but errors.
// The model's text goes to stdout as it streams (not with --json). Only the
// main thread uses a Progress; log lines from the library's thread come in
// through log_line().
#pragma once

#include <toolorch/toolorch.h>

#include <cjson/cJSON.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace toolorch::cli {

enum class ProgressMode { kTty, kPlain, kJsonl, kNone };

// The mode --progress names, else tty when stderr is a terminal, else plain.
ProgressMode progress_mode(const char *flag);

// The run's figures, for the summary.
struct RunTotals {
  int64_t wall_us = 0, llm_us = 0, tool_us = 0, tools_busy_us = 0;
  int64_t llm_requests = 0, llm_retries = 0, tool_retries = 0, rate_limit_waits = 0;
  int64_t calls = 0, succeeded = 0, failed = 0, cancelled = 0, timed_out = 0;
  int64_t max_running = 0;
  int64_t input_tokens = 0, output_tokens = 0, cache_read_tokens = 0, cache_write_tokens = 0;
  std::string speculation_json;  // JOB_DONE's speculation summary ("" if none)
  double speedup() const {
    return tools_busy_us > 0 ? static_cast<double>(tool_us) / static_cast<double>(tools_busy_us) : 0;
  }
};

// The summary as a JSON object (caller owns it); as_event: {"event": "summary", ...}.
cJSON *summary_json(const RunTotals &t, const std::string &status, int exit_code, bool as_event = false);
// The summary as lines for people ("toolorch: ..." each).
std::vector<std::string> summary_lines(const RunTotals &t, const std::string &status);

class Progress {
 public:
  // stream_text: the model's text goes to stdout as it arrives.
  Progress(ProgressMode mode, bool stream_text, int64_t start_us);
  ~Progress();

  ProgressMode mode() const { return mode_; }
  // A notice ("toolorch: ..." without the prefix).
  void notice(const std::string &text, int64_t now_us);
  // An error at the end ("toolorch: ..." on stderr; jsonl: {"event": "error"}).
  void error(const std::string &text, int64_t now_us);
  void event(const toolorch_event *ev, int64_t now_us);
  // tty: draws the area if something changed and the last frame is 100 ms
  // old. Returns the poll timeout the caller should use (ms, -1: none).
  int tick(int64_t now_us);
  // Log lines, from any thread (the library's loop); printed on the next tick.
  void log_line(const std::string &line);

  // The end: the live area goes, the answer is finished on stdout (unless
  // the text streamed was it), then the summary (stderr / jsonl).
  void finish_answer(const std::string &answer, bool print_answer);
  void finish(const RunTotals &extra, const std::string &status, int exit_code, int64_t now_us);
  const RunTotals &totals() const { return totals_; }

 private:
  struct ToolCounts {
    int64_t running = 0, done = 0, failed = 0, waiting = 0;
  };
  enum class LlmPhase { kIdle, kPermits, kRequesting, kStreaming, kBackoff, kTools, kDone };

  void line(const std::string &text);  // a line above the area / on stderr
  void jsonl(cJSON *obj, int64_t now_us);
  void text_out(const char *p, size_t n);
  void flush_logs();
  std::string frame(bool with_area, int64_t now_us);
  std::vector<std::string> area_lines(int64_t now_us);
  int width() const;
  int rows() const;
  ToolCounts &tool(const std::string &name);
  void started(const std::string &id, const std::string &tool, int64_t now_us);
  void ended(const std::string &id, int64_t now_us);

  ProgressMode mode_;
  bool stream_text_, color_, same_tty_;
  int64_t start_us_;
  RunTotals totals_;
  // Live state.
  std::vector<std::string> tool_order_;
  std::map<std::string, ToolCounts> tools_;
  std::map<std::string, std::string> running_;  // call id -> tool
  std::set<std::string> waiting_;                 // call ids waiting on a rate limit
  int64_t busy_since_us_ = -1;
  LlmPhase phase_ = LlmPhase::kIdle;
  int64_t phase_since_us_ = 0, retry_delay_us_ = 0;
  int round_ = 0, attempt_ = 0;
  // Output state.
  std::string attempt_text_;   // what this LLM attempt streamed
  bool streamed_ = false;      // some text went to stdout
  int out_col_ = 0;            // stdout's column after the text (same terminal)
  std::string pending_text_;   // tty, same terminal: text for the next frame
  std::vector<std::string> pending_lines_;  // tty: lines for the next frame
  int drawn_rows_ = 0, drawn_col_ = 0;      // the area on screen
  bool dirty_ = true;
  int64_t last_frame_us_ = -1;
  std::mutex log_mu_;
  std::vector<std::string> logs_;
};

}  // namespace toolorch::cli
