#include "chain/runner.h"

#include <map>

#include "chain/reference.h"
#include "core/batch.h"
#include "core/codes.h"
#include "core/dispatcher.h"
#include "core/tool_runner.h"

namespace toolorch::chain {

using core::Call;
using core::CallRef;
using core::Dispatcher;

// One run of a chain: the owner of its steps' calls.
class Run final : public core::CallOwner, public std::enable_shared_from_this<Run> {
 public:
  Run(ChainRunner *runner, std::shared_ptr<const Definition> def, Call *call)
      : runner_(runner), def_(std::move(def)), call_(call), d_(call->finisher) {}
  ~Run() override {
    for (auto &s : steps_) s.call->owner = nullptr;
  }

  void begin();
  void abort();
  void on_call_ended(Call *step) override;

 private:
  using Done = std::function<void(bool ok)>;
  void run_node(const Step &s, Done done);
  void run_seq(const Step &s, size_t i, Done done);
  void run_call(const Step &s, Done done);
  void ask_host(const Step &s, Done done);
  void submit_step(const Step &s, std::string args, Done done);
  void step_failed(const std::string &name, const std::string &why);
  void finish(bool ok);
  std::string context_json() const;
  std::string result_text();
  void emit_result(Call *step);

  ChainRunner *runner_;
  std::shared_ptr<const Definition> def_;
  Call *call_;  // the chain's call (the dispatcher holds it for us)
  Dispatcher *d_;
  json::Ptr input_;
  struct Submitted {
    CallRef call;
    std::string name;
    Done done;  // null once it ended
    // A host request for the arguments of this step (not a step's call):
    // its answer submits the step.
    const Step *args_for = nullptr;
  };
  std::vector<Submitted> steps_;  // submitted, in order
  std::map<std::string, std::string> results_;   // succeeded steps' texts
  mutable std::map<std::string, json::Ptr> parsed_;
  std::vector<std::string> errors_;
  bool stopped_ = false;   // no new step starts
  bool aborted_ = false;   // the chain's call ended without its result
  bool finished_ = false;
};

void Run::begin() {
  auto keep = shared_from_this();
  std::string err;
  input_ = json::parse(call_->args(), &err);
  if (!input_) input_.reset(cJSON_CreateObject());
  // A chain that calls itself (directly or through another chain) would
  // recurse until its deadline: refuse it.
  int depth = 0;
  for (Call *p = call_->parent(); p; p = p->parent()) {
    if (p->tool_name() == call_->tool_name() || ++depth > 16) {
      step_failed("", "chain \"" + def_->name + "\" calls itself (through a step of chain \"" + p->tool_name() + "\")");
      finish(false);
      return;
    }
  }
  run_node(def_->root, [this, keep](bool ok) { finish(ok && errors_.empty()); });
}

void Run::run_node(const Step &s, Done done) {
  if (stopped_) {
    done(false);
    return;
  }
  switch (s.kind) {
    case Step::Kind::kCall: run_call(s, std::move(done)); return;
    case Step::Kind::kSequential: run_seq(s, 0, std::move(done)); return;
    case Step::Kind::kParallel: {
      // One count per branch, plus one for this loop: a branch that ends
      // at once (synchronously) cannot end the group before all started.
      struct Count {
        size_t left;
        bool ok = true;
        Done done;
      };
      auto count = std::make_shared<Count>();
      count->left = s.children.size() + 1;
      count->done = std::move(done);
      auto branch_done = [count](bool ok) {
        count->ok = count->ok && ok;
        if (--count->left == 0) count->done(count->ok);
      };
      {
        Dispatcher::PumpHold hold(d_);  // the branches start together, in order
        for (const Step &c : s.children) run_node(c, branch_done);
      }
      branch_done(true);
      return;
    }
  }
}

void Run::run_seq(const Step &s, size_t i, Done done) {
  if (i == s.children.size()) {
    done(true);
    return;
  }
  const Step *sp = &s;
  run_node(s.children[i], [this, sp, i, done](bool ok) {
    if (!ok) done(false);
    else run_seq(*sp, i + 1, done);
  });
}

std::string Run::context_json() const {
  json::Ptr o(cJSON_CreateObject());
  cJSON_AddItemToObject(o.get(), "input", cJSON_Duplicate(input_.get(), true));
  cJSON *r = cJSON_AddObjectToObject(o.get(), "results");
  for (const auto &kv : results_) cJSON_AddStringToObject(r, kv.first.c_str(), kv.second.c_str());
  return json::print(o.get());
}

void Run::run_call(const Step &s, Done done) {
  std::string args, err;
  if (s.args_external) {
    ask_host(s, std::move(done));
    return;
  }
  if (s.args_fn) {
    bool ok = false;
    try {
      ok = s.args_fn(context_json(), &args, &err);
    } catch (const std::exception &e) {
      err = std::string("the arguments callback threw: ") + e.what();
    } catch (...) {
      err = "the arguments callback threw";
    }
    if (!ok) {
      step_failed(s.name, err.empty() ? "its arguments callback failed" : err);
      done(false);
      return;
    }
  } else if (s.args) {
    Scope scope;
    scope.input = input_.get();
    scope.result = [this](const std::string &n) -> const std::string * {
      auto it = results_.find(n);
      return it == results_.end() ? nullptr : &it->second;
    };
    scope.result_json = [this](const std::string &n, std::string *e) -> const cJSON * {
      auto it = parsed_.find(n);
      if (it == parsed_.end()) it = parsed_.emplace(n, json::parse(results_[n], e)).first;
      else if (!it->second) *e = "it does not parse";
      return it->second.get();
    };
    json::Ptr resolved = resolve(s.args.get(), scope, &err);
    if (!resolved) {
      step_failed(s.name, err);
      done(false);
      return;
    }
    args = json::print(resolved.get());
  } else {
    args = "{}";
  }
  submit_step(s, std::move(args), std::move(done));
}

// The host computes the arguments: a request (core::Call, handed out, not
// dispatched as a tool call) carries the context to it as a CHAIN_ARGS
// event; on_call_ended takes the answer and submits the step. The request
// is one of steps_, so cancelling the chain cancels it like a running step.
void Run::ask_host(const Step &s, Done done) {
  CallRef req(d_->new_call(call_->id() + "/" + s.name, def_->name, context_json()), /*adopt=*/true);
  req->set_parent(call_);
  steps_.push_back(Submitted{req, s.name, std::move(done), &s});
  d_->hand_out(req.get(), runner_->args_tool_, this, call_->event_userdata, call_->event_source,
               call_->event_source_kind);
}

void Run::submit_step(const Step &s, std::string args, Done done) {
  // The speculation rule holds inside chains: a guessed chain call runs
  // only steps whose tools are free of side effects.
  if (call_->speculative) {
    auto tool = d_->registry()->find(s.tool);
    if (!tool || !tool->side_effect_free()) {
      step_failed(s.name, "tool \"" + s.tool + "\" is not free of side effects: a speculative call of chain \"" +
                              def_->name + "\" may not run it");
      done(false);
      return;
    }
  }
  CallRef step(d_->new_call(call_->id() + "/" + s.name, s.tool, std::move(args)), /*adopt=*/true);
  step->set_parent(call_);
  // Its span is a child of the chain call's execute_tool span.
  step->obs.parent = call_->obs.span ? call_->obs.span->ctx : call_->obs.parent;
  steps_.push_back(Submitted{step, s.name, std::move(done)});
  d_->submit(step.get(), this, call_->event_userdata, call_->event_source, call_->event_source_kind);
}

void Run::emit_result(Call *step) {
  // Not once the chain's owner let go of it (a freed batch or job).
  if (!call_->owner) return;
  d_->sink()->emit(core::make_result_event(*step));
}

void Run::on_call_ended(Call *step) {
  auto keep = shared_from_this();
  Done done;
  std::string name;
  const Step *args_for = nullptr;
  for (auto &s : steps_)
    if (s.call.get() == step) {
      done = std::move(s.done);
      s.done = nullptr;
      name = s.name;
      args_for = s.args_for;
      break;
    }
  if (!args_for) emit_result(step);  // a host request is no call of the stream
  if (!done) return;
  if (step->state() == core::TOOLORCH_CALL_SUCCEEDED) {
    if (args_for) {
      // The host's answer: the step runs now, unless the chain stopped
      // meanwhile (a sibling failed under the policy "collect").
      if (stopped_) done(false);
      else submit_step(*args_for, step->text(), std::move(done));
      return;
    }
    results_[name] = step->text();
    done(true);
    return;
  }
  if (!aborted_ && !(stopped_ && step->state() == core::TOOLORCH_CALL_CANCELLED && step->end_status == core::TOOLORCH_ECANCELLED)) {
    const char *how = step->state() == core::TOOLORCH_CALL_TIMED_OUT ? "timed out" : step->state() == core::TOOLORCH_CALL_CANCELLED ? "was cancelled" : "failed";
    step_failed(name, std::string(how) + ": " + step->end_message());
  }
  done(false);
}

void Run::step_failed(const std::string &name, const std::string &why) {
  errors_.push_back(name.empty() ? why : "step \"" + name + "\" " + (why.rfind("failed", 0) == 0 || why.rfind("timed out", 0) == 0 || why.rfind("was cancelled", 0) == 0 ? why : "failed: " + why));
  stopped_ = true;
  if (def_->policy != Policy::kFailFast || aborted_) return;
  // Fail fast: cancel the running siblings.
  Dispatcher::PumpHold hold(d_);
  std::string text = "cancelled: step \"" + name + "\" of chain \"" + def_->name + "\" failed";
  for (auto &s : steps_)
    if (!s.call->ended()) d_->end_call(s.call.get(), core::TOOLORCH_CALL_CANCELLED, core::TOOLORCH_ECANCELLED, std::string(text));
}

std::string Run::result_text() {
  if (!def_->result_named) {
    std::vector<const Step *> calls;
    call_steps(def_->root, &calls);
    auto it = results_.find(calls.back()->name);
    return it == results_.end() ? std::string() : it->second;
  }
  std::vector<std::string> names = def_->result_steps;
  if (names.empty()) {
    std::vector<const Step *> calls;
    call_steps(def_->root, &calls);
    for (const Step *s : calls) names.push_back(s->name);
  }
  json::Ptr o(cJSON_CreateObject());
  for (const std::string &n : names) {
    auto it = results_.find(n);
    if (it == results_.end()) continue;
    json::Ptr parsed = json::parse(it->second);
    cJSON_AddItemToObject(o.get(), n.c_str(), parsed ? parsed.release() : cJSON_CreateString(it->second.c_str()));
  }
  return json::print(o.get());
}

void Run::finish(bool ok) {
  if (finished_) return;
  finished_ = true;
  auto keep = shared_from_this();
  if (!aborted_) {
    if (ok) {
      core::finish_call(*call_, result_text());
    } else {
      std::string msg = "chain \"" + def_->name + "\": ";
      for (size_t i = 0; i < errors_.size(); ++i) msg += (i ? "; " : "") + errors_[i];
      if (errors_.empty()) msg += "a step did not finish";
      core::fail_call(*call_, msg, core::kFailFatal);
    }
  }
  runner_->run_done(call_);
}

void Run::abort() {
  auto keep = shared_from_this();
  aborted_ = true;
  stopped_ = true;
  {
    Dispatcher::PumpHold hold(d_);
    std::string text = "cancelled: chain \"" + def_->name + "\" ended (" + call_->end_message() + ")";
    for (auto &s : steps_)
      if (!s.call->ended()) d_->end_call(s.call.get(), core::TOOLORCH_CALL_CANCELLED, core::TOOLORCH_ECANCELLED, std::string(text));
  }
  core::abandon_call(*call_);
  finished_ = true;
  runner_->run_done(call_);
}

void ArgsRequestRunner::start(Call &call) {
  core::EventPtr ev = core::event_about(&call, core::TOOLORCH_EVENT_CHAIN_ARGS);
  // The request's id is "<chain call id>/<step>" (a step's name has no "/").
  ev->text = call.id().substr(call.id().rfind('/') + 1);
  call.finisher->sink()->emit(std::move(ev));
}

void ArgsRequestRunner::on_call_ended_without_result(Call &call, int) {
  // Its state and end text say why (the chain cancelled, failed or timed out).
  call.finisher->sink()->emit(core::event_about(&call, core::TOOLORCH_EVENT_TOOL_CANCELLED));
}

ChainRunner::ChainRunner(std::shared_ptr<const Definition> def) : def_(std::move(def)) {
  core::ToolSpec spec;
  spec.name = "chain \"" + def_->name + "\" arguments";
  spec.runner = std::make_shared<ArgsRequestRunner>();
  spec.composite = true;
  std::string err;
  args_tool_ = core::Tool::create(spec, &err);  // the default schema: never fails
}

ChainRunner::~ChainRunner() = default;

void ChainRunner::start(Call &call) {
  auto run = std::make_shared<Run>(this, def_, &call);
  runs_[&call] = run;
  run->begin();
}

void ChainRunner::on_call_ended_without_result(Call &call, int reason) {
  (void)reason;
  auto it = runs_.find(&call);
  if (it == runs_.end()) return;
  std::shared_ptr<Run> run = it->second;
  run->abort();
}

void ChainRunner::run_done(Call *call) { runs_.erase(call); }

bool make_tool_spec(Definition def, const core::ToolRegistry &registry, core::ToolSpec *out, std::string *err) {
  if (!validate(def, err)) return false;
  std::vector<const Step *> calls;
  call_steps(def.root, &calls);
  bool sef = def.side_effect_free == 1;
  if (def.side_effect_free < 0) {
    sef = true;
    for (const Step *s : calls) {
      auto t = registry.find(s->tool);
      sef = sef && t && t->side_effect_free();
    }
  }
  out->name = def.name;
  out->description = def.description;
  out->schema_json = def.schema_json;
  out->flags = sef ? core::kToolSideEffectFree : 0;
  out->max_parallel = def.max_parallel;
  out->timeout_ms = def.timeout_ms;
  out->composite = true;
  out->source = "chain \"" + def.name + "\"";
  out->runner = std::make_shared<ChainRunner>(std::make_shared<const Definition>(std::move(def)));
  return true;
}

}  // namespace toolorch::chain
