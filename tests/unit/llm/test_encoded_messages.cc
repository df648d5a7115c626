// Request::encoded (llm::EncodedMessages): an adapter that keeps its
// encoding of a conversation across requests sends, every round, byte for
// byte the body it would have encoded from scratch: as the conversation
// grows by turns, when a trailing run of tool results grows, on a retry of
// the same messages, and with the messages it will not read again left
// empty (reads_from); and a request that borrows its messages (lent) is
// encoded as one that holds them.
#include <string>
#include <vector>

#include "llm/adapters.h"
#include "llm/request_util.h"

#include "cmocka_cpp.h"

using namespace toolorch;
using llm::Message;

namespace {

Message msg(Message::Role role, std::string text) {
  Message m;
  m.role = role;
  m.text = std::move(text);
  return m;
}

Message assistant(std::string text, std::vector<std::pair<std::string, std::string>> calls) {
  Message m = msg(Message::Role::kAssistant, std::move(text));
  for (auto &c : calls) m.tool_calls.push_back({c.first, "fetch", c.second});
  return m;
}

Message result(std::string id, std::string text, bool error = false) {
  Message m = msg(Message::Role::kTool, std::move(text));
  m.tool_call_id = std::move(id);
  m.tool_name = "fetch";
  m.is_error = error;
  return m;
}

bool encode(llm::Protocol p, const llm::Request &r, std::string *body) {
  std::string err;
  if (p == llm::Protocol::kOpenAI) return llm::encode_openai_request(r, "", body, &err);
  return llm::encode_anthropic_request(r, body, &err);
}

// Each step's messages, encoded with the cache (the earlier messages it
// will not read left empty, as the core leaves them) and without.
void same_bodies(llm::Protocol p, const std::vector<std::vector<Message>> &steps) {
  llm::EncodedMessages cache, lent_cache;
  for (const std::vector<Message> &messages : steps) {
    llm::Request plain;
    plain.model = "m";
    plain.tools.push_back({"fetch", "Fetch", "{\"type\":\"object\"}"});
    plain.messages = messages;
    llm::Request cached = plain;
    cached.encoded = &cache;
    const size_t from =
        cache.reads_from(cache.count < messages.size() ? &messages[cache.count] : nullptr);
    for (size_t i = 0; i < from && i < cached.messages.size(); ++i) cached.messages[i] = Message();
    std::string want, got;
    assert_true(encode(p, plain, &want));
    assert_true(encode(p, cached, &got));
    assert_string_equal(got.c_str(), want.c_str());
    // As the core sends it: the first message its own, the rest borrowed
    // (none left empty), with a cache of its own.
    llm::Request lent = plain;
    lent.encoded = &lent_cache;
    lent.messages.resize(messages.empty() ? 0 : 1);
    lent.lent = messages.data() + lent.messages.size();
    lent.lent_count = messages.size() - lent.messages.size();
    assert_true(encode(p, lent, &got));
    assert_string_equal(got.c_str(), want.c_str());
  }
}

std::vector<std::vector<Message>> conversation() {
  std::vector<Message> m = {msg(Message::Role::kSystem, "Be brief."), msg(Message::Role::kUser, "hi")};
  std::vector<std::vector<Message>> steps = {m};
  m.push_back(assistant("Fetching.", {{"c1", "{\"i\": \"1\"}"}, {"c2", "{\"i\":2.5}"}, {"c3", "not json"}}));
  m.push_back(result("c3", "three", true));
  steps.push_back(m);
  steps.push_back(m);  // a retry: nothing new
  m.push_back(result("c2", "two"));  // the trailing run grows, out of order:
  m.push_back(result("c1", "one"));  // all sent in the calls' order (c1 c2 c3)
  steps.push_back(m);
  m.push_back(assistant("", {{"c4", "{}"}}));
  m.push_back(result("c4", "four"));
  steps.push_back(m);
  m.push_back(msg(Message::Role::kUser, "and?"));
  m.push_back(msg(Message::Role::kSystem, "Later rule."));
  m.push_back(msg(Message::Role::kUser, "more"));  // merged into one user turn (Anthropic)
  steps.push_back(m);
  m.push_back(assistant("done", {}));
  steps.push_back(m);
  return steps;
}

}  // namespace

static void openai_bodies_are_the_same_with_the_cache(void **) {
  same_bodies(llm::Protocol::kOpenAI, conversation());
}

static void anthropic_bodies_are_the_same_with_the_cache(void **) {
  same_bodies(llm::Protocol::kAnthropic, conversation());
}

// A cache another adapter wrote, or one holding more messages than the
// request has, is encoded again from the start.
static void a_foreign_or_longer_cache_starts_over(void **) {
  auto steps = conversation();
  llm::EncodedMessages cache;
  llm::Request r;
  r.model = "m";
  r.messages = steps.back();
  r.encoded = &cache;
  std::string body, want;
  assert_true(encode(llm::Protocol::kOpenAI, r, &body));
  assert_int_equal(cache.count, r.messages.size());
  r.messages = steps[1];
  assert_true(encode(llm::Protocol::kOpenAI, r, &body));
  r.encoded = nullptr;
  assert_true(encode(llm::Protocol::kOpenAI, r, &want));
  assert_string_equal(body.c_str(), want.c_str());
  r.encoded = &cache;
  assert_true(encode(llm::Protocol::kAnthropic, r, &body));
  r.encoded = nullptr;
  assert_true(encode(llm::Protocol::kAnthropic, r, &want));
  assert_string_equal(body.c_str(), want.c_str());
}

// A request that borrows its messages (Request::lent), from any message on,
// with its tool results' texts held apart or not (lent_texts), is encoded
// as the same request holding them, by every adapter.
static void borrowed_messages_encode_as_held_ones(void **) {
  llm::ProviderConfig config;
  const std::vector<Message> messages = conversation().back();
  for (int p = 0; p < 4; ++p) {
    for (size_t split = 0; split <= messages.size(); ++split) {
      llm::Request held;
      held.model = "m";
      held.tools.push_back({"fetch", "Fetch", "{\"type\":\"object\"}"});
      held.messages = messages;
      llm::Request lent = held;
      lent.messages.resize(split);
      lent.lent = messages.data() + split;
      lent.lent_count = messages.size() - split;
      // And with the tool results' texts held apart (Request::lent_texts),
      // their messages' own left empty.
      std::vector<Message> emptied(messages.begin() + static_cast<std::ptrdiff_t>(split), messages.end());
      std::vector<std::pair<size_t, std::string_view>> texts;
      for (size_t i = 0; i < emptied.size(); ++i)
        if (emptied[i].role == Message::Role::kTool) {
          texts.emplace_back(i, messages[split + i].text);
          emptied[i].text.clear();
        }
      llm::Request apart = lent;
      apart.lent = emptied.data();
      apart.lent_texts = &texts;
      std::string want, got, got_apart, err;
      for (auto [r, body] : {std::pair{&held, &want}, std::pair{&lent, &got}, std::pair{&apart, &got_apart}}) {
        switch (p) {
          case 0: assert_true(llm::encode_openai_request(*r, "", body, &err)); break;
          case 1: assert_true(llm::encode_anthropic_request(*r, body, &err)); break;
          case 2: assert_true(llm::encode_responses_request(config, *r, body, &err)); break;
          default: assert_true(llm::encode_gemini_request(*r, body, &err)); break;
        }
      }
      assert_string_equal(got.c_str(), want.c_str());
      assert_string_equal(got_apart.c_str(), want.c_str());
    }
  }
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(openai_bodies_are_the_same_with_the_cache),
      cmocka_unit_test(anthropic_bodies_are_the_same_with_the_cache),
      cmocka_unit_test(a_foreign_or_longer_cache_starts_over),
      cmocka_unit_test(borrowed_messages_encode_as_held_ones),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
