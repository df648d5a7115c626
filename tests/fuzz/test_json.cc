// The strict JSON reader (every document from outside goes through it) and
// canonical JSON (the identity of a call). Properties: a parse that succeeds
// stays within the limits; the canonical text parses back to the same
// canonical text; a failure always says why. And json::FlatDoc (the hot
// path's reader) accepts only what the reader accepts, reading the same
// values: every string and small integer, member by member, in order; told
// to keep only some members (and reading a repeated head once), it accepts
// exactly the same texts; a text it reads in a fixed shape after that head
// (match) is one it accepts, with the same values; what it prints is what
// cJSON prints.
#include <string>

#include "fuzz_input.h"
#include "flat_matches_cjson.h"
#include "json/flat.h"
#include "json/json.h"

using namespace toolorch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  json::Limits limits;
  limits.max_bytes = 1 << 16;
  limits.max_depth = 24;
  std::string err;
  json::ParseError why = json::ParseError::kNone;
  json::Ptr v = json::parse(text, limits, &err, &why);
  int depth = json::nesting_depth(text);
  FUZZ_CHECK(depth >= 0);
  json::FlatDoc flat;
  if (flat.parse(text, limits.max_bytes, limits.max_depth)) {
    FUZZ_CHECK(v != nullptr);
    FUZZ_CHECK(test::flat_matches_cjson(flat, flat.root(), v.get()));
    std::string printed;
    if (flat.append_printed(flat.root(), &printed)) FUZZ_CHECK(printed == json::print(v.get()));
  }
  {
    // check() accepts what parse() accepts and tells the top value's type.
    json::FlatDoc checked, parsed;
    json::FlatDoc::Type top = json::FlatDoc::Type::kNull;
    const bool ok = parsed.parse(text, limits.max_bytes, limits.max_depth);
    FUZZ_CHECK(checked.check(text, limits.max_bytes, limits.max_depth, &top) == ok);
    if (ok) FUZZ_CHECK(top == parsed.type(parsed.root()));
  }
  {
    using Keep = json::FlatDoc::Keep;
    using Member = json::FlatDoc::Member;
    static constexpr Member inner_members[] = {{"a", nullptr}, {"b", nullptr}};
    static constexpr Keep inner{inner_members, 2};
    static constexpr Member top_members[] = {{"a", nullptr}, {"c", &inner}, {"", &inner}};
    static constexpr Keep top{top_members, 3};
    const bool whole = v != nullptr && flat.parse(text, limits.max_bytes, limits.max_depth);
    json::FlatDoc kept;
    FUZZ_CHECK(kept.parse(text, limits.max_bytes, limits.max_depth, &top) == whole);
    // Again (the head, if any, is read once), then with one byte less.
    FUZZ_CHECK(kept.parse(text, limits.max_bytes, limits.max_depth, &top) == whole);
    if (!text.empty()) {
      std::string shorter(text);
      shorter.erase(shorter.size() / 2 + shorter.size() / 4, 1);
      json::FlatDoc fresh;
      FUZZ_CHECK(kept.parse(shorter, limits.max_bytes, limits.max_depth, &top) ==
                 fresh.parse(shorter, limits.max_bytes, limits.max_depth));
    }
    // A fixed shape after the head (match) is a document parse accepts,
    // with the holes' values where parse reads them.
    {
      using Part = json::FlatDoc::ShapePart;
      using Hole = json::FlatDoc::Hole;
      static constexpr Part nested[] = {{R"("a":)", Hole::kSmallInt}, {R"(,"c":{"a":)", Hole::kString},
                                        {R"(,"b":)", Hole::kString}, {"}}", Hole::kEnd}};
      static constexpr Part flat_string[] = {{R"("a":)", Hole::kString}, {"}", Hole::kEnd}};
      static constexpr json::FlatDoc::Shape shapes[] = {{nested, 4}, {flat_string, 2}};
      json::FlatDoc::HoleValue values[json::FlatDoc::kMaxHoles];
      // After the text's own head (kept has read it), and after a head of
      // its own: {"x":1,
      json::FlatDoc headed;
      FUZZ_CHECK(headed.parse(R"({"x":1,"a":0})", limits.max_bytes, limits.max_depth, &top));
      for (json::FlatDoc *doc : {&kept, &headed}) {
        const int shape = doc->match(text, limits.max_bytes, limits.max_depth, &top, shapes, 2, values);
        if (shape < 0) continue;
        json::FlatDoc fresh;
        FUZZ_CHECK(v != nullptr);
        FUZZ_CHECK(fresh.parse(text, limits.max_bytes, limits.max_depth, &top));
        const auto a = fresh.get(fresh.root(), "a");
        if (shape == 0) {
          int n = -1;
          FUZZ_CHECK(fresh.small_int(a, &n) && n == values[0].number);
          const auto c = fresh.get(fresh.root(), "c");
          FUZZ_CHECK(fresh.is(fresh.get(c, "a"), json::FlatDoc::Type::kString));
          FUZZ_CHECK(fresh.text(fresh.get(c, "a")) == values[1].text);
          FUZZ_CHECK(fresh.is(fresh.get(c, "b"), json::FlatDoc::Type::kString));
          FUZZ_CHECK(fresh.text(fresh.get(c, "b")) == values[2].text);
        } else {
          FUZZ_CHECK(fresh.is(a, json::FlatDoc::Type::kString) && fresh.text(a) == values[0].text);
        }
      }
      // Without a Keep, a shape from the first byte.
      static constexpr Part whole_doc[] = {{R"({"a":)", Hole::kSmallInt}, {R"(,"b":)", Hole::kString}, {"}", Hole::kEnd}};
      static constexpr json::FlatDoc::Shape from_start[] = {{whole_doc, 3}};
      json::FlatDoc plain;
      if (plain.match(text, limits.max_bytes, limits.max_depth, nullptr, from_start, 1, values) == 0) {
        json::FlatDoc fresh;
        FUZZ_CHECK(v != nullptr);
        FUZZ_CHECK(fresh.parse(text, limits.max_bytes, limits.max_depth));
        int n = -1;
        FUZZ_CHECK(fresh.small_int(fresh.get(fresh.root(), "a"), &n) && n == values[0].number);
        FUZZ_CHECK(fresh.is(fresh.get(fresh.root(), "b"), json::FlatDoc::Type::kString));
        FUZZ_CHECK(fresh.text(fresh.get(fresh.root(), "b")) == values[1].text);
      }
    }
  }
  if (!v) {
    FUZZ_CHECK(why != json::ParseError::kNone);
    FUZZ_CHECK(!err.empty());
    if (why == json::ParseError::kTooDeep) FUZZ_CHECK(depth > limits.max_depth);
    return 0;
  }
  FUZZ_CHECK(why == json::ParseError::kNone);
  FUZZ_CHECK(text.size() <= limits.max_bytes);
  FUZZ_CHECK(depth <= limits.max_depth);

  std::string canon = json::canonical(v.get());
  FUZZ_CHECK(!canon.empty());
  std::string again;
  FUZZ_CHECK(json::canonicalize(canon, &again));
  FUZZ_CHECK(again == canon);
  std::string compact = json::print(v.get());
  FUZZ_CHECK(json::canonicalize(compact, &again));
  FUZZ_CHECK(again == canon);
  return 0;
}
