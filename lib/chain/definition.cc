#include "chain/definition.h"

#include <map>
#include <set>

#include "chain/reference.h"

namespace toolorch::chain {

Step Step::clone() const {
  Step s;
  s.kind = kind;
  s.name = name;
  s.tool = tool;
  if (args) s.args.reset(cJSON_Duplicate(args.get(), true));
  s.args_fn = args_fn;
  s.args_external = args_external;
  for (const Step &c : children) s.children.push_back(c.clone());
  return s;
}

Definition Definition::clone() const {
  Definition d;
  d.name = name;
  d.description = description;
  d.schema_json = schema_json;
  d.policy = policy;
  d.result_named = result_named;
  d.result_steps = result_steps;
  d.side_effect_free = side_effect_free;
  d.max_parallel = max_parallel;
  d.timeout_ms = timeout_ms;
  d.root = root.clone();
  return d;
}

void call_steps(const Step &root, std::vector<const Step *> *out) {
  if (root.kind == Step::Kind::kCall) {
    out->push_back(&root);
    return;
  }
  for (const Step &c : root.children) call_steps(c, out);
}

namespace {

bool check_keys(const cJSON *obj, std::initializer_list<const char *> keys, const std::string &where,
                std::string *err) {
  for (const cJSON *it = obj->child; it; it = it->next) {
    bool known = false;
    for (const char *k : keys) known = known || std::string(k) == it->string;
    if (!known) {
      *err = where + ": unknown key \"" + std::string(it->string) + "\"";
      return false;
    }
  }
  return true;
}

bool parse_steps(const cJSON *list, Step::Kind kind, const std::string &where, Step *out, std::string *err);

bool parse_step(const cJSON *j, const std::string &where, Step *out, std::string *err) {
  if (!cJSON_IsObject(j)) {
    *err = where + ": a step is an object";
    return false;
  }
  const cJSON *par = cJSON_GetObjectItemCaseSensitive(j, "parallel");
  const cJSON *seq = cJSON_GetObjectItemCaseSensitive(j, "sequential");
  const cJSON *tool = cJSON_GetObjectItemCaseSensitive(j, "tool");
  if ((par != nullptr) + (seq != nullptr) + (tool != nullptr) != 1) {
    *err = where + ": a step has exactly one of \"tool\", \"parallel\", \"sequential\"";
    return false;
  }
  if (par || seq) {
    if (!check_keys(j, {"parallel", "sequential", "comment"}, where, err)) return false;
    return parse_steps(par ? par : seq, par ? Step::Kind::kParallel : Step::Kind::kSequential,
                       where + (par ? ".parallel" : ".sequential"), out, err);
  }
  if (!check_keys(j, {"tool", "name", "args", "comment"}, where, err)) return false;
  if (!cJSON_IsString(tool) || !*tool->valuestring) {
    *err = where + ": \"tool\" must be a non-empty string";
    return false;
  }
  out->kind = Step::Kind::kCall;
  out->tool = tool->valuestring;
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(j, "name");
  if (name && !cJSON_IsString(name)) {
    *err = where + ": \"name\" must be a string";
    return false;
  }
  out->name = name ? name->valuestring : out->tool;
  const cJSON *args = cJSON_GetObjectItemCaseSensitive(j, "args");
  if (args && !cJSON_IsObject(args)) {
    *err = where + " (step \"" + out->name + "\"): \"args\" must be an object";
    return false;
  }
  if (args) out->args.reset(cJSON_Duplicate(args, true));
  return true;
}

bool parse_steps(const cJSON *list, Step::Kind kind, const std::string &where, Step *out, std::string *err) {
  if (!cJSON_IsArray(list) || !list->child) {
    *err = where + ": must be a non-empty array of steps";
    return false;
  }
  out->kind = kind;
  int i = 0;
  for (const cJSON *it = list->child; it; it = it->next, ++i) {
    Step s;
    if (!parse_step(it, where + "[" + std::to_string(i) + "]", &s, err)) return false;
    out->children.push_back(std::move(s));
  }
  return true;
}

// Walk in run order. `done`: the steps that have ended before this point.
bool check_refs(const Step &s, const std::set<std::string> &done, const std::set<std::string> &all,
                const std::string &chain, std::set<std::string> *after, std::string *err) {
  if (s.kind == Step::Kind::kCall) {
    std::vector<Ref> refs;
    std::string rerr;
    if (s.args && !collect_refs(s.args.get(), &refs, &rerr)) {
      *err = "step \"" + s.name + "\": " + rerr;
      return false;
    }
    for (const Ref &r : refs) {
      if (r.name == "input" || done.count(r.name)) continue;
      if (r.name == s.name) *err = "step \"" + s.name + "\" refers to its own result (" + r.text + ")";
      else if (!all.count(r.name))
        *err = "step \"" + s.name + "\" refers to \"" + r.name + "\" (" + r.text + "), which is not a step of chain \"" + chain + "\"";
      else
        *err = "step \"" + s.name + "\" refers to step \"" + r.name + "\" (" + r.text +
               "), which has not run yet at that point (it runs later or in parallel)";
      return false;
    }
    after->insert(s.name);
    return true;
  }
  if (s.kind == Step::Kind::kSequential) {
    std::set<std::string> seen = done;
    for (const Step &c : s.children) {
      std::set<std::string> mine;
      if (!check_refs(c, seen, all, chain, &mine, err)) return false;
      seen.insert(mine.begin(), mine.end());
      after->insert(mine.begin(), mine.end());
    }
    return true;
  }
  for (const Step &c : s.children) {  // parallel: each sees only what ended before the group
    if (!check_refs(c, done, all, chain, after, err)) return false;
  }
  return true;
}

}  // namespace

bool parse_definition(const cJSON *j, Definition *out, std::string *err) {
  if (!cJSON_IsObject(j)) {
    *err = "a chain is a JSON object";
    return false;
  }
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(j, "name");
  std::string where = cJSON_IsString(name) ? "chain \"" + std::string(name->valuestring) + "\"" : "chain";
  if (!check_keys(j, {"name", "description", "parameters", "steps", "policy", "result", "side_effect_free",
                      "max_parallel", "timeout_ms", "comment"},
                  where, err))
    return false;
  if (!cJSON_IsString(name) || !*name->valuestring) {
    *err = "chain: \"name\" must be a non-empty string";
    return false;
  }
  out->name = name->valuestring;
  const cJSON *desc = cJSON_GetObjectItemCaseSensitive(j, "description");
  if (desc && !cJSON_IsString(desc)) {
    *err = where + ": \"description\" must be a string";
    return false;
  }
  if (desc) out->description = desc->valuestring;
  const cJSON *params = cJSON_GetObjectItemCaseSensitive(j, "parameters");
  if (params && !cJSON_IsObject(params)) {
    *err = where + ": \"parameters\" must be a JSON Schema object";
    return false;
  }
  if (params) out->schema_json = json::print(params);
  const cJSON *policy = cJSON_GetObjectItemCaseSensitive(j, "policy");
  if (policy) {
    std::string p = cJSON_IsString(policy) ? policy->valuestring : "";
    if (p == "fail_fast") out->policy = Policy::kFailFast;
    else if (p == "collect") out->policy = Policy::kCollect;
    else {
      *err = where + ": \"policy\" must be \"fail_fast\" or \"collect\"";
      return false;
    }
  }
  const cJSON *result = cJSON_GetObjectItemCaseSensitive(j, "result");
  if (result) {
    if (cJSON_IsString(result) && std::string(result->valuestring) == "last") {
      out->result_named = false;
    } else if (cJSON_IsString(result) && std::string(result->valuestring) == "all") {
      out->result_named = true;
    } else if (cJSON_IsArray(result) && result->child) {
      out->result_named = true;
      for (const cJSON *it = result->child; it; it = it->next) {
        if (!cJSON_IsString(it)) {
          *err = where + ": \"result\" lists step names (strings)";
          return false;
        }
        out->result_steps.push_back(it->valuestring);
      }
    } else {
      *err = where + ": \"result\" must be \"last\", \"all\" or a non-empty array of step names";
      return false;
    }
  }
  const cJSON *sef = cJSON_GetObjectItemCaseSensitive(j, "side_effect_free");
  if (sef && !cJSON_IsBool(sef)) {
    *err = where + ": \"side_effect_free\" must be a boolean";
    return false;
  }
  if (sef) out->side_effect_free = cJSON_IsTrue(sef) ? 1 : 0;
  const cJSON *mp = cJSON_GetObjectItemCaseSensitive(j, "max_parallel");
  if (mp && (!cJSON_IsNumber(mp) || !json::is_int_in(mp->valuedouble, 0, 1000000))) {
    *err = where + ": \"max_parallel\" must be an integer >= 0";
    return false;
  }
  if (mp) out->max_parallel = static_cast<int>(mp->valuedouble);
  const cJSON *to = cJSON_GetObjectItemCaseSensitive(j, "timeout_ms");
  if (to && (!cJSON_IsNumber(to) || !json::is_int_in(to->valuedouble, 0, INT64_C(1) << 40))) {
    *err = where + ": \"timeout_ms\" must be an integer >= 0";
    return false;
  }
  if (to) out->timeout_ms = static_cast<int64_t>(to->valuedouble);
  const cJSON *steps = cJSON_GetObjectItemCaseSensitive(j, "steps");
  if (!steps) {
    *err = where + ": \"steps\" is required";
    return false;
  }
  return parse_steps(steps, Step::Kind::kSequential, where + ".steps", &out->root, err);
}

bool parse_definition(const std::string &text, Definition *out, std::string *err) {
  json::Limits limits;
  limits.unique_keys = true;
  std::string perr;
  json::Ptr j = json::parse(text, limits, &perr);
  if (!j) {
    *err = "chain: not valid JSON: " + perr;
    return false;
  }
  return parse_definition(j.get(), out, err);
}

bool validate(const Definition &def, std::string *err) {
  std::string where = "chain \"" + def.name + "\"";
  if (def.name.empty()) {
    *err = "chain: the name is empty";
    return false;
  }
  std::vector<const Step *> calls;
  call_steps(def.root, &calls);
  if (calls.empty()) {
    *err = where + ": it has no steps";
    return false;
  }
  std::set<std::string> all;
  for (const Step *s : calls) {
    if (!valid_step_name(s->name)) {
      *err = where + ": \"" + s->name + "\" is not a valid step name (letters, digits, '_', '-', '.'; not \"input\")";
      return false;
    }
    if (!all.insert(s->name).second) {
      *err = where + ": two steps are named \"" + s->name + "\" (a step is named after its tool unless \"name\" says otherwise)";
      return false;
    }
    if (s->tool.empty()) {
      *err = where + ": step \"" + s->name + "\" names no tool";
      return false;
    }
  }
  std::set<std::string> after;
  std::string rerr;
  if (!check_refs(def.root, {}, all, def.name, &after, &rerr)) {
    *err = where + ": " + rerr;
    return false;
  }
  for (const std::string &r : def.result_steps)
    if (!all.count(r)) {
      *err = where + ": \"result\" names \"" + r + "\", which is not a step";
      return false;
    }
  std::string serr;
  if (!json::parse(def.schema_json, &serr)) {
    *err = where + ": the parameter schema is not JSON: " + serr;
    return false;
  }
  return true;
}

}  // namespace toolorch::chain
