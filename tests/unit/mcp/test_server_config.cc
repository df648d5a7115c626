// An MCP server's description: every key, and each mistake named.
#include <cstring>
#include <string>

#include "cmocka_cpp.h"
#include "mcp/server_config.h"

using toolorch::mcp::parse_server_config;
using toolorch::mcp::ServerConfig;

namespace {

std::string refused(const char *text) {
  ServerConfig c;
  std::string err;
  assert_false(parse_server_config(std::string(text), &c, &err));
  return err;
}

void a_full_stdio_description(void **) {
  ServerConfig c;
  std::string err;
  assert_true(parse_server_config(std::string(R"({"name": "fs", "command": ["npx", "-y", "srv"], "env": {"KEY": "secret"},
    "tools": ["read"], "side_effect_free": ["read"], "trust_annotations": true, "prefix": "fs_",
    "max_parallel": 4, "service": "svc", "timeout_ms": 500, "protocol": "2026-07-28",
    "start_timeout_ms": 100, "restart_backoff_ms": 10, "restart_backoff_max_ms": 20})"), &c, &err));
  assert_true(c.stdio());
  assert_int_equal(c.command.size(), 3);
  assert_string_equal(c.env[0].c_str(), "KEY=secret");
  assert_true(c.wants("read"));
  assert_false(c.wants("write"));
  assert_true(c.marked_side_effect_free("read"));
  assert_true(c.trust_annotations);
  assert_string_equal(c.prefix.c_str(), "fs_");
  assert_int_equal(c.max_parallel, 4);
  assert_int_equal(c.timeout_ms, 500);
  assert_string_equal(c.protocol.c_str(), "2026-07-28");
}

void an_http_description(void **) {
  ServerConfig c;
  std::string err;
  assert_true(parse_server_config(std::string(R"({"name": "r", "url": "http://127.0.0.1:1/mcp",
    "headers": {"Authorization": "Bearer k"}})"), &c, &err));
  assert_false(c.stdio());
  assert_string_equal(c.headers[0].c_str(), "Authorization: Bearer k");
  assert_true(c.wants("anything"));
  assert_string_equal(c.protocol.c_str(), "auto");
}

void mistakes_are_named(void **) {
  assert_non_null(strstr(refused(R"({"name": "s", "command": ["x"], "colour": 1})").c_str(), "unknown key \"colour\""));
  assert_non_null(strstr(refused(R"({"command": ["x"]})").c_str(), "\"name\" is required"));
  assert_non_null(strstr(refused(R"({"name": "s"})").c_str(), "exactly one"));
  assert_non_null(strstr(refused(R"({"name": "s", "command": ["x"], "url": "http://a"})").c_str(), "exactly one"));
  assert_non_null(strstr(refused(R"({"name": "s", "command": []})").c_str(), "needs a program"));
  assert_non_null(strstr(refused(R"({"name": "s", "url": "ftp://a"})").c_str(), "http://"));
  assert_non_null(strstr(refused(R"({"name": "s", "url": "http://a", "env": {"A": "b"}})").c_str(), "stdio"));
  assert_non_null(strstr(refused(R"({"name": "s", "command": ["x"], "headers": {"A": "b"}})").c_str(), "HTTP"));
  assert_non_null(strstr(refused(R"({"name": "s", "command": ["x"], "protocol": "2024"})").c_str(), "protocol"));
  assert_non_null(strstr(refused(R"({"name": "s", "command": ["x"], "max_parallel": 1.5})").c_str(), "integer"));
  // A header value is never quoted back (it may be a key).
  std::string e = refused(R"({"name": "s", "url": "http://a", "headers": {"Authorization": "Bearer sk-123\r\nX: y"}})");
  assert_null(strstr(e.c_str(), "sk-123"));
  assert_non_null(strstr(refused("not json").c_str(), "not JSON"));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_full_stdio_description),
      cmocka_unit_test(an_http_description),
      cmocka_unit_test(mistakes_are_named),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
