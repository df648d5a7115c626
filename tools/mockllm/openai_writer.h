// OpenAI Chat Completions on the wire: chat.completion bodies,
// chat.completion.chunk SSE events ("data: {...}" ... "data: [DONE]"), and
// {"error": {...}} bodies.
#pragma once

#include <string>
#include <string_view>

#include "mockllm/reply.h"

namespace toolorch::mockllm::openai {

StreamEvents stream_events(const Plan &plan, const ReplyContext &ctx);
std::string body(const Plan &plan, const ReplyContext &ctx);
std::string error_body(int status, std::string_view message);
// An error reported inside a stream that already started.
std::string stream_error_event(std::string_view message);

}  // namespace toolorch::mockllm::openai
