// JSON-RPC messages as MCP sends and receives them.
#include <cstring>
#include <string>

#include "cmocka_cpp.h"
#include "mcp/jsonrpc.h"

using namespace toolorch::mcp;
namespace json = toolorch::json;

namespace {

Incoming sort(const char *text, json::Ptr *keep) {
  *keep = json::parse(text);
  assert_non_null(keep->get());
  return classify(keep->get());
}

void messages_out(void **) {
  json::Ptr p(cJSON_CreateObject());
  cJSON_AddStringToObject(p.get(), "name", "echo");
  assert_string_equal(request_text(7, "tools/call", p.get()).c_str(),
                      R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo"}})");
  assert_string_equal(notification_text("notifications/initialized", nullptr).c_str(),
                      R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  json::Ptr id = json::parse("\"abc\"");
  assert_string_equal(result_text(id.get(), nullptr).c_str(), R"({"jsonrpc":"2.0","id":"abc","result":{}})");
  assert_string_equal(error_text(id.get(), -32601, "no").c_str(),
                      R"({"jsonrpc":"2.0","id":"abc","error":{"code":-32601,"message":"no"}})");
}

void messages_in(void **) {
  json::Ptr k;
  Incoming in = sort(R"({"jsonrpc":"2.0","id":3,"result":{"x":1}})", &k);
  assert_int_equal(static_cast<int>(in.kind), static_cast<int>(Incoming::Kind::kResponse));
  assert_int_equal(in.id, 3);
  assert_non_null(in.result);
  in = sort(R"({"jsonrpc":"2.0","id":4,"error":{"code":-32000,"message":"bad"}})", &k);
  assert_string_equal(describe_error(in.error).c_str(), "MCP error -32000: bad");
  in = sort(R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}})", &k);
  assert_int_equal(static_cast<int>(in.kind), static_cast<int>(Incoming::Kind::kNotification));
  assert_string_equal(in.method.c_str(), "notifications/progress");
  in = sort(R"({"jsonrpc":"2.0","id":"s1","method":"ping"})", &k);
  assert_int_equal(static_cast<int>(in.kind), static_cast<int>(Incoming::Kind::kRequest));
  // Ids that cannot be ours answer nothing.
  for (const char *odd : {R"({"id":1.5,"result":{}})", R"({"id":-2,"result":{}})", R"({"id":"7","result":{}})",
                          R"({"id":1e300,"result":{}})"}) {
    in = sort(odd, &k);
    assert_int_equal(in.id, -1);
  }
  for (const char *bad : {"[]", "3", R"({"id":1})", R"({"jsonrpc":"2.0"})"}) {
    in = sort(bad, &k);
    assert_int_equal(static_cast<int>(in.kind), static_cast<int>(Incoming::Kind::kInvalid));
    assert_false(in.why.empty());
  }
  // An error object without a usable code still reads well.
  in = sort(R"({"id":1,"error":{"code":"x"}})", &k);
  assert_string_equal(describe_error(in.error).c_str(), "MCP error: no message");
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(messages_out),
      cmocka_unit_test(messages_in),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
