// OpenAI Responses on the wire: response objects, the semantic SSE events
// (response.created ... output_item.added, function_call_arguments.delta /
// .done, output_text.delta, output_item.done ... response.completed), and
// {"error": {...}} bodies.
#pragma once

#include <string>
#include <string_view>

#include "mockllm/reply.h"

namespace toolorch::mockllm::responses {

StreamEvents stream_events(const Plan &plan, const ReplyContext &ctx);
std::string body(const Plan &plan, const ReplyContext &ctx);
std::string error_body(int status, std::string_view message);
// An "error" event inside a stream that already started.
std::string stream_error_event(std::string_view message);

}  // namespace toolorch::mockllm::responses
