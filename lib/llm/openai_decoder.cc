// OpenAI Chat Completions answers -> Listener events.
//
// Streamed: each "data:" event is a chat.completion.chunk; choices[0].delta
// carries text ("content") and tool call fragments ("tool_calls", keyed by
// "index": id and name come in the first fragment of an index, "arguments"
// in pieces). Calls are streamed one after the other, so a call is complete
// the moment a later one begins: that is when it is reported ready, without
// waiting for the rest of the response. The usage chunk (stream_options
// include_usage) has empty choices; "data: [DONE]" ends the stream.
//
// Some OpenAI-compatible servers (Ollama) reuse index 0 for every call of a
// parallel batch and tell them apart only by id: a new id at a used index
// begins a new call.
#include <cstring>
#include <iterator>

#include "json/flat.h"
#include "json/json.h"
#include "llm/adapters.h"
#include "llm/http_errors.h"
#include "toolorch/status.h"

namespace toolorch::llm {

namespace {

// {"error": ...} inside a 200 answer (a failure mid-stream).
bool report_embedded_error(const cJSON *doc, std::string_view text, Emitter *out) {
  const cJSON *err = cJSON_GetObjectItemCaseSensitive(doc, "error");
  if (!err || cJSON_IsNull(err)) return false;
  std::string type;
  if (const char *t = json::get_string(err, "type")) type = t;
  if (const char *c = json::get_string(err, "code")) type += std::string(" ") + c;
  bool retryable = type.find("server_error") != std::string::npos ||
                   type.find("overloaded") != std::string::npos;
  out->error(TOOLORCH_EPROVIDER, retryable, "OpenAI reported an error: " + provider_error_message(text));
  return true;
}

// prompt_tokens counts the cached ones too; their share is reported apart.
void read_usage(const cJSON *usage, Usage *u) {
  u->input_tokens = json::get_count(usage, "prompt_tokens");
  u->output_tokens = json::get_count(usage, "completion_tokens");
  u->cache_read_tokens =
      json::get_count(cJSON_GetObjectItemCaseSensitive(usage, "prompt_tokens_details"), "cached_tokens");
}

// What fast_event reads of a chunk; the rest (the head: "id", "model", ...;
// "logprobs") is checked but not stored.
using Keep = json::FlatDoc::Keep;
using Member = json::FlatDoc::Member;
constexpr Member kFunctionMembers[] = {{"name", nullptr}, {"arguments", nullptr}};
constexpr Keep kFunction{kFunctionMembers, 2};
constexpr Member kToolCallMembers[] = {{"index", nullptr}, {"id", nullptr}, {"function", &kFunction}};
constexpr Keep kToolCall{kToolCallMembers, 3};
constexpr Member kDeltaMembers[] = {{"content", nullptr}, {"tool_calls", &kToolCall}};
constexpr Keep kDelta{kDeltaMembers, 2};
constexpr Member kChoiceMembers[] = {{"delta", &kDelta}, {"finish_reason", nullptr}};
constexpr Keep kChoice{kChoiceMembers, 2};
constexpr Member kChunkMembers[] = {{"error", nullptr}, {"usage", nullptr}, {"choices", &kChoice}};
constexpr Keep kChunk{kChunkMembers, 3};

// The chunks of a stream that take one of a few fixed shapes after their
// head (the same "id", "object", "created", "model", "system_fingerprint" in
// every chunk, read once by the FlatDoc): read in one pass, each hole's
// value being what fast_event reads in its member (test_openai checks that
// each shape is a chunk FlatDoc reads so). OpenAI's chunks end with
// "usage":null when the request asked for usage.
using Shape = json::FlatDoc::Shape;
using Part = json::FlatDoc::ShapePart;
using Hole = json::FlatDoc::Hole;
constexpr std::string_view kCallOpen = R"("choices":[{"index":0,"delta":{"tool_calls":[{"index":)";
constexpr std::string_view kCallClose = R"(}}]},"logprobs":null,"finish_reason":null}]})";
constexpr std::string_view kCallCloseUsage = R"(}}]},"logprobs":null,"finish_reason":null}],"usage":null})";
constexpr std::string_view kTextOpen = R"("choices":[{"index":0,"delta":{"content":)";
constexpr std::string_view kTextClose = R"(},"logprobs":null,"finish_reason":null}]})";
constexpr std::string_view kTextCloseUsage = R"(},"logprobs":null,"finish_reason":null}],"usage":null})";
// A piece of a call's arguments: index, arguments.
constexpr Part kPiece[] = {{kCallOpen, Hole::kSmallInt}, {R"(,"function":{"arguments":)", Hole::kString},
                           {kCallClose, Hole::kEnd}};
constexpr Part kPieceUsage[] = {{kCallOpen, Hole::kSmallInt}, {R"(,"function":{"arguments":)", Hole::kString},
                                {kCallCloseUsage, Hole::kEnd}};
// The start of a call: index, id, name, arguments.
constexpr Part kStart[] = {{kCallOpen, Hole::kSmallInt}, {R"(,"id":)", Hole::kString},
                           {R"(,"type":"function","function":{"name":)", Hole::kString},
                           {R"(,"arguments":)", Hole::kString}, {kCallClose, Hole::kEnd}};
constexpr Part kStartUsage[] = {{kCallOpen, Hole::kSmallInt}, {R"(,"id":)", Hole::kString},
                                {R"(,"type":"function","function":{"name":)", Hole::kString},
                                {R"(,"arguments":)", Hole::kString}, {kCallCloseUsage, Hole::kEnd}};
// A piece of text: content.
constexpr Part kText[] = {{kTextOpen, Hole::kString}, {kTextClose, Hole::kEnd}};
constexpr Part kTextUsage[] = {{kTextOpen, Hole::kString}, {kTextCloseUsage, Hole::kEnd}};
enum ShapeId { kPieceShape, kPieceUsageShape, kStartShape, kStartUsageShape, kTextShape, kTextUsageShape };
constexpr Shape kShapes[] = {{kPiece, 3}, {kPieceUsage, 3}, {kStart, 5}, {kStartUsage, 5}, {kText, 2}, {kTextUsage, 2}};

std::string arguments_text(const cJSON *fn) {
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(fn, "arguments");
  if (cJSON_IsString(a) && a->valuestring) return a->valuestring;
  if (cJSON_IsObject(a)) return json::print(a);  // servers that send an object
  return "";
}

}  // namespace

void OpenAIDecoder::start_slot(size_t pos) {
  Slot &s = calls_[pos];
  if (s.started) return;
  s.started = true;
  if (s.call.id.empty()) s.call.id = "toolorch_call_" + std::to_string(pos);  // servers that send none
  out_->started(static_cast<int>(pos), s.call.id, s.call.name);
}

void OpenAIDecoder::ready_slot(size_t pos) {
  if (calls_[pos].ready) return;
  start_slot(pos);
  if (!out_->alive()) return;
  Slot &s = calls_[pos];
  s.ready = true;
  if (s.call.args_json.empty()) s.call.args_json = "{}";  // a call without arguments
  out_->ready(static_cast<int>(pos), s.call);
}

void OpenAIDecoder::ready_all() {
  // Calls become ready in order: start after the last one made ready, so a
  // response of N calls costs O(N), not O(N^2).
  for (; ready_upto_ < calls_.size() && out_->alive(); ++ready_upto_) ready_slot(ready_upto_);
}

void OpenAIDecoder::on_tool_call_delta(const cJSON *delta, int position) {
  const cJSON *index = cJSON_GetObjectItemCaseSensitive(delta, "index");
  int idx = cJSON_IsNumber(index) ? index->valueint : position;
  const char *id = nonempty_string(delta, "id");
  const cJSON *fn = cJSON_GetObjectItemCaseSensitive(delta, "function");
  const char *name = nonempty_string(fn, "name");
  std::string args = arguments_text(fn);
  apply_tool_call_delta(idx, id ? id : "", name ? name : "", args);
}

// id and name: "" when the delta has none.
void OpenAIDecoder::apply_tool_call_delta(int idx, std::string_view id, std::string_view name, std::string_view args) {
  auto it = slot_of_index_.find(idx);
  bool new_call = it == slot_of_index_.end() ||
                  (!id.empty() && !calls_[it->second].call.id.empty() && calls_[it->second].call.id != id);
  size_t pos;
  if (new_call) {
    ready_all();  // the calls before this one are complete
    if (!out_->alive()) return;
    calls_.emplace_back();
    pos = calls_.size() - 1;
    slot_of_index_[idx] = pos;
  } else {
    pos = it->second;
  }
  Slot &s = calls_[pos];
  if (s.ready) {
    if (!args.empty() || (!name.empty() && s.call.name.empty()))
      out_->error(TOOLORCH_EPROTOCOL, false,
                  "OpenAI stream: tool call " + std::to_string(pos) +
                      " continued after a later call had begun");
    return;
  }
  if (!id.empty() && s.call.id.empty()) s.call.id = id;
  if (!name.empty() && s.call.name.empty()) s.call.name = name;
  s.call.args_json += args;
  if (s.call.args_json.size() > out_->max_response_bytes() &&
      !fits(s.call.args_json.size(), "OpenAI stream: the arguments of tool call " + std::to_string(pos)))
    return;
  if (!s.started && !s.call.name.empty()) start_slot(pos);
}

// False when the request ended.
bool OpenAIDecoder::add_text(std::string_view text) {
  if (text.empty()) return true;
  response_.text += text;
  if (!fits(response_.text.size(), "OpenAI stream: the response text")) return false;
  out_->text(text);
  return out_->alive();
}

// The common chunk (text, tool call pieces, the finish), read without a
// cJSON document. False, having done nothing, for anything else (an error,
// usage, a shape or text it does not read exactly as cJSON would): the
// caller reads that chunk with cJSON.
bool OpenAIDecoder::fast_event(std::string_view data) {
  using T = json::FlatDoc::Type;
  constexpr json::FlatDoc::Index kNone = json::FlatDoc::kNone;
  json::FlatDoc &d = flat_;
  json::FlatDoc::HoleValue v[json::FlatDoc::kMaxHoles];
  switch (d.match(data, SseReader::kDefaultMaxEventBytes, 128, &kChunk, kShapes, std::size(kShapes), v)) {
    case kPieceShape:
    case kPieceUsageShape: apply_tool_call_delta(v[0].number, {}, {}, v[1].text); return true;
    case kStartShape:
    case kStartUsageShape: apply_tool_call_delta(v[0].number, v[1].text, v[2].text, v[3].text); return true;
    case kTextShape:
    case kTextUsageShape: add_text(v[0].text); return true;
    default: break;
  }
  if (!d.parse(data, SseReader::kDefaultMaxEventBytes, 128, &kChunk) || !d.is(d.root(), T::kObject)) return false;
  const auto err = d.get(d.root(), "error");
  if (err != kNone && !d.is(err, T::kNull)) return false;
  // "usage":null (in every chunk but the last when usage was asked for)
  // is no usage: on_event reads only an object.
  const auto usage = d.get(d.root(), "usage");
  if (usage != kNone && !d.is(usage, T::kNull)) return false;
  const auto choices = d.get(d.root(), "choices");
  if (choices != kNone && !d.is(choices, T::kArray)) return false;
  const auto choice = choices == kNone ? kNone : d.first_child(choices);
  std::string_view content, finish;
  deltas_.clear();
  if (choice != kNone) {
    if (!d.is(choice, T::kObject)) return false;
    const auto delta = d.get(choice, "delta");
    if (delta != kNone && !d.is(delta, T::kObject) && !d.is(delta, T::kNull)) return false;
    const auto c = d.get(delta, "content");
    if (d.is(c, T::kString)) content = d.text(c);
    const auto calls = d.get(delta, "tool_calls");
    if (calls != kNone && !d.is(calls, T::kArray) && !d.is(calls, T::kNull)) return false;
    int position = 0;
    for (auto tc = d.is(calls, T::kArray) ? d.first_child(calls) : kNone; tc != kNone; tc = d.next(tc), ++position) {
      if (!d.is(tc, T::kObject)) return false;
      Delta x;
      const auto index = d.get(tc, "index");
      x.index = position;
      if (index != kNone && !d.is(index, T::kNumber)) return false;
      if (index != kNone && !d.small_int(index, &x.index)) return false;
      const auto id = d.get(tc, "id");
      if (d.is(id, T::kString)) x.id = d.text(id);
      const auto fn = d.get(tc, "function");
      if (fn != kNone && !d.is(fn, T::kObject) && !d.is(fn, T::kNull)) return false;
      const auto name = d.get(fn, "name");
      if (d.is(name, T::kString)) x.name = d.text(name);
      const auto args = d.get(fn, "arguments");
      if (d.is(args, T::kObject)) return false;  // printed by cJSON
      if (d.is(args, T::kString)) x.args = d.text(args);
      deltas_.push_back(x);
    }
    const auto f = d.get(choice, "finish_reason");
    if (d.is(f, T::kString)) finish = d.text(f);
  }
  // As on_event does with a cJSON document, in the same order.
  if (!content.empty() && !add_text(content)) return true;
  for (const Delta &x : deltas_) {
    apply_tool_call_delta(x.index, x.id, x.name, x.args);
    if (!out_->alive()) return true;
  }
  if (!finish.empty()) {
    response_.stop_reason = std::string(finish);
    ready_all();
  }
  return true;
}

void OpenAIDecoder::on_event(const SseEvent &event) {
  if (!out_->alive() || done_) return;
  std::string_view data = event.data;
  while (!data.empty() && (data.back() == ' ' || data.back() == '\t')) data.remove_suffix(1);
  if (data == "[DONE]") {
    ready_all();
    if (!out_->alive()) return;
    done_ = true;
    // Once, with the totals: some servers repeat usage in every chunk.
    if (have_usage_) out_->usage(response_.usage);
    return;
  }
  if (fast_event(data)) return;
  std::string why;
  json::Ptr doc = json::parse(data, decoder_limits(SseReader::kDefaultMaxEventBytes), &why);
  if (!doc) {
    out_->error(TOOLORCH_EPROTOCOL, false, "OpenAI stream chunk is not JSON: " + why);
    return;
  }
  if (report_embedded_error(doc.get(), data, out_)) return;
  const cJSON *choices = cJSON_GetObjectItemCaseSensitive(doc.get(), "choices");
  const cJSON *choice = cJSON_IsArray(choices) ? cJSON_GetArrayItem(choices, 0) : nullptr;
  if (choice) {
    const cJSON *delta = cJSON_GetObjectItemCaseSensitive(choice, "delta");
    if (const char *text = nonempty_string(delta, "content"))
      if (!add_text(text)) return;
    const cJSON *tool_calls = cJSON_GetObjectItemCaseSensitive(delta, "tool_calls");
    if (cJSON_IsArray(tool_calls)) {
      int position = 0;
      for (const cJSON *tc = tool_calls->child; tc; tc = tc->next, ++position) {
        on_tool_call_delta(tc, position);
        if (!out_->alive()) return;
      }
    }
    if (const char *finish = nonempty_string(choice, "finish_reason")) {
      response_.stop_reason = finish;
      ready_all();
      if (!out_->alive()) return;
    }
  }
  const cJSON *usage = cJSON_GetObjectItemCaseSensitive(doc.get(), "usage");
  if (cJSON_IsObject(usage)) {
    read_usage(usage, &response_.usage);
    have_usage_ = true;
  }
}

void OpenAIDecoder::on_body(std::string_view body) {
  if (!out_->alive()) return;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    out_->error(TOOLORCH_EPROTOCOL, false, "OpenAI answered with an empty body where JSON was expected");
    return;
  }
  std::string why;
  json::Ptr doc = json::parse(body, decoder_limits(out_->max_response_bytes()), &why);
  if (!doc || !cJSON_IsObject(doc.get())) {
    out_->error(TOOLORCH_EPROTOCOL, false, "OpenAI answer is not a JSON object" + (why.empty() ? "" : ": " + why));
    return;
  }
  if (report_embedded_error(doc.get(), body, out_)) return;
  const cJSON *choices = cJSON_GetObjectItemCaseSensitive(doc.get(), "choices");
  const cJSON *choice = cJSON_IsArray(choices) ? cJSON_GetArrayItem(choices, 0) : nullptr;
  const cJSON *message = cJSON_GetObjectItemCaseSensitive(choice, "message");
  if (!cJSON_IsObject(message)) {
    out_->error(TOOLORCH_EPROTOCOL, false, "OpenAI answer has no choices[0].message");
    return;
  }
  if (const char *text = nonempty_string(message, "content")) response_.text = text;
  if (const char *finish = nonempty_string(choice, "finish_reason")) response_.stop_reason = finish;
  const cJSON *tool_calls = cJSON_GetObjectItemCaseSensitive(message, "tool_calls");
  if (cJSON_IsArray(tool_calls)) {
    for (const cJSON *tc = tool_calls->child; tc; tc = tc->next) {
      Slot s;
      if (const char *id = nonempty_string(tc, "id")) s.call.id = id;
      const cJSON *fn = cJSON_GetObjectItemCaseSensitive(tc, "function");
      if (const char *name = nonempty_string(fn, "name")) s.call.name = name;
      s.call.args_json = arguments_text(fn);
      calls_.push_back(std::move(s));
    }
  }
  const cJSON *usage = cJSON_GetObjectItemCaseSensitive(doc.get(), "usage");
  if (cJSON_IsObject(usage)) read_usage(usage, &response_.usage);

  // The same events a stream would have given, in the same order.
  out_->text(response_.text);
  if (!out_->alive()) return;
  ready_all();
  if (!out_->alive()) return;
  if (cJSON_IsObject(usage)) out_->usage(response_.usage);
  done_ = true;
  out_->finished(take_response());
}

Response OpenAIDecoder::take_response() {
  response_.tool_calls.clear();
  for (Slot &s : calls_) response_.tool_calls.push_back(s.call);
  return std::move(response_);
}

}  // namespace toolorch::llm
