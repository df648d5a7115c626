// Gemini answers -> Listener events.
//
// Streamed (:streamGenerateContent?alt=sse): every "data:" event is a whole
// GenerateContentResponse; candidates[0].content.parts grow across events.
// A functionCall part arrives whole (name, args as an object, maybe an id
// and a thoughtSignature): its arguments are sealed the moment it arrives,
// so the call is started and ready at once, while later parts still stream.
// The last chunk carries finishReason; that is the end (there is no other
// marker, so a stream that stops before it was cut). usageMetadata is
// cumulative: the last one counts.
//
// Every part is kept as it came (text pieces without a signature are joined)
// into Response::provider_state, so the next request sends the model's turn
// back with its thoughtSignatures exactly where they were.
//
// Errors: {"error": {"code", "message", "status"}} in a 200 stream or body
// maps like the HTTP status it names (429 RESOURCE_EXHAUSTED -> rate
// limited, with RetryInfo; 5xx retryable). A finishReason of
// MALFORMED_FUNCTION_CALL is a retryable provider error; a prompt blocked
// (promptFeedback.blockReason, no candidates) is a provider error.
#include <atomic>

#include "json/json.h"
#include "llm/adapters.h"
#include "llm/http_errors.h"
#include "toolorch/status.h"

namespace toolorch::llm {

namespace {

// Calls the model sent without an id get one of ours (never sent back:
// gemini_request.cc), unique in the process.
std::string make_call_id() {
  static std::atomic<uint64_t> next{0};
  return "toolorch-gemini-" + std::to_string(++next);
}

bool plain_text_part(const cJSON *part) {
  const cJSON *first = part->child;
  return first && !first->next && first->string && std::string_view(first->string) == "text" &&
         cJSON_IsString(first);
}

bool report_embedded_error(const cJSON *doc, std::string_view text, Emitter *out) {
  const cJSON *err = cJSON_GetObjectItemCaseSensitive(doc, "error");
  if (!cJSON_IsObject(err)) return false;
  long code = static_cast<long>(json::clamp_to_int64(json::get_number(err, "code", 0), 0, 999));
  std::string status = json::get_string(err, "status", "");
  Error e;
  e.http_status = code;
  bool limited = code == 429 || status == "RESOURCE_EXHAUSTED";
  e.status = limited ? TOOLORCH_ERATELIMITED : TOOLORCH_EPROVIDER;
  e.retryable = limited || code >= 500 || status == "UNAVAILABLE" || status == "INTERNAL";
  if (e.retryable) e.retry_after_ms = retry_info_ms(text);
  e.message = "Gemini reported an error" + (status.empty() ? "" : " (" + status + ")") + ": " +
              json::get_string(err, "message", "no message");
  out->error(std::move(e));
  return true;
}

std::string stop_reason(const std::string &finish, bool calls) {
  if (finish == "STOP") return calls ? "tool_calls" : "stop";
  if (finish == "MAX_TOKENS") return "max_tokens";
  if (finish == "SAFETY" || finish == "RECITATION" || finish == "BLOCKLIST" || finish == "PROHIBITED_CONTENT" ||
      finish == "SPII" || finish == "IMAGE_SAFETY")
    return "content_filter";
  std::string lower;
  for (char c : finish) lower.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  return lower;
}

}  // namespace

void GeminiDecoder::keep_part(const cJSON *part) {
  if (!parts_) parts_.reset(cJSON_CreateArray());
  cJSON *last = parts_->child ? parts_->child->prev : nullptr;  // cJSON keeps the tail in child->prev
  if (plain_text_part(part) && !*part->child->valuestring) return;  // an empty piece says nothing
  if (last && plain_text_part(part) && plain_text_part(last)) {
    std::string joined = std::string(last->child->valuestring) + part->child->valuestring;
    cJSON_SetValuestring(last->child, joined.c_str());
    return;
  }
  cJSON_AddItemToArray(parts_.get(), cJSON_Duplicate(part, true));
}

bool GeminiDecoder::on_chunk(const cJSON *chunk, std::string_view text) {
  if (report_embedded_error(chunk, text, out_)) return false;
  const cJSON *usage = cJSON_GetObjectItemCaseSensitive(chunk, "usageMetadata");
  if (cJSON_IsObject(usage)) {
    response_.usage.input_tokens = json::get_count(usage, "promptTokenCount");
    response_.usage.output_tokens =
        json::add_counts(json::get_count(usage, "candidatesTokenCount"), json::get_count(usage, "thoughtsTokenCount"));
    have_usage_ = true;
  }
  const cJSON *candidates = cJSON_GetObjectItemCaseSensitive(chunk, "candidates");
  const cJSON *cand = cJSON_IsArray(candidates) ? cJSON_GetArrayItem(candidates, 0) : nullptr;
  if (!cand) {
    const cJSON *feedback = cJSON_GetObjectItemCaseSensitive(chunk, "promptFeedback");
    if (const char *block = json::get_string(feedback, "blockReason")) {
      out_->error(TOOLORCH_EPROVIDER, false, std::string("Gemini blocked the prompt: ") + block);
      return false;
    }
    return true;  // a usage-only chunk
  }
  const cJSON *content = cJSON_GetObjectItemCaseSensitive(cand, "content");
  const cJSON *parts = cJSON_GetObjectItemCaseSensitive(content, "parts");
  for (const cJSON *part = cJSON_IsArray(parts) ? parts->child : nullptr; part; part = part->next) {
    if (!cJSON_IsObject(part)) continue;
    keep_part(part);
    const cJSON *fc = cJSON_GetObjectItemCaseSensitive(part, "functionCall");
    if (cJSON_IsObject(fc)) {
      ToolCall call;
      const char *id = json::get_string(fc, "id");
      call.id = id && *id ? id : make_call_id();
      call.name = json::get_string(fc, "name", "");
      const cJSON *args = cJSON_GetObjectItemCaseSensitive(fc, "args");
      if (cJSON_IsString(args)) call.args_json = args->valuestring;  // not an object: the core says so
      else if (args && !cJSON_IsNull(args)) call.args_json = json::print(args);
      else call.args_json = "{}";
      if (const char *sig = json::get_string(part, "thoughtSignature")) call.signature = sig;
      int index = static_cast<int>(calls_.size());
      calls_.push_back(call);
      out_->started(index, call.id, call.name);
      if (!out_->alive()) return false;
      out_->ready(index, calls_.back());
      if (!out_->alive()) return false;
      continue;
    }
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(part, "text");
    if (cJSON_IsString(t) && *t->valuestring && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(part, "thought"))) {
      response_.text += t->valuestring;
      if (!fits(response_.text.size(), "Gemini stream: the response text")) return false;
      out_->text(t->valuestring);
      if (!out_->alive()) return false;
    }
  }
  if (const char *finish = json::get_string(cand, "finishReason")) {
    std::string f = finish;
    if (f == "FINISH_REASON_UNSPECIFIED") return true;
    if (f == "MALFORMED_FUNCTION_CALL" || f == "UNEXPECTED_TOOL_CALL") {
      out_->error(TOOLORCH_EPROVIDER, true, "Gemini ended with " + f);
      return false;
    }
    response_.stop_reason = stop_reason(f, !calls_.empty());
    done_ = true;
  }
  return true;
}

void GeminiDecoder::on_event(const SseEvent &event) {
  if (!out_->alive()) return;
  std::string why;
  json::Ptr doc = json::parse(event.data, decoder_limits(SseReader::kDefaultMaxEventBytes), &why);
  // A stream may say its error as a one-element array of the error body.
  if (doc && cJSON_IsArray(doc.get()) && cJSON_IsObject(cJSON_GetArrayItem(doc.get(), 0)))
    doc.reset(cJSON_DetachItemFromArray(doc.get(), 0));
  if (!doc || !cJSON_IsObject(doc.get())) {
    out_->error(TOOLORCH_EPROTOCOL, false, "Gemini stream event is not a JSON object" + (why.empty() ? "" : ": " + why));
    return;
  }
  on_chunk(doc.get(), event.data);
}

void GeminiDecoder::before_finish() {
  if (have_usage_) out_->usage(response_.usage);
}

void GeminiDecoder::on_body(std::string_view body) {
  if (!out_->alive()) return;
  std::string why;
  json::Ptr doc = json::parse(body, decoder_limits(out_->max_response_bytes()), &why);
  if (!doc || !cJSON_IsObject(doc.get())) {
    out_->error(TOOLORCH_EPROTOCOL, false, "Gemini answer is not a JSON object" + (why.empty() ? "" : ": " + why));
    return;
  }
  if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc.get(), "candidates")) &&
      !cJSON_GetObjectItemCaseSensitive(doc.get(), "error") &&
      !cJSON_GetObjectItemCaseSensitive(doc.get(), "promptFeedback")) {
    out_->error(TOOLORCH_EPROTOCOL, false, "Gemini answer has no \"candidates\"");
    return;
  }
  if (!on_chunk(doc.get(), body)) return;
  // A whole answer is complete even if it names no finishReason.
  done_ = true;
  before_finish();
  if (!out_->alive()) return;
  out_->finished(take_response());
}

Response GeminiDecoder::take_response() {
  response_.tool_calls = calls_;
  if (parts_) {
    json::Ptr state(cJSON_CreateObject());
    cJSON_AddItemToObject(state.get(), "parts", parts_.release());
    response_.provider_state = json::print(state.get());
  }
  return std::move(response_);
}

}  // namespace toolorch::llm
