// The provider config: JSON keys, unknown keys refused by name, keys from the
// environment, headers, and the factory.
#include <cstdlib>
#include <cstring>
#include <string>

#include "json/json.h"
#include "llm_test_util.h"

using namespace toolorch;
using test::FakeHttpClient;

namespace {

bool parse(const char *text, llm::ProviderConfig *cfg, std::string *err) {
  json::Ptr doc = json::parse(text);
  assert_non_null(doc.get());
  return llm::parse_provider_config(doc.get(), cfg, err);
}

void expect_error(const char *text, const char *needle) {
  llm::ProviderConfig cfg;
  std::string err;
  assert_false(parse(text, &cfg, &err));
  if (!strstr(err.c_str(), needle)) fail_msg("error \"%s\" lacks \"%s\"", err.c_str(), needle);
}

void test_full_config(void **) {
  llm::ProviderConfig cfg;
  std::string err;
  assert_true(parse(R"({"protocol":"anthropic","base_url":"http://127.0.0.1:8080","api_key":"k-1",
                        "anthropic_version":"2024-01-01","headers":{"X-Team":"a","anthropic-beta":"b"},
                        "connect_timeout_ms":2500})",
                    &cfg, &err));
  assert_int_equal(static_cast<int>(cfg.protocol), static_cast<int>(llm::Protocol::kAnthropic));
  assert_string_equal(cfg.base_url.c_str(), "http://127.0.0.1:8080");
  assert_string_equal(cfg.api_key.c_str(), "k-1");
  assert_string_equal(cfg.anthropic_version.c_str(), "2024-01-01");
  assert_int_equal(cfg.extra_headers.size(), 2);
  assert_string_equal(cfg.extra_headers[0].c_str(), "X-Team: a");
  assert_int_equal(cfg.connect_timeout_ms, 2500);

  // The factory uses all of it.
  FakeHttpClient http;
  auto provider = llm::make_provider(cfg, &http);
  test::RecordingListener l;
  auto req = provider->send(test::simple_request(), &l);
  const http::Request &hr = http.transfer(0).request;
  assert_string_equal(hr.url.c_str(), "http://127.0.0.1:8080/v1/messages");
  assert_int_equal(hr.connect_timeout_ms, 2500);
  assert_string_equal(FakeHttpClient::request_header(hr, "x-team").c_str(), "a");
  assert_string_equal(FakeHttpClient::request_header(hr, "anthropic-version").c_str(), "2024-01-01");
  assert_string_equal(FakeHttpClient::request_header(hr, "x-api-key").c_str(), "k-1");
  assert_null(llm::make_provider(cfg, nullptr).get());
}

void test_defaults(void **) {
  unsetenv("OPENAI_API_KEY");
  llm::ProviderConfig cfg;
  std::string err;
  assert_true(parse("{}", &cfg, &err));
  assert_int_equal(static_cast<int>(cfg.protocol), static_cast<int>(llm::Protocol::kOpenAI));
  assert_string_equal(cfg.base_url.c_str(), "");
  assert_string_equal(cfg.api_key.c_str(), "");
  assert_string_equal(cfg.anthropic_version.c_str(), "2023-06-01");
  assert_string_equal(cfg.max_tokens_field.c_str(), "max_completion_tokens");
  assert_string_equal(llm::protocol_name(cfg.protocol), "openai");
}

void test_keys_from_the_environment(void **) {
  setenv("OPENAI_API_KEY", "sk-from-env", 1);
  setenv("ANTHROPIC_API_KEY", "ant-from-env", 1);
  setenv("MY_LLM_KEY", "custom-key", 1);
  llm::ProviderConfig cfg;
  std::string err;
  assert_true(parse(R"({"protocol":"openai"})", &cfg, &err));
  assert_string_equal(cfg.api_key.c_str(), "sk-from-env");
  assert_true(parse(R"({"protocol":"anthropic"})", &cfg, &err));
  assert_string_equal(cfg.api_key.c_str(), "ant-from-env");
  // Key order does not matter: protocol after the rest.
  assert_true(parse(R"({"base_url":"https://example.test","protocol":"anthropic"})", &cfg, &err));
  assert_string_equal(cfg.api_key.c_str(), "ant-from-env");
  assert_true(parse(R"({"api_key_env":"MY_LLM_KEY"})", &cfg, &err));
  assert_string_equal(cfg.api_key.c_str(), "custom-key");
  assert_true(parse(R"({"api_key":"inline"})", &cfg, &err));
  assert_string_equal(cfg.api_key.c_str(), "inline");
  unsetenv("MY_LLM_KEY");
  expect_error(R"({"api_key_env":"MY_LLM_KEY"})", "MY_LLM_KEY");
  unsetenv("OPENAI_API_KEY");
  unsetenv("ANTHROPIC_API_KEY");
}

// The two newer protocols: names, their keys, and where their keys come from.
void test_new_protocols(void **) {
  llm::ProviderConfig cfg;
  std::string err;
  setenv("GOOGLE_API_KEY", "g-key", 1);
  unsetenv("GEMINI_API_KEY");
  assert_true(parse(R"({"protocol":"gemini"})", &cfg, &err));
  assert_int_equal(static_cast<int>(cfg.protocol), static_cast<int>(llm::Protocol::kGemini));
  assert_string_equal(cfg.api_key.c_str(), "g-key");
  setenv("GEMINI_API_KEY", "gemini-key", 1);  // GEMINI_API_KEY first
  assert_true(parse(R"({"protocol":"gemini"})", &cfg, &err));
  assert_string_equal(cfg.api_key.c_str(), "gemini-key");
  unsetenv("GEMINI_API_KEY");
  unsetenv("GOOGLE_API_KEY");
  setenv("OPENAI_API_KEY", "o-key", 1);
  assert_true(parse(R"({"protocol":"openai-responses","responses_state":"previous_response_id",)"
                    R"("responses_encrypted_reasoning":true})",
                    &cfg, &err));
  assert_int_equal(static_cast<int>(cfg.protocol), static_cast<int>(llm::Protocol::kOpenAIResponses));
  assert_string_equal(cfg.api_key.c_str(), "o-key");
  assert_true(cfg.responses_previous_id);
  assert_true(cfg.responses_encrypted_reasoning);
  assert_string_equal(llm::protocol_name(cfg.protocol), "openai-responses");
  unsetenv("OPENAI_API_KEY");
}

void test_rejections(void **) {
  expect_error(R"({"protocol":"openai","modle":"x"})", "unknown key \"modle\"");
  expect_error(R"({"protocol":"gemini-pro"})", "protocol");
  expect_error(R"({"responses_state":"stored"})", "responses_state");
  expect_error(R"({"responses_encrypted_reasoning":"yes"})", "responses_encrypted_reasoning");
  expect_error(R"({"protocol":1})", "\"protocol\" must be a string");
  expect_error(R"({"base_url":"ftp://x"})", "base_url");
  expect_error(R"({"base_url":false})", "base_url");
  expect_error(R"({"headers":[]})", "headers");
  expect_error(R"({"headers":{"X":1}})", "\"X\"");
  expect_error(R"({"headers":{"Bad Name":"v"}})", "Bad Name");
  expect_error(R"({"connect_timeout_ms":0})", "connect_timeout_ms");
  expect_error(R"({"connect_timeout_ms":1.5})", "connect_timeout_ms");
  expect_error(R"({"max_tokens_field":"tokens"})", "max_tokens_field");
  expect_error(R"({"api_key":"a","api_key_env":"B"})", "not both");
  expect_error(R"({"api_key":7})", "api_key");
  expect_error("[]", "object");
  // A secret in a broken header value is not echoed.
  llm::ProviderConfig cfg;
  std::string err;
  assert_false(parse(R"({"headers":{"Authorization":"Bearer sk-hidden\r\nX-Evil: 1"}})", &cfg, &err));
  assert_null(strstr(err.c_str(), "sk-hidden"));
  assert_false(parse(R"({"api_key":"sk-hidden\nX: y"})", &cfg, &err));
  assert_null(strstr(err.c_str(), "sk-hidden"));
}

void test_max_tokens_field(void **) {
  llm::ProviderConfig cfg;
  std::string err;
  assert_true(parse(R"({"max_tokens_field":"max_tokens","api_key":""})", &cfg, &err));
  FakeHttpClient http;
  auto provider = llm::make_provider(cfg, &http);
  test::RecordingListener l;
  auto req = provider->send(test::simple_request(), &l);
  json::Ptr body = json::parse(http.transfer(0).request.body);
  assert_int_equal(json::get_number(body.get(), "max_tokens", -1), 4096);
  assert_null(cJSON_GetObjectItemCaseSensitive(body.get(), "max_completion_tokens"));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_full_config),
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_keys_from_the_environment),
      cmocka_unit_test(test_rejections),
      cmocka_unit_test(test_new_protocols),
      cmocka_unit_test(test_max_tokens_field),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
