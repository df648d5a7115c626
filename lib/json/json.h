// RAII over cJSON, parsing with size and depth limits, and canonical JSON
// (sorted keys, compact) so that two equal argument documents compare equal
// as strings: the identity of a call for reuse and speculation.
#pragma once

#include <cjson/cJSON.h>

#include <memory>
#include <string>
#include <string_view>

namespace toolorch::json {

struct Deleter {
  void operator()(cJSON *p) const { cJSON_Delete(p); }
};
using Ptr = std::unique_ptr<cJSON, Deleter>;

struct Limits {
  size_t max_bytes = 1u << 20;
  int max_depth = 64;
  // Refuse an object that has a key twice (cJSON keeps both and a lookup
  // silently picks the first): for files people write, such as configs.
  bool unique_keys = false;
};

enum class ParseError { kNone, kTooBig, kTooDeep, kSyntax, kDuplicateKey };

// Parse text; on failure returns null, sets *why (if given) and *err to a
// message naming the place of the error: "at byte N (line L, column C)" for
// syntax and trailing characters, the JSON path ($.a.b[2]) of a duplicate
// key. Never throws.
Ptr parse(std::string_view text, const Limits &limits, std::string *err,
          ParseError *why = nullptr);
// Parse with the default limits.
Ptr parse(std::string_view text, std::string *err = nullptr);

// Compact text of a value ("" on allocation failure).
std::string print(const cJSON *v);
// Canonical text: object keys sorted bytewise at every level, compact.
std::string canonical(const cJSON *v);
// Canonical text of a JSON document; false if it does not parse.
bool canonicalize(std::string_view text, std::string *out);

// The deepest nesting of arrays/objects in text, scanning without parsing
// (strings are skipped). Used before parsing so cJSON never recurses deep.
int nesting_depth(std::string_view text);

// Small accessors that tolerate NULL and wrong types.
const char *get_string(const cJSON *obj, const char *key, const char *fallback = nullptr);
double get_number(const cJSON *obj, const char *key, double fallback);
bool get_bool(const cJSON *obj, const char *key, bool fallback);

// A JSON string literal (with quotes) of s.
std::string quote(std::string_view s);

}  // namespace toolorch::json
