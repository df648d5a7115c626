// json::FlatDoc, the allocation-free reader of stream chunks: what it
// accepts it reads as json::parse + cJSON do (the same strings, the first of
// a repeated key, the same small integers); whatever it is not sure of, it
// refuses, and the caller falls back to json::parse. It accepts only valid
// JSON, so nothing that cJSON refuses.
#include <string>

#include "flat_matches_cjson.h"
#include "json/flat.h"
#include "json/json.h"
#include "json/schema.h"

#include "cmocka_cpp.h"

using toolorch::json::FlatDoc;
using T = FlatDoc::Type;

namespace {

constexpr size_t kBytes = 1 << 20;


void reads_as_cjson(const char *text) {
  FlatDoc d;
  assert_true(d.parse(text, kBytes, 128));
  toolorch::json::Ptr c = toolorch::json::parse(text);
  assert_non_null(c.get());
  assert_true(toolorch::test::flat_matches_cjson(d, d.root(), c.get()));
}

}  // namespace

static void accepted_documents_read_as_cjson_reads_them(void **) {
  reads_as_cjson(R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"choices":[{"index":0,)"
                 R"("delta":{"tool_calls":[{"index":12,"function":{"arguments":"{\"i\": \"7\"}"}}]},"finish_reason":null}]})");
  reads_as_cjson(R"( [1, -2, 0, 3.5, -0.25e3, 1E+2, 123456789, true, false, null, "", {}] )");
  reads_as_cjson(R"({"esc":"\"\\\/\b\f\n\r\t","u":"\u00e9\u20ac\u0041","raw":"é€😀"})");
  reads_as_cjson(R"({"a":{"b":[[[]]]},"c":[{"d":"e"}]})");
}

static void lookups_take_the_first_of_a_repeated_key(void **) {
  FlatDoc d;
  assert_true(d.parse(R"({"k": "first", "x": {"k": 1}, "k": "second"})", kBytes, 128));
  auto k = d.get(d.root(), "k");
  assert_true(d.is(k, T::kString));
  assert_true(d.text(k) == "first");
  assert_int_equal(d.get(d.root(), "missing"), FlatDoc::kNone);
  assert_int_equal(d.get(k, "k"), FlatDoc::kNone);  // not an object
  int v = 0;
  assert_true(d.small_int(d.get(d.get(d.root(), "x"), "k"), &v));
  assert_int_equal(v, 1);
}

static void only_small_plain_integers_have_an_int_value(void **) {
  FlatDoc d;
  assert_true(d.parse("[1234567890, 1.0, 1e2, -5]", kBytes, 128));
  int v = 0;
  auto n = d.first_child(d.root());
  assert_false(d.small_int(n, &v));  // ten digits
  assert_false(d.small_int(n = d.next(n), &v));
  assert_false(d.small_int(n = d.next(n), &v));
  assert_true(d.small_int(d.next(n), &v));
  assert_int_equal(v, -5);
}

// Valid JSON it leaves to cJSON, and documents past its limits.
static void refuses_what_it_does_not_read_exactly(void **) {
  FlatDoc d;
  const char *refused[] = {
      R"({"a":"x\u0000y"})",         // cJSON's C string would stop at the NUL
      R"({"a":"\ud83d\ude00"})",     // surrogate pairs
      R"({"a":"\udc00"})",           // a lone surrogate (cJSON refuses it)
      "{\"a\":\"tab\there\"}",       // a raw control character
      "{\"a\":1}\v",                 // white space JSON does not have
      "[1234567890123456789012345678901234567890123456789012345678901234]",  // longer than cJSON's buffer
  };
  for (const char *t : refused) assert_false(d.parse(t, kBytes, 128));
  assert_false(d.parse("[[[1]]]", kBytes, 2));
  assert_true(d.parse("[[1]]", kBytes, 2));
  assert_false(d.parse("[1, 2]", 5, 128));
}

// trim() lets a reader kept for long forget a large document and still
// read the next one.
static void reads_again_after_trim(void **) {
  FlatDoc d;
  std::string big = "[";
  for (int i = 0; i < 5000; ++i) big += i ? ",\"a\\nb\"" : "\"a\\nb\"";
  big += "]";
  assert_true(d.parse(big, kBytes, 128));
  d.trim();
  assert_true(d.parse(R"({"k":"v"})", kBytes, 128));
  assert_true(d.text(d.get(d.root(), "k")) == "v");
}

// Invalid JSON, some of which cJSON accepts (it is lenient with numbers):
// FlatDoc refuses all of it, so it never accepts what cJSON refuses.
static void refuses_invalid_json(void **) {
  FlatDoc d;
  const char *bad[] = {"", " ", "{", "}", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "{a:1}", "[01]", "[1.]", "[.5]", "[+1]",
                       "[1e]", "[-]", "[\"\\x\"]", "[\"\\u12\"]", "[\"abc]", "nul", "truex", "[1] [2]", "{\"a\":1}}",
                       "[\"a\"\"b\"]", "['a']", "[NaN]", "[Infinity]", "[1 2]"};
  for (const char *t : bad) assert_false(d.parse(t, kBytes, 128));
}

// surely_valid (no cJSON document) never calls valid what validate refuses,
// and says yes to the common valid case.
static void surely_valid_agrees_with_validate(void **) {
  const char *schema_text =
      R"({"type":"object","properties":{"i":{"type":"string"},"n":{"type":"integer"},"x":{"type":["number","null"]},)"
      R"("l":{"type":"array","items":{"type":"boolean"}},"e":{"enum":["a","b"]}},"required":["i"],)"
      R"("additionalProperties":false})";
  toolorch::json::Ptr schema = toolorch::json::parse(schema_text);
  assert_non_null(schema.get());
  struct Case {
    const char *doc;
    bool surely;  // what surely_valid must answer
  } cases[] = {
      {R"({"i":"7"})", true},
      {R"({"i":"7","n":-12,"x":null,"l":[true,false]})", true},
      {R"({"i":"7","x":2.5})", true},
      {R"({"i":"7","n":1e2})", false},          // an integer cJSON's double decides
      {R"({"i":"7","n":12345678901})", false},  // idem
      {R"({"i":"7","e":"a"})", false},          // enums are compared by cJSON
      {R"({"n":1})", false},                    // invalid: "i" missing
      {R"({"i":7})", false},                    // invalid: not a string
      {R"({"i":"7","y":1})", false},            // invalid: additional property
      {R"({"i":"7","l":[1]})", false},          // invalid: items
      {R"({"i":"7","n":1.5})", false},          // invalid: not an integer
      {R"([])", false},                         // invalid: not an object
  };
  FlatDoc d;
  for (const Case &c : cases) {
    assert_true(d.parse(c.doc, kBytes, 64));
    const bool surely = toolorch::json::surely_valid(schema.get(), d);
    assert_int_equal(surely, c.surely);
    toolorch::json::Ptr v = toolorch::json::parse(c.doc);
    std::string err;
    if (surely) assert_true(toolorch::json::validate(schema.get(), v.get(), &err));
  }
}

// any_object_satisfies: only where surely_valid is exactly "an object".
static void any_object_satisfies_only_where_surely_valid_says_object(void **) {
  struct Case {
    const char *schema;
    bool any_object;
  } schemas[] = {
      {R"({"type":"object"})", true},
      {R"({"type":"object","description":"d","properties":{},"required":[]})", true},
      {R"({"type":"object","additionalProperties":true})", true},
      {R"({"type":"object","additionalProperties":false})", false},
      {R"({"type":"object","properties":{"a":{"type":"string"}}})", false},
      {R"({"type":"object","required":["a"]})", false},
      {R"({"type":"object","enum":[{}]})", false},
      {R"({"properties":{}})", false},  // no type: not only objects
      {R"({"type":"array"})", false},
  };
  const char *docs[] = {R"({})", R"({"a":1,"b":"x"})", R"([])", R"("s")", R"(1)", R"(null)"};
  FlatDoc d;
  for (const Case &c : schemas) {
    toolorch::json::Ptr schema = toolorch::json::parse(c.schema);
    assert_non_null(schema.get());
    assert_int_equal(toolorch::json::any_object_satisfies(schema.get()), c.any_object);
    if (!c.any_object) continue;
    for (const char *doc : docs) {
      assert_true(d.parse(doc, kBytes, 64));
      assert_int_equal(toolorch::json::surely_valid(schema.get(), d), d.is(d.root(), FlatDoc::Type::kObject));
    }
  }
}

// With a Keep, only the members named are stored, but the text is read as
// strictly as without: the same documents are accepted and refused.
static void keeps_only_what_it_is_told_and_refuses_the_same(void **) {
  using Keep = FlatDoc::Keep;
  using Member = FlatDoc::Member;
  static constexpr Member inner_members[] = {{"x", nullptr}};
  static constexpr Keep inner{inner_members, 1};
  static constexpr Member top_members[] = {{"a", nullptr}, {"list", &inner}, {"o", &inner}};
  static constexpr Keep top{top_members, 3};
  FlatDoc d;
  assert_true(d.parse(R"({"skip":{"deep":[1,"\n",null]},"a":{"y":1},"list":[{"x":1,"z":2},3],"o":{"z":[],"x":"v"}})",
                      kBytes, 128, &top));
  assert_int_equal(d.get(d.root(), "skip"), FlatDoc::kNone);
  assert_int_not_equal(d.get(d.get(d.root(), "a"), "y"), FlatDoc::kNone);  // kept whole
  auto first = d.first_child(d.get(d.root(), "list"));
  assert_int_not_equal(d.get(first, "x"), FlatDoc::kNone);
  assert_int_equal(d.get(first, "z"), FlatDoc::kNone);
  assert_true(d.is(d.next(first), T::kNumber));
  assert_true(d.text(d.get(d.get(d.root(), "o"), "x")) == "v");
  assert_int_equal(d.get(d.get(d.root(), "o"), "z"), FlatDoc::kNone);
  // Skipped values are checked as strictly as kept ones.
  const char *refused[] = {R"({"skip":"\u0000","a":1})", R"({"skip":[1,],"a":1})", R"({"skip":01,"a":1})",
                           "{\"skip\":\"\t\",\"a\":1}", R"({"skip":[[[1]]],"a":1})"};
  for (const char *t : refused) assert_false(d.parse(t, kBytes, 3, &top));
  assert_true(d.parse(R"({"skip":[[1]],"a":1})", kBytes, 3, &top));
}

// A document with the same head as the last one (members all skipped, up
// to a comma) is read from there: what follows is still read and checked.
static void a_repeated_head_is_read_once(void **) {
  using Keep = FlatDoc::Keep;
  using Member = FlatDoc::Member;
  static constexpr Member top_members[] = {{"k", nullptr}};
  static constexpr Keep top{top_members, 1};
  FlatDoc d;
  assert_true(d.parse(R"({"id":"c1","model":"m","k":1})", kBytes, 128, &top));
  int v = 0;
  assert_true(d.parse(R"({"id":"c1","model":"m","k":2})", kBytes, 128, &top));
  assert_true(d.small_int(d.get(d.root(), "k"), &v));
  assert_int_equal(v, 2);
  assert_true(d.parse(R"({"id":"c1","model":"m","other":[],"k":"s"})", kBytes, 128, &top));
  assert_true(d.text(d.get(d.root(), "k")) == "s");
  // After the head: a trailing comma, a bad value, a missing brace.
  assert_false(d.parse(R"({"id":"c1","model":"m",})", kBytes, 128, &top));
  assert_false(d.parse(R"({"id":"c1","model":"m","k":tru})", kBytes, 128, &top));
  assert_false(d.parse(R"({"id":"c1","model":"m","k":1)", kBytes, 128, &top));
  assert_false(d.parse(R"({"id":"c1","model":"m","k":1}})", kBytes, 128, &top));
  // A different head, a head kept without a Keep, and no Keep at all.
  assert_true(d.parse(R"({"id":"c2","model":"m","k":3})", kBytes, 128, &top));
  assert_true(d.small_int(d.get(d.root(), "k"), &v));
  assert_int_equal(v, 3);
  assert_true(d.parse(R"({"id":"c2","model":"m","k":4})", kBytes, 128));
  assert_int_not_equal(d.get(d.root(), "id"), FlatDoc::kNone);
  assert_false(d.parse(R"({"id":"c2","model":"m",)", kBytes, 128, &top));
}

// A document of a fixed shape after the known head is read in one pass:
// the holes' values are what parse reads in their members, and whatever
// the shape does not say exactly (a number parse reads otherwise, a string
// parse refuses, anything after the end) does not match.
static void a_shape_after_the_head_reads_as_parse_reads_it(void **) {
  using Keep = FlatDoc::Keep;
  using Member = FlatDoc::Member;
  using Part = FlatDoc::ShapePart;
  using Hole = FlatDoc::Hole;
  static constexpr Member top_members[] = {{"k", nullptr}, {"s", nullptr}};
  static constexpr Keep top{top_members, 2};
  static constexpr Part number_and_string[] = {{R"("k":)", Hole::kSmallInt}, {R"(,"s":)", Hole::kString},
                                               {"}", Hole::kEnd}};
  static constexpr Part string_only[] = {{R"("s":)", Hole::kString}, {"}", Hole::kEnd}};
  static constexpr FlatDoc::Shape shapes[] = {{number_and_string, 3}, {string_only, 2}};
  FlatDoc::HoleValue v[FlatDoc::kMaxHoles];
  FlatDoc d;
  const char *first = R"({"id":"c1","k":12,"s":"a\"\u00e9"})";
  assert_int_equal(d.match(first, kBytes, 128, &top, shapes, 2, v), -1);  // no head known yet
  assert_true(d.parse(R"({"id":"c1","k":1})", kBytes, 128, &top));
  assert_int_equal(d.match(first, kBytes, 128, &top, shapes, 2, v), 0);
  assert_int_equal(v[0].number, 12);
  assert_true(v[1].text == "a\"\xc3\xa9");
  FlatDoc whole;
  assert_true(whole.parse(first, kBytes, 128));
  assert_true(whole.text(whole.get(whole.root(), "s")) == v[1].text);
  assert_int_equal(d.match(R"({"id":"c1","s":"plain"})", kBytes, 128, &top, shapes, 2, v), 1);
  assert_true(v[0].text == "plain");
  assert_int_equal(d.match(R"({"id":"c1","k":0,"s":""})", kBytes, 128, &top, shapes, 2, v), 0);
  assert_int_equal(v[0].number, 0);
  assert_int_equal(d.match(R"({"id":"c1","k":999999999,"s":""})", kBytes, 128, &top, shapes, 2, v), 0);
  assert_int_equal(v[0].number, 999999999);
  const char *unmatched[] = {
      R"({"id":"c2","k":1,"s":""})",           // another head
      R"({"id":"c1","k":01,"s":""})",          // not JSON
      R"({"id":"c1","k":1234567890,"s":""})",  // ten digits: no small integer
      R"({"id":"c1","k":1.5,"s":""})",
      R"({"id":"c1","k":1e2,"s":""})",
      R"({"id":"c1","k":-1,"s":""})",
      R"({"id":"c1","k":,"s":""})",
      R"({"id":"c1","k":1,"s":"\u0000"})",  // left to cJSON
      R"({"id":"c1","k":1,"s":"\ud83d\ude00"})",
      "{\"id\":\"c1\",\"k\":1,\"s\":\"tab\there\"}",
      R"({"id":"c1","k":1,"s":"\q"})",
      R"({"id":"c1","k":1,"s":"open})",
      R"({"id":"c1","k":1,"s":""} )",  // white space after it: parse's to read
      R"({"id":"c1","k":1,"s":""}})",
      R"({"id":"c1","k":1,"s":"")",
      R"({"id":"c1", "k":1,"s":""})",
      R"({"id":"c1","k":1,"s":1})",
  };
  for (const char *t : unmatched) assert_int_equal(d.match(t, kBytes, 128, &top, shapes, 2, v), -1);
  assert_int_equal(d.match(first, 10, 128, &top, shapes, 2, v), -1);     // past max_bytes
  assert_int_equal(d.match(first, kBytes, 64, &top, shapes, 2, v), -1);  // not the head's depth
  // The head is still known, and parse still reads from it.
  assert_true(d.parse(R"({"id":"c1","k":7})", kBytes, 128, &top));
  int k = 0;
  assert_true(d.small_int(d.get(d.root(), "k"), &k));
  assert_int_equal(k, 7);
  assert_int_equal(d.match(first, kBytes, 128, &top, shapes, 2, v), 0);
}

// append_printed writes what json::print writes of the same document, or
// says it cannot (numbers other than small integers).
static void prints_as_cjson_prints(void **) {
  const char *same[] = {
      R"( { "i" : "7", "n": 0, "m": [1, -2, true, false, null, {}, []], "e": "\u00e9\/\t\u001f\"", "k": 1, "k": 2 } )",
      R"({"a":{"b":[[[]]]},"c":[{"d":"e"}],"big":123456789})",
      "[]", "\"x\"",
  };
  FlatDoc d;
  for (const char *t : same) {
    assert_true(d.parse(t, kBytes, 64));
    std::string printed = "x";
    assert_true(d.append_printed(d.root(), &printed));
    toolorch::json::Ptr c = toolorch::json::parse(t);
    assert_string_equal(printed.c_str(), ("x" + toolorch::json::print(c.get())).c_str());
  }
  for (const char *t : {"[1.5]", "[1e2]", "[-0]", "{\"n\":1234567890}"}) {
    assert_true(d.parse(t, kBytes, 64));
    std::string printed;
    assert_false(d.append_printed(d.root(), &printed));
  }
}

// check() accepts exactly what parse() accepts, limits included, and
// tells the top value's type; it stores nothing.
static void check_accepts_what_parse_accepts(void **) {
  const char *texts[] = {
      R"( {"a":{"b":[[[]]]},"c":[{"d":"e"}],"n":-0.25e3,"u":"\u00e9\n","k":1,"k":2} )",
      R"({"i":"7"})", "{}", "[]", "[1, true, false, null, \"s\"]", "\"str\"", "12", "null", "true", "false",
      R"({"a":"x\u0000y"})", R"({"a":"\ud83d\ude00"})", "{\"a\":\"tab\there\"}", "{\"a\":1}\v",
      "[1234567890123456789012345678901234567890123456789012345678901234]", "", " ", "{", "}", "[1,]",
      "{\"a\" 1}", "{\"a\":1,}", "{a:1}", "[01]", "[1.]", "[.5]", "[+1]", "[1e]", "[-]", "[\"\\x\"]",
      "[\"abc]", "nul", "truex", "[1] [2]", "{\"a\":1}}", "[\"a\"\"b\"]", "['a']", "[NaN]", "[1 2]",
      "{\"a\":{\"b\":[1]}}", "{\"a\":{\"b\":{\"c\":1}}}", "[[[1]]]",
  };
  FlatDoc p, c;
  for (const char *t : texts) {
    for (int depth : {2, 3, 128}) {
      for (size_t bytes : {kBytes, size_t{8}}) {
        T top = T::kNull;
        bool parsed = p.parse(t, bytes, depth);
        assert_int_equal(c.check(t, bytes, depth, &top), parsed);
        if (parsed) assert_int_equal(static_cast<int>(top), static_cast<int>(p.type(p.root())));
      }
    }
  }
  // After a check the reader parses as before.
  assert_true(c.check(R"({"k":"v"})", kBytes, 128));
  assert_true(c.parse(R"({"k":"v"})", kBytes, 128));
  assert_true(c.text(c.get(c.root(), "k")) == "v");
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(accepted_documents_read_as_cjson_reads_them),
      cmocka_unit_test(lookups_take_the_first_of_a_repeated_key),
      cmocka_unit_test(only_small_plain_integers_have_an_int_value),
      cmocka_unit_test(refuses_what_it_does_not_read_exactly),
      cmocka_unit_test(refuses_invalid_json),
      cmocka_unit_test(reads_again_after_trim),
      cmocka_unit_test(keeps_only_what_it_is_told_and_refuses_the_same),
      cmocka_unit_test(a_repeated_head_is_read_once),
      cmocka_unit_test(a_shape_after_the_head_reads_as_parse_reads_it),
      cmocka_unit_test(prints_as_cjson_prints),
      cmocka_unit_test(surely_valid_agrees_with_validate),
      cmocka_unit_test(any_object_satisfies_only_where_surely_valid_says_object),
      cmocka_unit_test(check_accepts_what_parse_accepts),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
