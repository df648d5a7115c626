// The reference syntax of chain step arguments (docs/CHAINS.md):
//
//   "${input}"            the chain's input (its arguments object)
//   "${input#/city}"      a JSON Pointer into the input
//   "${search1}"          the whole text of step search1's result
//   "${search1#}"         step search1's result parsed as JSON
//   "${search1#/items/0}" a JSON Pointer into that JSON
//   "$${"                 a literal "${"
//
// A string that is exactly one reference becomes the referenced value
// (any JSON type); a reference inside other text is interpolated (strings
// as they are, other values as compact JSON).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "json/json.h"

namespace toolorch::chain {

struct Ref {
  std::string name;          // "input" or a step name
  bool has_pointer = false;  // "#..." given
  std::string pointer;       // JSON Pointer ("" = the whole document)
  std::string text;          // as written, "${...}", for messages
};

struct Piece {
  bool is_ref = false;
  std::string text;  // literal text (is_ref false)
  Ref ref;
};

// Whether name may name a step: [A-Za-z0-9_.-]+, not "input".
bool valid_step_name(std::string_view name);

// Split a string value into literal text and references; false + *err on
// a malformed "${...}" (unterminated, empty, bad name or pointer).
bool parse_string(std::string_view s, std::vector<Piece> *out, std::string *err);

// Every reference in an argument template (strings at any depth; object
// keys are not templates); false + *err on the first malformed one, with
// its place ($.a.b[2]).
bool collect_refs(const cJSON *tmpl, std::vector<Ref> *out, std::string *err);

// What references resolve against at run time.
struct Scope {
  const cJSON *input = nullptr;
  // The result text of a step that succeeded, or null.
  std::function<const std::string *(const std::string &name)> result;
  // Its parsed JSON (null + *err if it is not JSON).
  std::function<const cJSON *(const std::string &name, std::string *err)> result_json;
};

// A copy of tmpl with every reference replaced; null + *err naming the
// reference and why (a missing field names the pointer and the step).
json::Ptr resolve(const cJSON *tmpl, const Scope &scope, std::string *err);

}  // namespace toolorch::chain
