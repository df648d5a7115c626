// Anthropic Messages answers -> Listener events.
//
// Streamed: message_start (usage.input_tokens), then content blocks, each
// content_block_start / content_block_delta... / content_block_stop, then
// message_delta (stop_reason, cumulative usage.output_tokens) and
// message_stop; ping events anywhere, an error event may end it. A tool_use
// block's arguments are input_json_delta.partial_json pieces, complete at its
// content_block_stop: that is when the call is ready (empty arguments = {}).
// Unknown events and block types are ignored, as the API's versioning
// policy asks. Tool call indexes count tool_use blocks only (0, 1, ...),
// whatever the content block index.
#include <iterator>

#include "json/flat.h"
#include "json/json.h"
#include "llm/adapters.h"
#include "llm/http_errors.h"
#include "toolorch/status.h"

namespace toolorch::llm {

namespace {

int block_index(const cJSON *ev) {
  const cJSON *i = cJSON_GetObjectItemCaseSensitive(ev, "index");
  return cJSON_IsNumber(i) ? i->valueint : -1;
}

// The events of a tool_use block (and text pieces) in the fixed shapes the
// API sends them in, read in one pass (json::FlatDoc::match), each hole's
// value being what fast_event reads in its member (test_anthropic checks
// that the same events read through both readers alike).
using Part = json::FlatDoc::ShapePart;
using Hole = json::FlatDoc::Hole;
constexpr std::string_view kDeltaOpen = R"({"type":"content_block_delta","index":)";
// index, partial_json
constexpr Part kInputPiece[] = {{kDeltaOpen, Hole::kSmallInt},
                                {R"(,"delta":{"type":"input_json_delta","partial_json":)", Hole::kString},
                                {"}}", Hole::kEnd}};
// index, text
constexpr Part kTextPiece[] = {{kDeltaOpen, Hole::kSmallInt},
                               {R"(,"delta":{"type":"text_delta","text":)", Hole::kString}, {"}}", Hole::kEnd}};
// index, id, name
constexpr Part kToolStart[] = {{R"({"type":"content_block_start","index":)", Hole::kSmallInt},
                               {R"(,"content_block":{"type":"tool_use","id":)", Hole::kString},
                               {R"(,"name":)", Hole::kString},
                               {R"(,"input":{}}})", Hole::kEnd}};
// index
constexpr Part kStop[] = {{R"({"type":"content_block_stop","index":)", Hole::kSmallInt}, {"}", Hole::kEnd}};
enum ShapeId { kInputPieceShape, kTextPieceShape, kToolStartShape, kStopShape };
constexpr json::FlatDoc::Shape kShapes[] = {{kInputPiece, 3}, {kTextPiece, 3}, {kToolStart, 4}, {kStop, 2}};

}  // namespace

// Counts are cumulative (message_delta repeats what it knows): a field
// present replaces the one before. input_tokens excludes the cached part,
// so the billed input is input + cache read + cache write; usage_ keeps the
// three apart and the total is made when reported.
void AnthropicDecoder::read_usage(const cJSON *usage) {
  if (!cJSON_IsObject(usage)) return;
  auto take = [usage](const char *key, int64_t *into) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(usage, key);
    if (cJSON_IsNumber(v)) *into = json::clamp_to_int64(v->valuedouble, 0);
  };
  take("input_tokens", &uncached_input_);
  take("output_tokens", &response_.usage.output_tokens);
  take("cache_read_input_tokens", &response_.usage.cache_read_tokens);
  take("cache_creation_input_tokens", &response_.usage.cache_write_tokens);
  const Usage &u = response_.usage;
  int64_t total = uncached_input_;
  for (int64_t part : {u.cache_read_tokens, u.cache_write_tokens})
    total = json::add_counts(total, part);
  response_.usage.input_tokens = total;
  have_usage_ = true;
}

void AnthropicDecoder::ready_call(Block &block) {
  Slot &s = calls_[block.call];
  if (s.ready) return;
  s.ready = true;
  if (s.call.args_json.empty()) s.call.args_json = block.initial_input.empty() ? "{}" : block.initial_input;
  out_->ready(static_cast<int>(block.call), s.call);
}

void AnthropicDecoder::add_text(std::string_view text) {
  if (text.empty()) return;
  response_.text += text;
  if (!fits(response_.text.size(), "Anthropic stream: the response text")) return;
  out_->text(text);
}

void AnthropicDecoder::on_delta(int index, std::string_view dtype, std::string_view text, const char *partial_json) {
  auto it = blocks_.find(index);
  if (it == blocks_.end()) return;
  if (dtype == "text_delta") {
    add_text(text);
  } else if (dtype == "input_json_delta" && it->second.tool && !it->second.stopped && partial_json) {
    std::string &args = calls_[it->second.call].call.args_json;
    args += partial_json;
    if (args.size() > out_->max_response_bytes())
      fits(args.size(), "Anthropic stream: the arguments of tool call " + std::to_string(it->second.call));
  }
}

void AnthropicDecoder::on_block_start(int index, std::string_view btype, std::string_view id, std::string_view name,
                                      std::string initial_input, std::string_view text) {
  // A block started again at an index whose tool_use block never stopped:
  // that call is complete as it stands (otherwise it would be lost from
  // the blocks and never reported ready, yet still be in the response).
  auto old = blocks_.find(index);
  if (old != blocks_.end() && old->second.tool && !old->second.stopped) {
    old->second.stopped = true;
    ready_call(old->second);
    if (!out_->alive()) return;
  }
  Block block;
  if (btype == "tool_use") {
    Slot s;
    s.call.id = id;
    s.call.name = name;
    block.initial_input = std::move(initial_input);
    block.tool = true;
    block.call = calls_.size();
    calls_.push_back(std::move(s));
    blocks_[index] = block;
    const ToolCall &call = calls_.back().call;
    out_->started(static_cast<int>(block.call), call.id, call.name);
  } else {
    blocks_[index] = block;
    if (btype == "text") add_text(text);
  }
}

void AnthropicDecoder::on_block_stop(int index) {
  auto it = blocks_.find(index);
  if (it == blocks_.end() || it->second.stopped) return;
  it->second.stopped = true;
  if (it->second.tool) ready_call(it->second);
}

// A content block's start, delta or stop read without a cJSON document.
// False, having done nothing, for any other event, and for what it does not
// read exactly as cJSON would (see json::FlatDoc; a tool_use block that
// starts with arguments, which are printed by cJSON): on_event reads those.
bool AnthropicDecoder::fast_event(const SseEvent &event) {
  using T = json::FlatDoc::Type;
  constexpr json::FlatDoc::Index kNone = json::FlatDoc::kNone;
  json::FlatDoc &d = flat_;
  json::FlatDoc::HoleValue v[json::FlatDoc::kMaxHoles];
  switch (d.match(event.data, SseReader::kDefaultMaxEventBytes, 128, nullptr, kShapes, std::size(kShapes), v)) {
    case kInputPieceShape:
      // partial_json as a C string (NUL-free: FlatDoc refuses \u0000).
      partial_.assign(v[1].text);
      on_delta(v[0].number, "input_json_delta", {}, partial_.c_str());
      return true;
    case kTextPieceShape: on_delta(v[0].number, "text_delta", v[1].text, nullptr); return true;
    case kToolStartShape: on_block_start(v[0].number, "tool_use", v[1].text, v[2].text, std::string(), {}); return true;
    case kStopShape: on_block_stop(v[0].number); return true;
    default: break;
  }
  if (!d.parse(event.data, SseReader::kDefaultMaxEventBytes, 128) || !d.is(d.root(), T::kObject)) return false;
  const auto ev = d.root();
  const auto t = d.get(ev, "type");
  const std::string_view type = d.is(t, T::kString) ? d.text(t) : std::string_view(event.type);
  const bool delta = type == "content_block_delta", start = type == "content_block_start";
  if (!delta && !start && type != "content_block_stop") return false;
  int index = -1;
  const auto i = d.get(ev, "index");
  if (i != kNone && (d.is(i, T::kNumber) ? !d.small_int(i, &index) : false)) return false;
  auto string_of = [&d](json::FlatDoc::Index obj, const char *key) {
    const auto v = d.get(obj, key);
    return d.is(v, T::kString) ? d.text(v) : std::string_view();
  };
  if (delta) {
    const auto x = d.get(ev, "delta");
    if (x != kNone && !d.is(x, T::kObject)) return false;
    const auto pj = d.get(x, "partial_json");
    // partial_json as a C string (NUL-free: FlatDoc refuses \u0000).
    partial_.assign(d.text(pj));
    on_delta(index, string_of(x, "type"), string_of(x, "text"), d.is(pj, T::kString) ? partial_.c_str() : nullptr);
    return true;
  }
  if (start) {
    const auto cb = d.get(ev, "content_block");
    if (cb != kNone && !d.is(cb, T::kObject)) return false;
    const auto input = d.get(cb, "input");
    if (d.is(input, T::kObject) && d.first_child(input) != kNone) return false;
    on_block_start(index, string_of(cb, "type"), string_of(cb, "id"), string_of(cb, "name"), std::string(),
                   string_of(cb, "text"));
    return true;
  }
  on_block_stop(index);
  return true;
}

void AnthropicDecoder::on_event(const SseEvent &event) {
  if (!out_->alive() || done_) return;
  if (fast_event(event)) return;
  std::string why;
  json::Ptr doc = json::parse(event.data, decoder_limits(SseReader::kDefaultMaxEventBytes), &why);
  if (!doc || !cJSON_IsObject(doc.get())) {
    out_->error(TOOLORCH_EPROTOCOL, false,
                "Anthropic stream event is not a JSON object" + (why.empty() ? "" : ": " + why));
    return;
  }
  const cJSON *ev = doc.get();
  // The data names its type; the SSE event name says the same.
  std::string type = json::get_string(ev, "type", event.type.c_str());

  if (type == "content_block_delta") {
    const cJSON *delta = cJSON_GetObjectItemCaseSensitive(ev, "delta");
    const char *text = nonempty_string(delta, "text");
    on_delta(block_index(ev), json::get_string(delta, "type", ""), text ? text : "",
             json::get_string(delta, "partial_json"));
  } else if (type == "content_block_start") {
    const cJSON *cb = cJSON_GetObjectItemCaseSensitive(ev, "content_block");
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(cb, "input");
    const char *id = nonempty_string(cb, "id"), *name = nonempty_string(cb, "name"), *text = nonempty_string(cb, "text");
    on_block_start(block_index(ev), json::get_string(cb, "type", ""), id ? id : "", name ? name : "",
                   cJSON_IsObject(input) && input->child ? json::print(input) : std::string(), text ? text : "");
  } else if (type == "content_block_stop") {
    on_block_stop(block_index(ev));
  } else if (type == "message_start") {
    const cJSON *message = cJSON_GetObjectItemCaseSensitive(ev, "message");
    read_usage(cJSON_GetObjectItemCaseSensitive(message, "usage"));
  } else if (type == "message_delta") {
    const cJSON *delta = cJSON_GetObjectItemCaseSensitive(ev, "delta");
    if (const char *stop = nonempty_string(delta, "stop_reason")) response_.stop_reason = stop;
    read_usage(cJSON_GetObjectItemCaseSensitive(ev, "usage"));
  } else if (type == "message_stop") {
    // Every block should have stopped; a call that did not is complete now.
    for (auto &entry : blocks_) {
      if (entry.second.tool) ready_call(entry.second);
      if (!out_->alive()) return;
    }
    done_ = true;
    // Once, with the totals (message_delta counts are cumulative).
    if (have_usage_) out_->usage(response_.usage);
  } else if (type == "error") {
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(ev, "error");
    std::string etype = json::get_string(err, "type", "");
    bool retryable = etype == "overloaded_error" || etype == "api_error" || etype == "rate_limit_error";
    out_->error(TOOLORCH_EPROVIDER, retryable,
                "Anthropic reported " + (etype.empty() ? std::string("an error") : etype) + ": " +
                    provider_error_message(event.data));
  }
  // ping and event types of later API versions: nothing to do.
}

void AnthropicDecoder::on_body(std::string_view body) {
  if (!out_->alive()) return;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    out_->error(TOOLORCH_EPROTOCOL, false, "Anthropic answered with an empty body where JSON was expected");
    return;
  }
  std::string why;
  json::Ptr doc = json::parse(body, decoder_limits(out_->max_response_bytes()), &why);
  if (!doc || !cJSON_IsObject(doc.get())) {
    out_->error(TOOLORCH_EPROTOCOL, false,
                "Anthropic answer is not a JSON object" + (why.empty() ? "" : ": " + why));
    return;
  }
  const cJSON *root = doc.get();
  if (std::string(json::get_string(root, "type", "")) == "error") {
    out_->error(TOOLORCH_EPROVIDER, false, "Anthropic reported an error: " + provider_error_message(body));
    return;
  }
  const cJSON *content = cJSON_GetObjectItemCaseSensitive(root, "content");
  if (!cJSON_IsArray(content)) {
    out_->error(TOOLORCH_EPROTOCOL, false, "Anthropic answer has no content array");
    return;
  }
  std::vector<Block> blocks;
  for (const cJSON *b = content->child; b; b = b->next) {
    std::string btype = json::get_string(b, "type", "");
    if (btype == "text") {
      if (const char *text = json::get_string(b, "text")) response_.text += text;
    } else if (btype == "tool_use") {
      Slot s;
      if (const char *id = nonempty_string(b, "id")) s.call.id = id;
      if (const char *name = nonempty_string(b, "name")) s.call.name = name;
      const cJSON *input = cJSON_GetObjectItemCaseSensitive(b, "input");
      Block block;
      block.tool = true;
      block.call = calls_.size();
      if (cJSON_IsObject(input) && input->child) {
        block.initial_input = json::print(input);
      } else if (input && !cJSON_IsObject(input)) {
        // Not an object (a model's broken arguments): kept as they came, so
        // the call fails as invalid arguments and goes back to the model, as
        // a stream's would, instead of running with {}.
        block.initial_input = cJSON_IsString(input) ? input->valuestring : json::print(input);
      }
      calls_.push_back(std::move(s));
      blocks.push_back(std::move(block));
    }
  }
  if (const char *stop = nonempty_string(root, "stop_reason")) response_.stop_reason = stop;
  const cJSON *usage = cJSON_GetObjectItemCaseSensitive(root, "usage");

  // The same events a stream would have given, in the same order.
  out_->text(response_.text);
  for (Block &block : blocks) {
    if (!out_->alive()) return;
    const ToolCall &call = calls_[block.call].call;
    out_->started(static_cast<int>(block.call), call.id, call.name);
    if (!out_->alive()) return;
    ready_call(block);
  }
  if (!out_->alive()) return;
  read_usage(usage);
  if (have_usage_) out_->usage(response_.usage);
  if (!out_->alive()) return;
  done_ = true;
  out_->finished(take_response());
}

Response AnthropicDecoder::take_response() {
  response_.tool_calls.clear();
  for (Slot &s : calls_) response_.tool_calls.push_back(s.call);
  return std::move(response_);
}

}  // namespace toolorch::llm
