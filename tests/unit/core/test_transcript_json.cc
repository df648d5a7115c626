// The JOB_DONE transcript is written as text directly: it must be the very
// bytes the cJSON document it replaced printed, strings with quotes,
// control characters, UTF-8 and a NUL (a C string ends there) included.
#include <string>
#include <vector>

#include "core/job_config.h"
#include "json/json.h"

#include "cmocka_cpp.h"

using namespace toolorch;

namespace {

// What transcript_json printed before: a cJSON document of the same strings.
std::string through_cjson(const std::string &system, const std::vector<llm::Message> &messages) {
  json::Ptr arr(cJSON_CreateArray());
  auto add = [&](cJSON *m) { cJSON_AddItemToArray(arr.get(), m); };
  if (!system.empty()) {
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "role", "system");
    cJSON_AddStringToObject(m, "content", system.c_str());
    add(m);
  }
  static const char *roles[] = {"system", "user", "assistant", "tool"};
  for (const llm::Message &msg : messages) {
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "role", roles[static_cast<int>(msg.role)]);
    cJSON_AddStringToObject(m, "content", msg.text.c_str());
    if (!msg.tool_calls.empty()) {
      cJSON *calls = cJSON_AddArrayToObject(m, "tool_calls");
      for (const llm::ToolCall &tc : msg.tool_calls) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "id", tc.id.c_str());
        cJSON_AddStringToObject(c, "name", tc.name.c_str());
        cJSON_AddStringToObject(c, "arguments", tc.args_json.c_str());
        cJSON_AddItemToArray(calls, c);
      }
    }
    if (msg.role == llm::Message::Role::kTool) {
      cJSON_AddStringToObject(m, "tool_call_id", msg.tool_call_id.c_str());
      cJSON_AddStringToObject(m, "name", msg.tool_name.c_str());
      cJSON_AddBoolToObject(m, "is_error", msg.is_error);
    }
    add(m);
  }
  return json::print(arr.get());
}

llm::Message message(llm::Message::Role role, std::string text) {
  llm::Message m;
  m.role = role;
  m.text = std::move(text);
  return m;
}

}  // namespace

static void same_bytes_as_the_cjson_document(void **) {
  using R = llm::Message::Role;
  std::vector<llm::Message> msgs;
  msgs.push_back(message(R::kSystem, "be \"brief\"\\"));
  msgs.push_back(message(R::kUser, std::string("tab\there, nl\n, bell\x07, del\x7f, é€😀, nul\0after", 42)));
  llm::Message a = message(R::kAssistant, "");
  a.tool_calls.push_back({"call_1", "fetch", "{\"i\": \"1\\n\"}"});
  a.tool_calls.push_back({"call_2", "fetch", ""});
  msgs.push_back(a);
  llm::Message t = message(R::kTool, "{\"ok\":true}");
  t.tool_call_id = "call_1";
  t.tool_name = "fetch";
  msgs.push_back(t);
  t.is_error = true;
  t.text = "Error: \x01\x1f";
  msgs.push_back(t);
  for (const char *system : {"", "sys\r\n"}) {
    const std::string want = through_cjson(system, msgs);
    assert_string_equal(core::transcript_json(system, msgs).c_str(), want.c_str());
  }
  assert_string_equal(core::transcript_json("", {}).c_str(), "[]");
}

// Texts held elsewhere (the job's stored results) are written instead of
// the messages' own, as if the messages held them.
static void texts_held_elsewhere_are_written_in_place(void **) {
  using R = llm::Message::Role;
  std::vector<llm::Message> held, elsewhere;
  held.push_back(message(R::kUser, "go"));
  llm::Message t = message(R::kTool, "");
  t.tool_call_id = "call_1";
  t.tool_name = "fetch";
  for (const char *text : {"{\"a\":\"x\ny\"}", "plain", "", "last"}) {
    elsewhere.push_back(t);
    t.text = text;
    held.push_back(t);
    t.text.clear();
  }
  elsewhere.insert(elsewhere.begin(), held[0]);
  const std::vector<std::pair<size_t, std::string_view>> texts = {
      {1, held[1].text}, {2, held[2].text}, {3, held[3].text}, {4, held[4].text}};
  const std::string want = through_cjson("s", held);
  assert_string_equal(core::transcript_json("s", elsewhere, texts).c_str(), want.c_str());
  // Some of them only: the others' own texts.
  elsewhere[2].text = "plain";
  assert_string_equal(core::transcript_json("s", elsewhere, {{1, held[1].text}, {4, "last"}}).c_str(), want.c_str());
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(same_bytes_as_the_cjson_document),
      cmocka_unit_test(texts_held_elsewhere_are_written_in_place),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
