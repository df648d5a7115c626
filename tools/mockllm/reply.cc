#include "mockllm/reply.h"

#include <algorithm>

#include "mockllm/anthropic_writer.h"
#include "mockllm/gemini_writer.h"
#include "mockllm/openai_writer.h"
#include "mockllm/responses_writer.h"

namespace toolorch::mockllm {
namespace {

constexpr const char *kJson = "application/json";
constexpr const char *kSse = "text/event-stream; charset=utf-8";

// Where a cut "after n complete calls" falls: call n has begun and shown its
// first argument piece (so calls 0..n-1 are known complete under both
// protocols), and nothing more. With no calls, halfway through the text.
size_t cut_after_calls(const StreamEvents &s, int n) {
  if (s.call_start.empty()) return s.text_start + std::max<size_t>(1, s.text_pieces / 2);
  const size_t k = static_cast<size_t>(n);
  if (k >= s.call_start.size()) return s.finish_at;
  if (s.atomic_calls) return s.call_start[k];
  return s.call_start[k] + 1 + (s.call_pieces[k] > 1 ? 1 : 0);
}

size_t calls_started_before(const StreamEvents &s, size_t end) {
  size_t n = 0;
  while (n < s.call_start.size() && s.call_start[n] < end) ++n;
  return n;
}

void add_sse_headers(Reply *r) {
  r->headers.emplace_back("Content-Type", kSse);
  r->headers.emplace_back("Cache-Control", "no-cache");
}

}  // namespace

std::vector<std::string> group_events(const StreamEvents &s, size_t end) {
  std::vector<std::string> groups;
  std::string current;
  for (size_t i = 0; i < end && i < s.events.size(); ++i) {
    current += s.events[i].text;
    if (s.events[i].paced) {
      groups.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) groups.push_back(std::move(current));
  return groups;
}

Reply render_error(Protocol protocol, int status, std::string_view message, int64_t retry_delay_ms) {
  Reply r;
  r.status = status;
  r.headers.emplace_back("Content-Type", kJson);
  switch (protocol) {
    case Protocol::kOpenAI: r.body = openai::error_body(status, message); break;
    case Protocol::kAnthropic: r.body = anthropic::error_body(status, message); break;
    case Protocol::kOpenAIResponses: r.body = responses::error_body(status, message); break;
    case Protocol::kGemini: r.body = gemini::error_body(status, message, retry_delay_ms); break;
  }
  return r;
}

namespace {

StreamEvents stream_for(Protocol p, const Plan &plan, const ReplyContext &ctx) {
  switch (p) {
    case Protocol::kAnthropic: return anthropic::stream_events(plan, ctx);
    case Protocol::kOpenAIResponses: return responses::stream_events(plan, ctx);
    case Protocol::kGemini: return gemini::stream_events(plan, ctx);
    case Protocol::kOpenAI: break;
  }
  return openai::stream_events(plan, ctx);
}

std::string body_for(Protocol p, const Plan &plan, const ReplyContext &ctx) {
  switch (p) {
    case Protocol::kAnthropic: return anthropic::body(plan, ctx);
    case Protocol::kOpenAIResponses: return responses::body(plan, ctx);
    case Protocol::kGemini: return gemini::body(plan, ctx);
    case Protocol::kOpenAI: break;
  }
  return openai::body(plan, ctx);
}

std::string stream_error_for(Protocol p, const std::string &message) {
  switch (p) {
    case Protocol::kAnthropic: return anthropic::stream_error_event(message);
    case Protocol::kOpenAIResponses: return responses::stream_error_event(message);
    case Protocol::kGemini: return gemini::stream_error_event(message);
    case Protocol::kOpenAI: break;
  }
  return openai::stream_error_event(message);
}

}  // namespace

Reply render(const Plan &plan, const ParsedRequest &req, const ReplyContext &ctx) {
  const bool anthropic = req.protocol == Protocol::kAnthropic;
  Reply r;
  switch (plan.action) {
    case Plan::Action::kHttpError:
      if (req.protocol == Protocol::kGemini) {
        // Gemini says when to come back in the body (RetryInfo), not in headers.
        int64_t delay = plan.retry_after_ms >= 0 ? plan.retry_after_ms
                        : plan.retry_after_s >= 0 ? int64_t{plan.retry_after_s} * 1000
                                                  : -1;
        r = render_error(req.protocol, plan.http_status, plan.error_message, delay);
        break;
      }
      r = render_error(req.protocol, plan.http_status, plan.error_message);
      if (plan.retry_after_s >= 0) r.headers.emplace_back("Retry-After", std::to_string(plan.retry_after_s));
      if (plan.retry_after_ms >= 0) r.headers.emplace_back("retry-after-ms", std::to_string(plan.retry_after_ms));
      break;
    case Plan::Action::kEmptyBody:
      if (req.stream) {
        r.streamed = true;  // headers, then the end at once
        add_sse_headers(&r);
      } else {
        r.headers.emplace_back("Content-Type", kJson);
      }
      break;
    case Plan::Action::kNonJsonBody:
      if (req.stream) {
        r.streamed = true;
        add_sse_headers(&r);
        r.groups.push_back("data: {this is not json\n\n");
      } else {
        r.headers.emplace_back("Content-Type", kJson);
        r.body = "<html><body>this is not JSON {</body></html>";
      }
      break;
    case Plan::Action::kAnswer:
      if (!req.stream) {
        if (plan.drop_after_calls >= 0) {
          r.close_after = true;  // no answer at all
        } else if (plan.error_after_calls >= 0) {
          r = render_error(req.protocol, anthropic ? 529 : 500, plan.error_message);
        } else {
          r.headers.emplace_back("Content-Type", kJson);
          r.body = body_for(req.protocol, plan, ctx);
          r.calls_sent = plan.calls.size();
        }
        break;
      }
      r.streamed = true;
      add_sse_headers(&r);
      {
        const StreamEvents s = stream_for(req.protocol, plan, ctx);
        size_t end = s.events.size();
        if (plan.drop_after_calls >= 0) {
          end = cut_after_calls(s, plan.drop_after_calls);
          r.close_after = true;
        } else if (plan.error_after_calls >= 0) {
          end = cut_after_calls(s, plan.error_after_calls);
        }
        r.groups = group_events(s, end);
        r.calls_sent = calls_started_before(s, end);
        if (plan.error_after_calls >= 0 && plan.drop_after_calls < 0)
          r.groups.push_back(stream_error_for(req.protocol, plan.error_message));
      }
      break;
  }
  r.headers.emplace_back(anthropic ? "request-id" : "x-request-id", "req_" + ctx.response_id);
  r.ttfb_ms = plan.ttfb_ms;
  r.gap_ms = plan.chunk_gap_ms;
  return r;
}

}  // namespace toolorch::mockllm
