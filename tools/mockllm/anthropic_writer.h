// Anthropic Messages on the wire: message bodies, the SSE event sequence
// (message_start, ping, content_block_start/delta/stop, message_delta,
// message_stop), and {"type":"error","error":{...}} bodies.
#pragma once

#include <string>
#include <string_view>

#include "mockllm/reply.h"

namespace toolorch::mockllm::anthropic {

StreamEvents stream_events(const Plan &plan, const ReplyContext &ctx);
std::string body(const Plan &plan, const ReplyContext &ctx);
std::string error_body(int status, std::string_view message);
std::string stream_error_event(std::string_view message);

}  // namespace toolorch::mockllm::anthropic
