// Validation of tool arguments against the tool's JSON Schema, before the
// tool runs. The subset a model's tool schema uses: "type" (one or a list),
// "required", "properties", "items", "enum", "additionalProperties": false,
// nested to any depth. Anything else in the schema is accepted and ignored.
#pragma once

#include <cjson/cJSON.h>

#include <string>

#include "json/flat.h"

namespace toolorch::json {

// True if schema can serve as a tool's parameter schema (an object whose
// "type", if present, is "object"); otherwise *err says why.
bool check_tool_schema(const cJSON *schema, std::string *err);

// True if value satisfies schema; otherwise *err names the first violation
// with its path, e.g. "$.query: expected string, got number".
bool validate(const cJSON *schema, const cJSON *value, std::string *err);

// True if the document (parsed) surely satisfies schema, checked without a
// cJSON document. False also when it cannot tell without one (an "enum",
// an "integer" that is not a small integer): then validate() decides, and
// reports what is wrong.
bool surely_valid(const cJSON *schema, const FlatDoc &doc);

// True if any JSON object satisfies schema and no other value does, as
// surely_valid reads it ({"type": "object"} without properties, required
// or enum): then surely_valid(schema, doc) is whether doc is an object.
// Worked out once per schema (a tool's), it spares the walk per call.
bool any_object_satisfies(const cJSON *schema);

}  // namespace toolorch::json
