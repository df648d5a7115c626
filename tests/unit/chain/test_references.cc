// The reference syntax and the registration check of chains (lib/chain):
// parsing, refusal of references to steps that have not run yet (by name),
// and resolution, including a missing field named with its pointer.
#include <cstring>
#include <string>

#include "chain/definition.h"
#include "chain/reference.h"
#include "cmocka_cpp.h"
#include "json/pointer.h"

using namespace toolorch;

static bool contains(const std::string &s, const char *part) { return s.find(part) != std::string::npos; }

static void parses_references(void **) {
  std::vector<chain::Piece> p;
  std::string err;
  assert_true(chain::parse_string("${input#/city}", &p, &err));
  assert_int_equal(p.size(), 1);
  assert_true(p[0].is_ref);
  assert_string_equal(p[0].ref.name.c_str(), "input");
  assert_true(p[0].ref.has_pointer);
  assert_string_equal(p[0].ref.pointer.c_str(), "/city");

  assert_true(chain::parse_string("weather in ${s1} and ${s2#}!", &p, &err));
  assert_int_equal(p.size(), 5);
  assert_string_equal(p[0].text.c_str(), "weather in ");
  assert_string_equal(p[1].ref.name.c_str(), "s1");
  assert_false(p[1].ref.has_pointer);
  assert_true(p[3].ref.has_pointer);
  assert_string_equal(p[3].ref.pointer.c_str(), "");
  assert_string_equal(p[4].text.c_str(), "!");

  // "$${" is a literal "${"; text without references is one literal piece.
  assert_true(chain::parse_string("cost: $${x} ${a.b-c_1#/k~1v/0}", &p, &err));
  assert_int_equal(p.size(), 2);
  assert_string_equal(p[0].text.c_str(), "cost: ${x} ");
  assert_string_equal(p[1].ref.name.c_str(), "a.b-c_1");
  assert_string_equal(p[1].ref.pointer.c_str(), "/k~1v/0");
}

static void refuses_malformed_references(void **) {
  std::vector<chain::Piece> p;
  std::string err;
  assert_false(chain::parse_string("x ${s1", &p, &err));
  assert_true(contains(err, "unterminated"));
  assert_false(chain::parse_string("${}", &p, &err));
  assert_true(contains(err, "not a step name"));
  assert_false(chain::parse_string("${a b}", &p, &err));
  assert_false(chain::parse_string("${s1#items}", &p, &err));
  assert_true(contains(err, "starts with '/'"));
  assert_false(chain::parse_string("${s1#/a~2}", &p, &err));
  assert_true(contains(err, "'~'"));
  // The place of a bad one inside a template.
  json::Ptr t = json::parse("{\"q\":[1,{\"x\":\"${oops\"}]}");
  std::vector<chain::Ref> refs;
  assert_false(chain::collect_refs(t.get(), &refs, &err));
  assert_true(contains(err, "$.q[1].x"));
}

static void json_pointer_walks_and_names_what_is_missing(void **) {
  json::Ptr doc = json::parse("{\"items\":[{\"t\":\"a\"},{\"t\":\"b\"}],\"a/b\":1,\"m~n\":2,\"s\":\"x\"}");
  std::string err;
  const cJSON *v = json::pointer_get(doc.get(), "/items/1/t", &err);
  assert_non_null(v);
  assert_string_equal(v->valuestring, "b");
  assert_int_equal(json::pointer_get(doc.get(), "/a~1b", &err)->valueint, 1);
  assert_int_equal(json::pointer_get(doc.get(), "/m~0n", &err)->valueint, 2);
  assert_ptr_equal(json::pointer_get(doc.get(), "", &err), doc.get());
  assert_null(json::pointer_get(doc.get(), "/items/5", &err));
  assert_true(contains(err, "index 5 out of range (2 items) at /items/5"));
  assert_null(json::pointer_get(doc.get(), "/items/01", &err));
  assert_null(json::pointer_get(doc.get(), "/nope", &err));
  assert_true(contains(err, "no member \"nope\" at /nope"));
  assert_null(json::pointer_get(doc.get(), "/s/0", &err));
  assert_true(contains(err, "a string"));
}

static chain::Definition parse_ok(const char *text) {
  chain::Definition d;
  std::string err;
  if (!chain::parse_definition(std::string(text), &d, &err)) fail_msg("parse: %s", err.c_str());
  return d;
}

static std::string validate_err(const char *text) {
  chain::Definition d;
  std::string err;
  if (!chain::parse_definition(std::string(text), &d, &err)) return "parse: " + err;
  if (chain::validate(d, &err)) return "";
  return err;
}

static void registration_check_names_the_step(void **) {
  // The seed's shape validates.
  assert_string_equal(validate_err(R"({"name":"research","steps":[
      {"parallel":[{"name":"s1","tool":"search","args":{"q":"${input#/city}"}},
                   {"name":"s2","tool":"search"},{"name":"s3","tool":"search"}]},
      {"name":"combine","tool":"combine","args":{"all":["${s1}","${s2#/items/0}","${s3#}"]}},
      {"name":"check","tool":"fact_check","args":{"text":"${combine}"}},
      {"name":"sum","tool":"summarise","args":{"text":"${check}","about":"${input}"}}]})").c_str(), "");
  // A later step.
  std::string e = validate_err(R"({"name":"c","steps":[
      {"name":"a","tool":"t","args":{"x":"${b}"}},{"name":"b","tool":"t"}]})");
  assert_true(contains(e, "step \"a\" refers to step \"b\""));
  assert_true(contains(e, "has not run yet"));
  // A sibling in the same parallel group has not run yet either.
  e = validate_err(R"({"name":"c","steps":[{"parallel":[
      {"name":"a","tool":"t"},{"name":"b","tool":"t","args":{"x":"pre ${a} post"}}]}]})");
  assert_true(contains(e, "step \"b\" refers to step \"a\""));
  // A step inside a nested sequence sees the steps before it there.
  assert_string_equal(validate_err(R"({"name":"c","steps":[{"parallel":[
      {"sequential":[{"name":"a","tool":"t"},{"name":"b","tool":"t","args":{"x":"${a}"}}]},
      {"name":"z","tool":"t"}]}, {"name":"last","tool":"t","args":{"y":"${b}${z}"}}]})").c_str(), "");
  // No such step.
  e = validate_err(R"({"name":"c","steps":[{"name":"a","tool":"t","args":{"x":"${ghost#/a}"}}]})");
  assert_true(contains(e, "\"ghost\""));
  assert_true(contains(e, "not a step of chain \"c\""));
  // Itself.
  e = validate_err(R"({"name":"c","steps":[{"name":"a","tool":"t","args":{"x":"${a}"}}]})");
  assert_true(contains(e, "its own result"));
  // Two steps named alike (the default name is the tool's).
  e = validate_err(R"({"name":"c","steps":[{"tool":"t"},{"tool":"t"}]})");
  assert_true(contains(e, "two steps are named \"t\""));
  // The result names an unknown step; bad keys and shapes are named.
  e = validate_err(R"({"name":"c","result":["a","nope"],"steps":[{"name":"a","tool":"t"}]})");
  assert_true(contains(e, "\"nope\""));
  e = validate_err(R"({"name":"c","steps":[{"name":"a","tool":"t","arg":{}}]})");
  assert_true(contains(e, "unknown key \"arg\""));
  e = validate_err(R"({"name":"c","steps":[{"tool":"t","parallel":[]}]})");
  assert_true(contains(e, "exactly one of"));
  e = validate_err(R"({"name":"c","steps":[]})");
  assert_true(contains(e, "non-empty"));
  e = validate_err(R"({"name":"c","policy":"maybe","steps":[{"tool":"t"}]})");
  assert_true(contains(e, "fail_fast"));
  e = validate_err(R"({"name":"c","steps":[{"name":"input","tool":"t"}]})");
  assert_true(contains(e, "not a valid step name"));
}

static void resolves_values_and_text(void **) {
  chain::Definition d = parse_ok(R"({"name":"c","steps":[{"name":"x","tool":"t","args":{
      "whole":"${s1}","json":"${s1#}","item":"${s1#/items/0}","n":"${s1#/n}",
      "city":"${input#/city}","in":"${input}","text":"n=${s1#/n}, city=${input#/city}, lit=$${s1}",
      "nested":{"k":["${s1#/items/1/t}"]}}}]})");
  json::Ptr input = json::parse("{\"city\":\"Oslo\"}");
  std::string s1 = "{\"items\":[{\"t\":\"a\"},{\"t\":\"b\"}],\"n\":3}";
  json::Ptr s1_json = json::parse(s1);
  chain::Scope scope;
  scope.input = input.get();
  scope.result = [&](const std::string &n) -> const std::string * { return n == "s1" ? &s1 : nullptr; };
  scope.result_json = [&](const std::string &n, std::string *) -> const cJSON * {
    return n == "s1" ? s1_json.get() : nullptr;
  };
  std::string err;
  json::Ptr out = chain::resolve(d.root.children[0].args.get(), scope, &err);
  assert_non_null(out.get());
  assert_string_equal(json::canonical(out.get()).c_str(),
                      json::canonical(json::parse(R"({"whole":"{\"items\":[{\"t\":\"a\"},{\"t\":\"b\"}],\"n\":3}",
      "json":{"items":[{"t":"a"},{"t":"b"}],"n":3},"item":{"t":"a"},"n":3,"city":"Oslo","in":{"city":"Oslo"},
      "text":"n=3, city=Oslo, lit=${s1}","nested":{"k":["b"]}})").get()).c_str());

  // A missing field names the reference, the pointer and the step.
  json::Ptr t = json::parse(R"({"x":"${s1#/items/7/t}"})");
  assert_null(chain::resolve(t.get(), scope, &err).get());
  assert_true(contains(err, "${s1#/items/7/t}"));
  assert_true(contains(err, "missing field /items/7/t in the result of step \"s1\""));
  t = json::parse(R"({"x":"${input#/country}"})");
  assert_null(chain::resolve(t.get(), scope, &err).get());
  assert_true(contains(err, "missing field /country in the chain's input"));
  // A pointer into a result that is not JSON.
  std::string plain = "just text";
  scope.result = [&](const std::string &) -> const std::string * { return &plain; };
  scope.result_json = [&](const std::string &, std::string *e) -> const cJSON * {
    *e = "syntax";
    return nullptr;
  };
  t = json::parse(R"({"x":"${s1#/a}"})");
  assert_null(chain::resolve(t.get(), scope, &err).get());
  assert_true(contains(err, "is not JSON"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(parses_references),
      cmocka_unit_test(refuses_malformed_references),
      cmocka_unit_test(json_pointer_walks_and_names_what_is_missing),
      cmocka_unit_test(registration_check_names_the_step),
      cmocka_unit_test(resolves_values_and_text),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
