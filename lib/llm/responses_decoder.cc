// OpenAI Responses answers -> Listener events.
//
// Streamed: semantic SSE events, the type in the data's "type" (and the SSE
// event name). A function_call output item is announced by
// response.output_item.added (item id, call_id, name); its arguments grow by
// response.function_call_arguments.delta and are sealed by
// response.function_call_arguments.done (keyed by item_id). The call is
// ready at .done, never earlier: arguments that merely parse may still grow.
// (response.output_item.done of the item seals it too, for servers that
// skip .done.) Text is response.output_text.delta. The stream ends with
// response.completed, response.incomplete (e.g. max_output_tokens) or
// response.failed; there is no [DONE]. An "error" event fails the request.
// Unknown events are ignored.
//
// Every output item (reasoning, message, function_call) is kept whole, from
// response.output_item.done or the final response's "output", and goes into
// Response::provider_state with the response id: the next round's request
// sends them back (responses_request.cc).
#include "json/json.h"
#include "llm/adapters.h"
#include "llm/http_errors.h"
#include "toolorch/status.h"

namespace toolorch::llm {

namespace {

bool retryable_code(const std::string &code) {
  return code.find("server_error") != std::string::npos || code.find("rate_limit") != std::string::npos ||
         code.find("overloaded") != std::string::npos || code.find("timeout") != std::string::npos;
}

// An error object {code, message} (the "error" event itself, or a failed
// response's "error").
void report_error(const cJSON *err, const char *what, Emitter *out) {
  std::string code = json::get_string(err, "code", "");
  if (code.empty()) code = json::get_string(err, "type", "");
  std::string message = json::get_string(err, "message", "");
  if (message.empty()) message = "no message";
  int status = code.find("rate_limit") != std::string::npos ? TOOLORCH_ERATELIMITED : TOOLORCH_EPROVIDER;
  out->error(status, retryable_code(code),
             std::string("OpenAI ") + what + (code.empty() ? "" : " (" + code + ")") + ": " + message);
}

}  // namespace

void ResponsesDecoder::keep_item(const cJSON *item) {
  if (!items_) items_.reset(cJSON_CreateArray());
  cJSON_AddItemToArray(items_.get(), cJSON_Duplicate(item, true));
}

void ResponsesDecoder::add_call(const cJSON *item) {
  Slot s;
  if (const char *call_id = nonempty_string(item, "call_id")) s.call.id = call_id;
  if (const char *name = nonempty_string(item, "name")) s.call.name = name;
  if (const char *id = nonempty_string(item, "id")) s.item_id = id;
  if (const char *args = json::get_string(item, "arguments")) s.call.args_json = args;
  if (s.call.id.empty()) s.call.id = s.item_id.empty() ? "toolorch_call_" + std::to_string(calls_.size()) : s.item_id;
  size_t pos = calls_.size();
  if (!s.item_id.empty()) slot_of_item_[s.item_id] = pos;
  calls_.push_back(std::move(s));
  out_->started(static_cast<int>(pos), calls_[pos].call.id, calls_[pos].call.name);
}

void ResponsesDecoder::ready_slot(size_t pos, const char *arguments) {
  Slot &s = calls_[pos];
  if (s.ready) return;
  s.ready = true;
  if (arguments) s.call.args_json = arguments;  // the sealed text wins over the deltas
  if (s.call.args_json.empty()) s.call.args_json = "{}";
  out_->ready(static_cast<int>(pos), s.call);
}

void ResponsesDecoder::ready_all() {
  for (size_t i = 0; i < calls_.size() && out_->alive(); ++i) ready_slot(i, nullptr);
}

// The final response object: its id, output, usage, status. False when it
// reported an error.
bool ResponsesDecoder::end_response(const cJSON *response, bool incomplete) {
  if (const char *id = nonempty_string(response, "id")) response_id_ = id;
  const cJSON *output = cJSON_GetObjectItemCaseSensitive(response, "output");
  if (cJSON_IsArray(output) && output->child) {
    items_.reset();  // the final list is the authority
    std::string text;
    bool saw_text = false;
    for (const cJSON *item = output->child; item; item = item->next) {
      keep_item(item);
      if (std::string_view(json::get_string(item, "type", "")) != "message") continue;
      const cJSON *content = cJSON_GetObjectItemCaseSensitive(item, "content");
      for (const cJSON *part = cJSON_IsArray(content) ? content->child : nullptr; part; part = part->next) {
        if (std::string_view(json::get_string(part, "type", "")) != "output_text") continue;
        if (const char *t = json::get_string(part, "text")) {
          text += t;
          saw_text = true;
        }
      }
    }
    if (saw_text && response_.text.empty()) {  // a whole body: the text comes first, as in a stream
      response_.text = text;
      out_->text(text);
      if (!out_->alive()) return false;
    }
    for (const cJSON *item = output->child; item; item = item->next) {
      if (std::string_view(json::get_string(item, "type", "")) != "function_call") continue;
      const char *item_id = nonempty_string(item, "id");
      const char *call_id = nonempty_string(item, "call_id");
      bool known = false;
      for (const Slot &s : calls_)
        if ((item_id && s.item_id == item_id) || (call_id && s.call.id == call_id)) known = true;
      if (!known) {  // a call the stream did not announce (or a whole body)
        add_call(item);
        if (!out_->alive()) return false;
        ready_slot(calls_.size() - 1, json::get_string(item, "arguments"));
        if (!out_->alive()) return false;
      }
    }
  }
  ready_all();
  if (!out_->alive()) return false;
  const cJSON *usage = cJSON_GetObjectItemCaseSensitive(response, "usage");
  if (cJSON_IsObject(usage)) {
    response_.usage.input_tokens = json::get_count(usage, "input_tokens");
    response_.usage.output_tokens = json::get_count(usage, "output_tokens");
    have_usage_ = true;
  }
  if (incomplete) {
    const cJSON *details = cJSON_GetObjectItemCaseSensitive(response, "incomplete_details");
    response_.stop_reason = json::get_string(details, "reason", "incomplete");
  } else {
    response_.stop_reason = calls_.empty() ? "stop" : "tool_calls";
  }
  if (have_usage_) out_->usage(response_.usage);
  if (!out_->alive()) return false;
  done_ = true;
  return true;
}

void ResponsesDecoder::on_event(const SseEvent &event) {
  if (!out_->alive() || done_) return;
  std::string why;
  json::Ptr doc = json::parse(event.data, decoder_limits(SseReader::kDefaultMaxEventBytes), &why);
  if (!doc || !cJSON_IsObject(doc.get())) {
    out_->error(TOOLORCH_EPROTOCOL, false,
                "OpenAI Responses stream event is not a JSON object" + (why.empty() ? "" : ": " + why));
    return;
  }
  const cJSON *ev = doc.get();
  std::string type = json::get_string(ev, "type", event.type.c_str());

  if (type == "response.output_text.delta") {
    if (const char *delta = nonempty_string(ev, "delta")) {
      response_.text += delta;
      if (!fits(response_.text.size(), "OpenAI Responses stream: the response text")) return;
      out_->text(delta);
    }
  } else if (type == "response.function_call_arguments.delta") {
    auto it = slot_of_item_.find(json::get_string(ev, "item_id", ""));
    if (it == slot_of_item_.end()) return;
    Slot &s = calls_[it->second];
    if (s.ready) {
      out_->error(TOOLORCH_EPROTOCOL, false, "OpenAI Responses stream: arguments of call " + s.call.id +
                                                 " continued after they were sealed");
      return;
    }
    if (const char *delta = json::get_string(ev, "delta")) {
      s.call.args_json += delta;
      if (!fits(s.call.args_json.size(), "OpenAI Responses stream: the arguments of call " + s.call.id)) return;
    }
  } else if (type == "response.function_call_arguments.done") {
    auto it = slot_of_item_.find(json::get_string(ev, "item_id", ""));
    if (it != slot_of_item_.end()) ready_slot(it->second, json::get_string(ev, "arguments"));
  } else if (type == "response.output_item.added") {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(ev, "item");
    if (std::string_view(json::get_string(item, "type", "")) == "function_call") add_call(item);
  } else if (type == "response.output_item.done") {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(ev, "item");
    if (!cJSON_IsObject(item)) return;
    keep_item(item);
    if (std::string_view(json::get_string(item, "type", "")) == "function_call") {
      auto it = slot_of_item_.find(json::get_string(item, "id", ""));
      if (it == slot_of_item_.end()) {
        add_call(item);
        if (!out_->alive()) return;
        ready_slot(calls_.size() - 1, json::get_string(item, "arguments"));
      } else {
        ready_slot(it->second, json::get_string(item, "arguments"));
      }
    }
  } else if (type == "response.created" || type == "response.in_progress") {
    const cJSON *response = cJSON_GetObjectItemCaseSensitive(ev, "response");
    if (const char *id = nonempty_string(response, "id")) response_id_ = id;
  } else if (type == "response.completed" || type == "response.incomplete") {
    end_response(cJSON_GetObjectItemCaseSensitive(ev, "response"), type == "response.incomplete");
  } else if (type == "response.failed") {
    const cJSON *response = cJSON_GetObjectItemCaseSensitive(ev, "response");
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(response, "error");
    report_error(err, "response failed", out_);
  } else if (type == "error") {
    // {"type":"error","code":...,"message":...} (some servers nest "error").
    const cJSON *nested = cJSON_GetObjectItemCaseSensitive(ev, "error");
    report_error(cJSON_IsObject(nested) ? nested : ev, "stream error", out_);
  }
}

void ResponsesDecoder::on_body(std::string_view body) {
  if (!out_->alive()) return;
  std::string why;
  json::Ptr doc = json::parse(body, decoder_limits(out_->max_response_bytes()), &why);
  if (!doc || !cJSON_IsObject(doc.get())) {
    out_->error(TOOLORCH_EPROTOCOL, false,
                "OpenAI Responses answer is not a JSON object" + (why.empty() ? "" : ": " + why));
    return;
  }
  const cJSON *err = cJSON_GetObjectItemCaseSensitive(doc.get(), "error");
  std::string status = json::get_string(doc.get(), "status", "");
  if (status == "failed" || (cJSON_IsObject(err))) {
    report_error(err, "response failed", out_);
    return;
  }
  if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc.get(), "output"))) {
    out_->error(TOOLORCH_EPROTOCOL, false, "OpenAI Responses answer has no \"output\" array");
    return;
  }
  if (!end_response(doc.get(), status == "incomplete")) return;
  out_->finished(take_response());
}

Response ResponsesDecoder::take_response() {
  response_.tool_calls.clear();
  for (Slot &s : calls_) response_.tool_calls.push_back(s.call);
  json::Ptr state(cJSON_CreateObject());
  cJSON_AddStringToObject(state.get(), "id", response_id_.c_str());
  cJSON_AddItemToObject(state.get(), "output", items_ ? items_.release() : cJSON_CreateArray());
  response_.provider_state = json::print(state.get());
  return std::move(response_);
}

}  // namespace toolorch::llm
