// Tool schemas come from the host (and from MCP servers), arguments from the
// model. Input: a schema document, a NUL byte, an arguments document.
// Properties: checking never crashes, and a "no" always says why.
#include <string>

#include "fuzz_input.h"
#include "json/json.h"
#include "json/schema.h"

using namespace toolorch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz::Input in(data, size);
  std::string_view schema_text = in.until(std::string_view("\0", 1));
  std::string_view value_text = in.rest();
  json::Ptr schema = json::parse(schema_text);
  if (!schema) return 0;
  std::string err;
  if (!json::check_tool_schema(schema.get(), &err)) FUZZ_CHECK(!err.empty());
  err.clear();
  // The schema document is a value as well: any JSON may be checked.
  if (!json::validate(schema.get(), schema.get(), &err)) FUZZ_CHECK(!err.empty());
  json::Ptr value = json::parse(value_text);
  if (!value) return 0;
  err.clear();
  if (!json::validate(schema.get(), value.get(), &err)) FUZZ_CHECK(!err.empty());
  return 0;
}
