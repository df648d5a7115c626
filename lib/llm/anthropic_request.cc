// Request -> the JSON body of Anthropic Messages.
//
// - System messages go to the top-level "system" (joined by blank lines).
// - Messages carry content blocks: assistant "text" and "tool_use"
//   {id, name, input}; the tool results of a turn are ONE user message of
//   "tool_result" blocks {tool_use_id, content, is_error}, in the order of
//   the tool_use blocks they answer. Consecutive messages of one role are
//   merged into one (the API wants user and assistant to alternate), and
//   empty text blocks are left out (the API refuses them).
// - "input" must be an object: arguments that were not a JSON object (the
//   model sent invalid JSON) are replayed as {}.
// - tool_choice "auto"/"none"/"required" -> {"type": auto/none/any}; any
//   other value names a tool. parallel_tool_calls = false ->
//   disable_parallel_tool_use.
#include "json/flat.h"
#include "json/json.h"
#include "llm/adapters.h"
#include "llm/request_util.h"

namespace toolorch::llm {

namespace {

// The messages array, written as text: byte for byte what a cJSON document
// of the same strings printed (json::append_cstring), without an item and
// an allocation per string for transcripts of thousands of messages.
class MessageList {
 public:
  explicit MessageList(EncodedMessages *st) : st_(st) {
    if (st_->text.empty()) st_->text = "[";
  }
  // Starts a block in the content array of the last message if it has this
  // role, else in a new message's.
  std::string &block_for(Message::Role role) {
    std::string &out = st_->text;
    if (st_->open && st_->last_role == role) {
      out += ',';
      return out;
    }
    if (st_->open) out += "]},";
    out += role == Message::Role::kAssistant ? "{\"role\":\"assistant\",\"content\":[" : "{\"role\":\"user\",\"content\":[";
    st_->last_role = role;
    st_->open = true;
    return out;
  }
  // The array as it stands, closed (the state stays open for more).
  std::string closed() const {
    std::string s;
    s.reserve(st_->text.size() + 3);
    s += st_->text;
    if (st_->open) s += "]}";
    s += ']';
    return s;
  }

 private:
  EncodedMessages *st_;
};

void add_field(std::string *out, const char *key, std::string_view value) {
  *out += ",\"";
  *out += key;
  *out += "\":";
  json::append_cstring(out, value);
}

void add_text_block(std::string &out, std::string_view text) {
  out += "{\"type\":\"text\"";
  add_field(&out, "text", text);
  out += '}';
}

// "input" must be an object: as cJSON prints the arguments, or {}. Read
// with a FlatDoc (no cJSON document per call) where it can print them
// exactly as cJSON would; with cJSON otherwise.
void add_tool_input(std::string &out, const std::string &args_json, json::FlatDoc *flat) {
  const json::Limits limits;
  if (flat->parse(args_json, limits.max_bytes, limits.max_depth)) {
    if (!flat->is(flat->root(), json::FlatDoc::Type::kObject)) {
      out += "{}";
      return;
    }
    const size_t mark = out.size();
    if (flat->append_printed(flat->root(), &out)) return;
    out.resize(mark);
  }
  json::Ptr v = json::parse(args_json);
  if (v && cJSON_IsObject(v.get())) out += json::print(v.get());
  else out += "{}";
}

// Adds "messages" (raw text) and "system" to root; only the messages
// request.encoded does not hold yet are encoded (see EncodedMessages).
void add_messages(cJSON *root, const Request &request) {
  const RequestMessages msgs(request);
  EncodedMessages local, *st = nullptr;
  size_t i = resume_encoding(request, Protocol::kAnthropic, &local, &st);
  std::string &system = st->system;
  MessageList list(st);
  json::FlatDoc flat;
  while (i < msgs.size()) {
    const Message &msg = msgs[i];
    switch (msg.role) {
      case Message::Role::kSystem:
        if (!msg.text.empty()) system += (system.empty() ? "" : "\n\n") + msg.text;
        ++i;
        break;
      case Message::Role::kUser:
        if (!msg.text.empty()) add_text_block(list.block_for(Message::Role::kUser), msg.text);
        ++i;
        break;
      case Message::Role::kAssistant: {
        if (!msg.text.empty()) add_text_block(list.block_for(Message::Role::kAssistant), msg.text);
        for (const ToolCall &call : msg.tool_calls) {
          std::string &out = list.block_for(Message::Role::kAssistant);
          out += "{\"type\":\"tool_use\"";
          add_field(&out, "id", call.id);
          add_field(&out, "name", call.name);
          out += ",\"input\":";
          add_tool_input(out, call.args_json, &flat);
          out += '}';
        }
        st->last_assistant = i;
        ++i;
        break;
      }
      case Message::Role::kTool: {
        size_t end = i;
        while (end < msgs.size() && msgs[end].role == Message::Role::kTool) ++end;
        if (end == msgs.size()) mark_tool_run(st, i);
        const std::vector<ToolCall> *last_calls =
            st->last_assistant < msgs.size() ? &msgs[st->last_assistant].tool_calls : nullptr;
        for (const Message *r : ordered_tool_results(msgs, i, end, last_calls)) {
          std::string &out = list.block_for(Message::Role::kUser);
          out += "{\"type\":\"tool_result\"";
          add_field(&out, "tool_use_id", r->tool_call_id);
          add_field(&out, "content", msgs.text(*r));
          out += r->is_error ? ",\"is_error\":true}" : ",\"is_error\":false}";
        }
        i = end;
        break;
      }
    }
  }
  end_encoding(st, msgs.size());
  cJSON_AddRawToObject(root, "messages", list.closed().c_str());
  if (!system.empty()) add_string(root, "system", system);
}

cJSON *tool_choice(const Request &request) {
  cJSON *choice = nullptr;
  const std::string &tc = request.tool_choice;
  if (!tc.empty()) {
    choice = cJSON_CreateObject();
    if (tc == "auto" || tc == "none") {
      add_string(choice, "type", tc);
    } else if (tc == "required") {
      cJSON_AddStringToObject(choice, "type", "any");
    } else {
      cJSON_AddStringToObject(choice, "type", "tool");
      add_string(choice, "name", tc);
    }
  }
  if (!request.parallel_tool_calls && tc != "none") {
    if (!choice) {
      choice = cJSON_CreateObject();
      cJSON_AddStringToObject(choice, "type", "auto");
    }
    cJSON_AddBoolToObject(choice, "disable_parallel_tool_use", true);
  }
  return choice;
}

}  // namespace

bool encode_anthropic_request(const Request &request, std::string *body, std::string *err) {
  json::Ptr root(cJSON_CreateObject());
  add_string(root.get(), "model", request.model);
  cJSON_AddNumberToObject(root.get(), "max_tokens", request.max_tokens > 0 ? request.max_tokens : 4096);
  add_messages(root.get(), request);
  if (!request.tools.empty()) {
    cJSON *tools = cJSON_AddArrayToObject(root.get(), "tools");
    for (const ToolDef &tool : request.tools) {
      json::Ptr schema = schema_object(tool, err);
      if (!schema) return false;
      cJSON *t = cJSON_CreateObject();
      add_string(t, "name", tool.name);
      if (!tool.description.empty()) add_string(t, "description", tool.description);
      cJSON_AddItemToObject(t, "input_schema", schema.release());
      cJSON_AddItemToArray(tools, t);
    }
    if (cJSON *choice = tool_choice(request)) cJSON_AddItemToObject(root.get(), "tool_choice", choice);
  }
  cJSON_AddBoolToObject(root.get(), "stream", request.stream);
  *body = json::print(root.get());
  return true;
}

}  // namespace toolorch::llm
