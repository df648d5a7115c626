// A chain's definition: what docs/CHAINS.md describes, parsed from JSON or
// built step by step (the C API's builder), and checked before it is
// registered: step names unique, every reference to the input or to a step
// that has run by then.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "json/json.h"

namespace toolorch::chain {

// Computed arguments (the C form's callback): given the context JSON
// ({"input": {...}, "results": {"<step>": "<result text>", ...}}), set *args
// (JSON text) and return true, or set *err and return false.
using ArgsFn = std::function<bool(const std::string &context_json, std::string *args, std::string *err)>;

struct Step {
  enum class Kind { kCall, kParallel, kSequential };
  Kind kind = Kind::kCall;
  // kCall:
  std::string name;   // unique in the chain; defaults to the tool's name
  std::string tool;
  json::Ptr args;     // the argument template (an object); null = {}
  ArgsFn args_fn;     // when set, computes the arguments instead
  // The host computes them instead: the step asks with a CHAIN_ARGS event
  // and waits for the answer (runner.cc, ArgsRequestRunner).
  bool args_external = false;
  // kParallel / kSequential:
  std::vector<Step> children;

  Step clone() const;
};

enum class Policy { kFailFast, kCollect };

struct Definition {
  std::string name, description;
  std::string schema_json = "{\"type\":\"object\"}";
  Policy policy = Policy::kFailFast;
  // The chain's result: the last call step's result ("last"), or an object
  // of results by step name (result_steps; empty = every call step).
  bool result_named = false;
  std::vector<std::string> result_steps;
  int side_effect_free = -1;  // -1 not said: computed at registration
  int max_parallel = 0;       // calls of the chain itself at once (0: no cap)
  int64_t timeout_ms = 0;     // the chain call's deadline (0: the context's)
  Step root;                  // kSequential: the top-level steps

  Definition clone() const;
};

// From JSON (docs/CHAINS.md); false + *err naming the place.
bool parse_definition(const cJSON *json, Definition *out, std::string *err);
bool parse_definition(const std::string &text, Definition *out, std::string *err);

// The registration check: names (of the chain and its steps), references
// (a step that has not run yet at that point, or no such step, is refused
// by name), result steps. false + *err.
bool validate(const Definition &def, std::string *err);

// Every call step, in document order.
void call_steps(const Step &root, std::vector<const Step *> *out);

}  // namespace toolorch::chain
