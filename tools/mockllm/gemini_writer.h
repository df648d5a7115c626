// Google Gemini on the wire: GenerateContentResponse bodies, the SSE stream
// of :streamGenerateContent?alt=sse (one whole GenerateContentResponse per
// event: text pieces, then one event per functionCall part, the last with
// finishReason and usageMetadata), and google.rpc.Status error bodies
// ({"error": {"code", "message", "status", "details"}}, RetryInfo on 429).
#pragma once

#include <string>
#include <string_view>

#include "mockllm/reply.h"

namespace toolorch::mockllm::gemini {

StreamEvents stream_events(const Plan &plan, const ReplyContext &ctx);
std::string body(const Plan &plan, const ReplyContext &ctx);
// retry_delay_ms >= 0 adds a RetryInfo detail.
std::string error_body(int status, std::string_view message, int64_t retry_delay_ms = -1);
std::string stream_error_event(std::string_view message);
// The thoughtSignature the server puts on a turn's first functionCall part
// (derived from the call id, so the server can check it comes back).
std::string signature_for(std::string_view call_id);

}  // namespace toolorch::mockllm::gemini
