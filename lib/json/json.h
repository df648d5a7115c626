// RAII over cJSON, parsing with size and depth limits, and canonical JSON
// (sorted keys, compact) so that two equal argument documents compare equal
// as strings: the identity of a call for reuse and speculation.
#pragma once

#include <cjson/cJSON.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

// A JSON number as an int64, clamped into [lo, hi]; NaN gives lo. Numbers
// from the network (a token count of 1e300) never reach an out-of-range
// cast, which would be undefined behaviour.
int64_t clamp_to_int64(double d, int64_t lo = std::numeric_limits<int64_t>::min(),
                       int64_t hi = std::numeric_limits<int64_t>::max());
// Whether d is a whole number in [lo, hi] (checked without any cast).
bool is_int_in(double d, int64_t lo, int64_t hi);
// A count the network reported at obj[key]: >= 0, clamped, 0 when missing.
int64_t get_count(const cJSON *obj, const char *key);
// Two such counts (>= 0) added, held at INT64_MAX rather than overflowing.
int64_t add_counts(int64_t a, int64_t b);

// s as valid UTF-8: every invalid sequence (a stray byte, a truncated or
// overlong sequence, a surrogate, a code point past U+10FFFF) becomes
// U+FFFD, one per maximal invalid subpart as Unicode recommends. Valid text
// is returned unchanged. Tool results pass through this before they enter
// the transcript, so every request body and transcript is valid JSON text.
std::string to_valid_utf8(std::string_view s);
// Whether s is valid UTF-8 already.
bool is_valid_utf8(std::string_view s);

// A JSON string literal (with quotes) of s, escaped as cJSON prints one.
std::string quote(std::string_view s);
void append_quoted(std::string *out, std::string_view s);
// The same written at p, which has room for 2 + 6 * s.size() bytes (every
// byte may become a 6-byte escape): where it ends. For writers that make
// room once for a whole object.
char *write_quoted(char *p, std::string_view s);
// The literal cJSON prints for a string made from s.c_str(): s up to its
// first NUL, where that C string ends. For writing JSON text directly
// that is byte for byte what a cJSON document of the same strings printed.
void append_cstring(std::string *out, std::string_view s);

// For an unknown key: ` (did you mean "K"?)` with the known key nearest to
// it (edit distance, a swap of neighbours counting one, case aside, within
// a third of the longer name; or key the start or end of a known name), or
// "" when none is near. Error messages append it.
std::string did_you_mean(std::string_view key, const std::vector<std::string> &known);

}  // namespace toolorch::json
